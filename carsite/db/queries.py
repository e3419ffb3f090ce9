"""Load named SQL queries from ``queries/*.sql``.

A file holds blocks; each starts with ``-- name: snake_case``, then ``--`` doc lines, then exactly one statement.
``:name`` parameters become PostgreSQL's ``$n`` placeholders, so the text psycopg sends is what the DBA wrote,
with no ``%`` escaping, and the same text can be prepared by ``queries check``.

A doc line ``-- plan: custom`` or ``-- plan: generic`` sets how PostgreSQL plans the query. Without one, psycopg
prepares a statement after a few calls and PostgreSQL chooses between a plan for the values at hand (custom) and one
plan for any values (generic) by its estimates. ``custom``: prepared at its first call (parsed once per connection)
and planned afresh for every call's values, under ``plan_cache_mode = force_custom_plan``; for optional filters
written as ``(:x IS NULL OR col = :x)``, whose unused conditions only such a plan drops. ``generic``: prepared, and
planned once per connection under ``force_generic_plan``; for statements whose one plan serves every value (cheap,
indexed lookups that are planned on every call otherwise). The data module sets the mode on a connection only when
it differs from what that connection last ran (``Database._fit_plan_mode``), and never for a statement without
parameters, which PostgreSQL plans alike in every mode. A prepared query's numbers are sent as
text, typed by the statement's own casts: psycopg keeps one prepared statement per set of parameter types (an int
sent as int2 or int4, a None), each up to a megabyte on the server for the search statement.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .sqltext import SQLSyntaxError, Token, strip_blank, tokenize

NAME_LINE = re.compile(r"--\s*name\s*:\s*(\S*)\s*$")
SNAKE = re.compile(r"[a-z][a-z0-9_]*")
PLAN_LINE = re.compile(r"plan\s*:\s*(\S*)")
PLAN_CACHE_MODES = {"custom": "force_custom_plan", "generic": "force_generic_plan"}  # '-- plan:' → plan_cache_mode


class QueryFileError(Exception):
    """A query file cannot be loaded; the message names the file and line."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line


class UnknownQuery(LookupError):
    """No query has this name."""


class ParameterError(TypeError):
    """The parameters given do not match the query's ``:name`` parameters."""


@dataclass(slots=True)
class Query:
    name: str  # "cars.search"
    doc: str
    path: str  # "queries/cars.sql", relative to the project
    line: int  # line of the statement's first token
    source: str  # the statement as written, with :name parameters
    sql: str  # the statement as sent: leading comment, $n placeholders
    params: tuple[str, ...]  # parameter names in $n order
    plan: str | None = None  # "custom", "generic" (see the module's doc) or None: psycopg and PostgreSQL choose
    _param_set: frozenset[str] = field(default=frozenset(), repr=False)

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"

    def bind(self, values: dict[str, object]) -> tuple[object, ...]:
        """Order keyword values as the statement's $n placeholders; name any missing or unexpected."""
        if len(values) != len(self.params) or values.keys() != self._param_set:
            missing = sorted(self._param_set - values.keys())
            unexpected = sorted(values.keys() - self._param_set)
            parts = []
            if missing:
                parts.append("missing " + ", ".join(missing))
            if unexpected:
                parts.append("unexpected " + ", ".join(unexpected))
            raise ParameterError(f"{self.name} ({self.location}): {'; '.join(parts)} parameter(s)")
        if self.plan:
            return tuple(_untyped(values[p]) for p in self.params)
        return tuple(values[p] for p in self.params)

    @property
    def prepare(self) -> bool | None:
        """psycopg's ``prepare``: True for a query with a plan mode, else None (prepared after a few calls)."""
        return True if self.plan else None


def _untyped(value: object) -> object:
    """A number as text, which psycopg sends without a type (as it sends str and None), so the statement's casts
    type it and every call of a prepared query shares one prepared statement (see the module's doc)."""
    if isinstance(value, (int, float, Decimal)):  # bool too: PostgreSQL reads "True" and "False"
        return str(value)
    return value


def compile_statement(tokens: list[Token]) -> tuple[str, tuple[str, ...]]:
    """Turn statement tokens into text with $n placeholders and the parameter names in order."""
    names: list[str] = []
    out: list[str] = []
    for token in tokens:
        if token.kind == "param":
            name = token.text[1:]
            if name not in names:
                names.append(name)
            out.append(f"${names.index(name) + 1}")
        elif token.kind == "positional":
            raise ValueError(f"line {token.line}: use :name parameters, not {token.text}")
        else:
            out.append(token.text)
    return "".join(out), tuple(names)


def parse_file(text: str, path: str, namespace: str) -> list[Query]:
    """Parse one query file into queries; raise QueryFileError naming the line of the first problem."""
    try:
        tokens = tokenize(text)
    except SQLSyntaxError as exc:
        raise QueryFileError(path, exc.line, str(exc).rsplit(" (line", 1)[0]) from None

    blocks: list[tuple[str, int, list[Token]]] = []
    for token in tokens:
        match = NAME_LINE.match(token.text) if token.kind == "line_comment" else None
        if match:
            blocks.append((match.group(1), token.line, []))
        elif blocks:
            blocks[-1][2].append(token)
        elif not token.is_blank:
            raise QueryFileError(path, token.line, "SQL before the first '-- name:' line")

    queries: list[Query] = []
    for name, line, body in blocks:
        if not SNAKE.fullmatch(name):
            raise QueryFileError(path, line, f"query name {name!r} must be snake_case")
        doc_lines = [t.text[2:].strip() for t in _leading_blank(body) if t.kind == "line_comment"]
        plans = [m.group(1) for d in doc_lines if (m := PLAN_LINE.fullmatch(d))]
        if len(plans) > 1:
            raise QueryFileError(path, line, f"query {name!r} has more than one '-- plan:' line")
        if plans and plans[0] not in PLAN_CACHE_MODES:
            raise QueryFileError(path, line, f"query {name!r}: plan must be custom or generic, not {plans[0]!r}")
        doc = " ".join(d for d in doc_lines if d and not PLAN_LINE.fullmatch(d))
        statement = strip_blank(body)
        if not statement:
            raise QueryFileError(path, line, f"query {name!r} has no statement")
        if not doc:
            raise QueryFileError(path, line, f"query {name!r} needs a '--' doc line saying what it returns")
        semis = [i for i, t in enumerate(statement) if t.kind == "semicolon"]
        if semis:
            trailing = strip_blank(statement[semis[0] + 1 :])
            if trailing:
                raise QueryFileError(path, trailing[0].line, f"query {name!r} holds more than one statement")
            statement = strip_blank(statement[: semis[0]])
        try:
            sql_text, params = compile_statement(statement)
        except ValueError as exc:
            raise QueryFileError(path, statement[0].line, str(exc)) from None
        full_name = f"{namespace}.{name}"
        start = statement[0].line
        source = "".join(t.text for t in statement)
        queries.append(
            Query(
                name=full_name,
                doc=doc,
                path=path,
                line=start,
                source=source,
                sql=f"/* {full_name} {path}:{start} */ {sql_text}",
                params=params,
                plan=plans[0] if plans else None,
                _param_set=frozenset(params),
            )
        )
    return queries


def _leading_blank(tokens: list[Token]) -> list[Token]:
    """The comments and whitespace before a block's statement: its doc lines."""
    out = []
    for token in tokens:
        if not token.is_blank:
            break
        out.append(token)
    return out


class QueryRegistry:
    """Every named query of a project, loaded once at start."""

    def __init__(self, queries: dict[str, Query]) -> None:
        self._queries = queries

    @classmethod
    def load(cls, directory: Path, relative_to: Path | None = None) -> QueryRegistry:
        """Load ``directory/*.sql``; a duplicate name or a bad block raises QueryFileError."""
        queries: dict[str, Query] = {}
        base = relative_to or directory.parent
        for file in sorted(directory.glob("*.sql")):
            namespace = file.stem
            if not SNAKE.fullmatch(namespace):
                raise QueryFileError(str(file), 1, f"file name {file.name!r} must be snake_case.sql")
            shown = file.relative_to(base).as_posix() if file.is_relative_to(base) else str(file)
            for query in parse_file(file.read_text(encoding="utf-8"), shown, namespace):
                if query.name in queries:
                    first = queries[query.name]
                    raise QueryFileError(
                        shown, query.line, f"duplicate query name {query.name!r} (first at {first.location})"
                    )
                queries[query.name] = query
        return cls(queries)

    def __getitem__(self, name: str) -> Query:
        try:
            return self._queries[name]
        except KeyError:
            close = difflib.get_close_matches(name, self._queries, n=3, cutoff=0.6)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise UnknownQuery(f"no query named {name!r}{hint}") from None

    def __iter__(self):
        return iter(self._queries.values())

    def __len__(self) -> int:
        return len(self._queries)

    def __contains__(self, name: str) -> bool:
        return name in self._queries
