"""Previous / next and page numbers over the search's keyset cursors.

A keyset cursor only knows the way forward, so each page's links carry ``back``: one signed value holding the
positions of the pages before (the newest ``BACK_DEPTH`` of them), from which the previous page's and earlier
pages' cursors are rebuilt exactly as ``search.next_cursor_after`` made them. Nothing more is queried: the page
numbers cost no count, and the search runs the same statement on the same indexes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..domain.paging import integer, pack, unpack
from .search import Search, _cursor_parts

BACK_DEPTH = 30  # pages a "back" remembers (about 60 URL characters each)
NUMBERED = 3  # page numbers shown before the current one (and always page 1)


@dataclass(frozen=True)
class Pages:
    """Where a page of results sits: its number (None when it was reached by a link without history), and the
    extra query parameters (cursor, back) of the pages linked from it; page 1's are {}."""

    number: int | None
    previous: dict[str, str] | None
    next: dict[str, str] | None
    numbered: list[tuple[int, dict[str, str]]] = field(default_factory=list)

    @classmethod
    def of(cls, search: Search, back: str | None, next_cursor: str | None, keep: dict[str, str]) -> Pages:
        """The pages around one page of ``search``; a ``back`` that is not ours, or of another sort, is ignored.
        ``keep`` goes into every link (a page size that is not the default)."""
        pages = cls._of(search, back, next_cursor)
        return cls(
            pages.number,
            None if pages.previous is None else {**keep, **pages.previous},
            None if pages.next is None else {**keep, **pages.next},
            [(n, {**keep, **params}) for n, params in pages.numbered],
        )

    @classmethod
    def _of(cls, search: Search, back: str | None, next_cursor: str | None) -> Pages:
        if not search.cursor:
            forward = {"cursor": next_cursor, "back": _pack(search.sort, 0, [])} if next_cursor else None
            return cls(1, None, forward)
        offset, cursors = _unpack(back, search.sort)
        history = [*cursors, search.cursor]
        kept, dropped = history[-BACK_DEPTH:], max(len(history) - BACK_DEPTH, 0)
        forward = None
        if next_cursor:
            forward = {"cursor": next_cursor, "back": _pack(search.sort, (offset or 0) + dropped, kept)}
        if offset is None:  # a cursor with no history: only the first page is known
            return cls(None, {}, forward, [(1, {})])
        number = offset + len(cursors) + 2
        links: dict[int, dict[str, str]] = {1: {}} if offset == 0 else {}
        for index, cursor in enumerate(cursors):
            links[offset + index + 2] = {"cursor": cursor, "back": _pack(search.sort, offset, cursors[:index])}
        previous = links.get(number - 1)
        numbered = [(n, links[n]) for n in sorted(links) if n == 1 or n >= number - NUMBERED]
        return cls(number, previous, forward, numbered)


def _pack(sort: str, offset: int, cursors: list[str]) -> str:
    positions = []
    for cursor in cursors:
        _, value, row_id = _cursor_parts(cursor)
        positions.append(f"{value}~{row_id}")
    return pack("back", sort, offset, ";".join(positions))


def _unpack(back: str | None, sort: str) -> tuple[int | None, list[str]]:
    """(offset, cursors of the pages before) from a ``back`` value; (None, []) when it is missing or not valid."""
    if not back:
        return None, []
    try:
        kind, made_for, offset, joined = unpack(back, 4)
        if kind != "back" or made_for != sort:
            raise ValueError("not a back value of this sort")
        cursors = []
        for position in joined.split(";") if joined else []:
            value, _, row_id = position.rpartition("~")
            cursors.append(pack(sort, value, integer(row_id, 1, 2**63 - 1)))
        return integer(offset, 0, 10**9), cursors[-BACK_DEPTH:]
    except ValueError:
        return None, []
