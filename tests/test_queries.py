"""The query loader: parameters found by a real tokenizer, load-time errors with file and line."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from carsite.db import ParameterError, QueryFileError, QueryRegistry, UnknownQuery
from carsite.db.queries import parse_file
from carsite.db.sqltext import tokenize

ROOT = Path(__file__).resolve().parent.parent


def one(text: str):
    (query,) = parse_file(f"-- name: q\n-- Doc.\n{text}", "queries/t.sql", "t")
    return query


@pytest.mark.parametrize(
    ("source", "expected_sql", "params"),
    [
        ("SELECT :a", "SELECT $1", ("a",)),
        ("SELECT :a, :b, :a", "SELECT $1, $2, $1", ("a", "b")),
        ("SELECT x::int, :a::text", "SELECT x::int, $1::text", ("a",)),
        ("SELECT ':a', 'it''s :b'", "SELECT ':a', 'it''s :b'", ()),
        ("SELECT E'\\':a', :b", "SELECT E'\\':a', $1", ("b",)),
        ('SELECT ":a" FROM t', 'SELECT ":a" FROM t', ()),
        ("SELECT $$ :a $$, $f$ ; :b $f$", "SELECT $$ :a $$, $f$ ; :b $f$", ()),
        ("SELECT 1 -- :a\n, :b", "SELECT 1 -- :a\n, $1", ("b",)),
        ("SELECT /* :a /* nested :b */ :c */ :d", "SELECT /* :a /* nested :b */ :c */ $1", ("d",)),
        ("SELECT '50%', 7 % 2", "SELECT '50%', 7 % 2", ()),
        ("SELECT arr[1:2]", "SELECT arr[1:2]", ()),
        ("SELECT type'x', :a", "SELECT type'x', $1", ("a",)),
    ],
)
def test_parameters_are_found_by_tokens_not_by_pattern(source, expected_sql, params):
    query = one(source)
    assert query.sql == f"/* t.q queries/t.sql:3 */ {expected_sql}"
    assert query.params == params


def test_statement_carries_name_and_source_line():
    text = "-- name: first\n-- One.\nSELECT 1;\n\n-- name: second\n-- Two.\n\nSELECT\n  2;\n"
    first, second = parse_file(text, "queries/x.sql", "x")
    assert first.sql.startswith("/* x.first queries/x.sql:3 */ SELECT 1")
    assert second.sql.startswith("/* x.second queries/x.sql:8 */ SELECT\n  2")
    assert second.doc == "Two."


def test_a_plan_line_sets_the_mode_and_documents_nothing():
    text = (
        "-- name: a\n-- plan: custom\n-- One.\nSELECT :n::int;\n\n-- name: b\n-- Two.\n-- plan: generic\nSELECT 2;\n\n"
        "-- name: c\n-- Three.\nSELECT :n::int;\n"
    )
    custom, generic, auto = parse_file(text, "queries/x.sql", "x")
    assert (custom.plan, custom.prepare, custom.doc) == ("custom", True, "One.")
    assert (generic.plan, generic.prepare, generic.doc) == ("generic", True, "Two.")
    assert (auto.plan, auto.prepare) == (None, None)


def test_a_query_with_a_plan_mode_sends_numbers_as_text():
    """psycopg keys its prepared statements by parameter types: numbers as text (untyped, like str and None) make
    one statement serve every call."""
    (query,) = parse_file("-- name: q\n-- plan: custom\n-- Doc.\nSELECT :a, :b, :c, :d, :e, :f;", "q.sql", "t")
    assert query.bind({"a": 7, "b": Decimal("1.50"), "c": 0.25, "d": True, "e": None, "f": ["x"]}) == (
        "7",
        "1.50",
        "0.25",
        "True",
        None,
        ["x"],
    )
    assert one("SELECT :a, :b").bind({"a": 7, "b": Decimal("1.5")}) == (7, Decimal("1.5"))


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("-- name: a\n-- Doc.\nSELECT 1;\n-- name: a\n-- Doc.\nSELECT 2;\n", 6, "duplicate query name 'x.a'"),
        ("-- name: a\n-- Doc.\n\n-- name: b\n-- Doc.\nSELECT 1;\n", 1, "has no statement"),
        ("-- name: a\nSELECT 1;\n", 1, "needs a '--' doc line"),
        ("-- name: a\n-- Doc.\nSELECT 'oops;\n", 3, "unterminated quoted string"),
        ("-- name: a\n-- Doc.\nSELECT $$ never closed\n", 3, "unterminated dollar-quoted string"),
        ("-- name: a\n-- Doc.\nSELECT 1; SELECT 2;\n", 3, "more than one statement"),
        ("SELECT 1;\n-- name: a\n-- Doc.\nSELECT 1;\n", 1, "SQL before the first"),
        ("-- name: BadName\n-- Doc.\nSELECT 1;\n", 1, "must be snake_case"),
        ("-- name: a\n-- Doc.\nSELECT $1;\n", 3, "use :name parameters"),
        ("-- name: a\n-- plan: fast\n-- Doc.\nSELECT 1;\n", 1, "plan must be custom or generic, not 'fast'"),
        ("-- name: a\n-- plan: custom\n-- plan: generic\n-- Doc.\nSELECT 1;\n", 1, "more than one '-- plan:' line"),
    ],
)
def test_load_errors_name_file_and_line(tmp_path, text, line, message):
    folder = tmp_path / "queries"
    folder.mkdir()
    (folder / "x.sql").write_text(text)
    with pytest.raises(QueryFileError) as info:
        QueryRegistry.load(folder)
    assert info.value.path == "queries/x.sql"
    assert info.value.line == line
    assert message in str(info.value)
    assert str(info.value).startswith(f"queries/x.sql:{line}: ")


def test_unknown_query_suggests_close_names():
    registry = QueryRegistry.load(ROOT / "queries")
    with pytest.raises(UnknownQuery, match="did you mean cars.car_by_id"):
        registry["cars.car_by_di"]
    with pytest.raises(UnknownQuery, match="no query named 'nothing.like_it'$"):
        registry["nothing.like_it"]


def test_missing_and_unexpected_parameters_are_named():
    query = one("SELECT :alpha, :beta")
    with pytest.raises(ParameterError, match=r"missing beta; unexpected gamma parameter"):
        query.bind({"alpha": 1, "gamma": 2})
    with pytest.raises(ParameterError, match=r"missing alpha, beta"):
        query.bind({})
    assert query.bind({"beta": 2, "alpha": 1}) == (1, 2)


NAME = re.compile(r"--\s*name\s*:\s*(\S+)\s*$")
DIRECTIVE = re.compile(r"--\s*plan\s*:")  # "-- plan: custom" tells the loader how to plan; it documents nothing


def query_file_problems(path: Path) -> tuple[list[str], list[str]]:
    """The query names in one file, read from its text without the loader, and what is wrong with them: a name
    without a doc line ("--" comment lines right under it), or a name used twice in the file."""
    names: list[str] = []
    problems: list[str] = []
    first_line: dict[str, int] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        match = NAME.fullmatch(line.strip())
        if not match:
            continue
        name = match.group(1)
        names.append(name)
        if name in first_line:
            problems.append(f"{path.name}:{number}: duplicate name {name!r} (first at line {first_line[name]})")
        first_line.setdefault(name, number)
        doc = []
        for following in lines[number:]:
            text = following.strip()
            if not text.startswith("--") or NAME.fullmatch(text):
                break
            if not DIRECTIVE.match(text) and text.lstrip("-").strip():
                doc.append(text)
        if not doc:
            problems.append(f"{path.name}:{number}: query {name!r} has no doc line")
    return names, problems


def test_every_project_query_has_a_doc_line_and_a_unique_name():
    found = set()
    for path in sorted((ROOT / "queries").glob("*.sql")):
        names, problems = query_file_problems(path)
        assert problems == []
        found |= {f"{path.stem}.{name}" for name in names}
    assert len(found) > 50
    assert found == {q.name for q in QueryRegistry.load(ROOT / "queries")}  # the loader sees the same queries


def test_the_query_file_check_finds_a_missing_doc_line_and_a_duplicate_name(tmp_path):
    path = tmp_path / "broken.sql"
    path.write_text(
        "-- name: first\n-- One row.\nSELECT 1;\n\n"
        "-- name: undocumented\n-- plan: custom\nSELECT 2;\n\n"
        "-- name: first\n-- Again.\nSELECT 3;\n"
    )
    assert query_file_problems(path) == (
        ["first", "undocumented", "first"],
        [
            "broken.sql:5: query 'undocumented' has no doc line",
            "broken.sql:9: duplicate name 'first' (first at line 1)",
        ],
    )


def test_tokenizer_tracks_lines_through_multiline_tokens():
    tokens = tokenize("SELECT 'a\nb',\n/* c\nd */ :x")
    param = next(t for t in tokens if t.kind == "param")
    assert param.line == 4
