"""DBA tools over the named queries: prepare them all (like sqlc's db-prepare) and explain one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.adapt import PyFormat, Transformer

from .queries import PLAN_CACHE_MODES, Query, QueryRegistry


@dataclass(frozen=True)
class CheckFailure:
    query: Query
    message: str

    def __str__(self) -> str:
        return f"{self.query.location}: {self.query.name}: {self.message}"


def check(conninfo: str, registry: QueryRegistry) -> list[CheckFailure]:
    """Ask the server to parse and plan-check every query without running it; return the failures."""
    failures = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for query in registry:
            result = conn.pgconn.prepare(b"", query.sql.encode())
            if result.status != psycopg.pq.ExecStatus.COMMAND_OK:
                message = (result.error_message or b"").decode(errors="replace").strip()
                failures.append(CheckFailure(query, " ".join(message.split())))
    return failures


def parse_value(text: str) -> Any:
    """key=value arguments: JSON when it parses (numbers, null, lists), otherwise the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


EXPLAIN = "EXPLAIN (SETTINGS) "
EXPLAIN_JSON = "EXPLAIN (FORMAT JSON) "
EXPLAIN_ANALYZE = "EXPLAIN (ANALYZE, BUFFERS, SETTINGS) "
_JIT_OFF = "SELECT set_config('jit', 'off', false)"
_PLAN_CACHE_MODE = "SELECT set_config('plan_cache_mode', $1, false)"
_EXPLAINED = "carsite_explained"
_EXECUTE_TEXT = (
    "SELECT 'EXECUTE ' || $1::text"
    " || coalesce('(' || string_agg(quote_nullable(a.value), ', ' ORDER BY a.n) || ')', '')"
    " FROM unnest($2::text[]) WITH ORDINALITY AS a(value, n)"
)


def explain(conninfo: str, query: Query, params: dict[str, Any], analyze: bool = False) -> str:
    """The plan of one named query for the given parameters, as the app gets it (see ``_explain``). With analyze it
    runs, inside a rolled-back transaction."""
    with psycopg.connect(conninfo, cursor_factory=psycopg.RawCursor) as conn:
        lines = _explain(conn, EXPLAIN_ANALYZE if analyze else EXPLAIN, query, params)
        conn.rollback()
    return "\n".join(lines)


def plan(conninfo: str, query: Query, params: dict[str, Any]) -> dict[str, Any]:
    """The planner's tree for one named query (EXPLAIN FORMAT JSON) as the app gets it, without running it."""
    with psycopg.connect(conninfo, cursor_factory=psycopg.RawCursor) as conn:
        (document,) = _explain(conn, EXPLAIN_JSON, query, params)
        return document[0]["Plan"]


def _explain(conn: psycopg.Connection, prefix: str, query: Query, params: dict[str, Any]) -> list[Any]:
    """EXPLAIN's rows (lines of text, or a JSON document), with the app's settings: JIT off, and the query's plan mode.

    EXPLAIN of a statement plans it for the values given whatever plan_cache_mode says, so a generic query is
    prepared (as ``queries check`` prepares it) and its EXECUTE explained, which plans it as the app's prepared
    statement, once for any values. EXECUTE takes no $n parameters: its values are written into it as literals
    quoted by PostgreSQL (quote_nullable), which the statement's parameter types then read."""
    conn.execute(_JIT_OFF)
    args = query.bind(params)
    if query.plan != "generic":
        # Fixed text before the named query; the values are bound as $n parameters, never formatted in.
        return [row[0] for row in conn.execute(prefix + query.sql, args)]
    conn.execute(_PLAN_CACHE_MODE, (PLAN_CACHE_MODES["generic"],))
    result = conn.pgconn.prepare(_EXPLAINED.encode(), query.sql.encode())
    if result.status != psycopg.pq.ExecStatus.COMMAND_OK:
        raise psycopg.ProgrammingError((result.error_message or b"").decode(errors="replace").strip())
    dumped = Transformer(conn).dump_sequence(args, [PyFormat.TEXT] * len(args))
    texts = [None if value is None else bytes(value).decode() for value in dumped]
    row = conn.execute(_EXECUTE_TEXT, (_EXPLAINED, texts)).fetchone()
    assert row is not None, "an aggregate returns one row"
    return [line for (line,) in conn.execute(prefix + row[0])]


def sequential_scans(node: dict[str, Any], table: str) -> list[dict[str, Any]]:
    """Seq Scan nodes on ``table`` that can run: subtrees under a one-time filter proven false are skipped
    (PostgreSQL 15 still shows such pruned branches, some as "(($1 IS NULL) AND false)"; newer versions drop them)."""
    if _never_true(node.get("One-Time Filter")):
        return []
    found = [node] if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") == table else []
    for child in node.get("Plans", []):
        found += sequential_scans(child, table)
    return found


def _never_true(condition: str | None) -> bool:
    """Whether a plan's one-time filter is the constant false, alone or as one of the terms it ANDs together."""
    if condition is None:
        return False
    text = condition.strip()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text == "false" or (" OR " not in text and text.endswith(" AND false"))


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0
