"""pg_trgm's similarity() and word_similarity() in Python, so the catalogue's few hundred names can be matched in
memory exactly as PostgreSQL would match them (contrib/pg_trgm/trgm_op.c): words are runs of letters and digits,
each lower-cased and padded with two spaces before and one after; similarity is shared / (a + b - shared) over the
distinct trigrams; word similarity is the best such ratio of the first string's trigrams to a run of the second's,
found by pg_trgm's own scan (iterate_word_similarity), which this follows step by step."""

from __future__ import annotations

import unicodedata
from collections.abc import Set as AbstractSet


def _is_word_char(char: str) -> bool:
    # iswalnum() in PostgreSQL's C.UTF-8 / Unicode locales: letters and decimal digits ("²" and "_" split words)
    return char.isalpha() or unicodedata.category(char) == "Nd"


def trigrams(text: str) -> list[str]:
    """The trigrams of ``text`` in order, repeats kept (pg_trgm's generate_trgm_only)."""
    found: list[str] = []
    word: list[str] = []
    for char in (text + " ").replace("İ", "i"):  # glibc lowers İ to one i; Python to i and a dot
        if _is_word_char(char):
            word.append(char)
        elif word:
            padded = "  " + "".join(word).lower() + " "
            found.extend(padded[i : i + 3] for i in range(len(padded) - 2))
            word = []
    return found


def similarity(a: str | AbstractSet[str], b: str | AbstractSet[str]) -> float:
    """pg_trgm's similarity(a, b); either side may be given as its set of trigrams."""
    first = set(trigrams(a)) if isinstance(a, str) else a
    second = set(trigrams(b)) if isinstance(b, str) else b
    if not first or not second:
        return 0.0
    shared = len(first & second)
    return shared / (len(first) + len(second) - shared)


def word_similarity(a: str | AbstractSet[str], b: str | list[str]) -> float:
    """pg_trgm's word_similarity(a, b): how well ``a`` matches some run of words of ``b`` (``a`` may be given as
    its set of trigrams, ``b`` as its trigrams in order)."""
    wanted = set(trigrams(a)) if isinstance(a, str) else a
    ordered = trigrams(b) if isinstance(b, str) else b
    ulen1 = len(wanted)
    lastpos: dict[str, int] = {}
    ulen2 = count = 0
    lower = -1
    best = 0.0
    for i, trigram in enumerate(ordered):
        is_wanted = trigram in wanted
        if lower >= 0 or is_wanted:
            if lastpos.get(trigram, -1) < 0:
                ulen2 += 1
                count += is_wanted
            lastpos[trigram] = i
        if not is_wanted:
            continue
        upper = i
        if lower == -1:
            lower, ulen2 = i, 1
        current = count / (ulen1 + ulen2 - count)
        tmp_count, tmp_ulen2, prev_lower = count, ulen2, lower
        for tmp_lower in range(lower, upper + 1):  # a later start may match better
            tmp = tmp_count / (ulen1 + tmp_ulen2 - tmp_count)
            if tmp > current:
                current, ulen2, lower, count = tmp, tmp_ulen2, tmp_lower, tmp_count
            left = ordered[tmp_lower]
            if lastpos.get(left, -1) == tmp_lower:
                tmp_ulen2 -= 1
                tmp_count -= left in wanted
        best = max(best, current)
        for tmp_lower in range(prev_lower, lower):
            left = ordered[tmp_lower]
            if lastpos.get(left, -1) == tmp_lower:
                lastpos[left] = -1
    return best
