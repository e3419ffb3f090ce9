"""The migration runner against real PostgreSQL: each promise of DESIGN.md "Migrations" has a test here."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psycopg
import pytest

from carsite.db.migrate import MigrationError, Runner, dump_schema, new_migration

ROOT = Path(__file__).resolve().parent.parent


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {r[0] for r in rows}


def records(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT version, name, checksum, duration_ms, applied_by FROM schema_migrations ORDER BY version"
        ).fetchall()


BASIC = {
    "0001_create_a.sql": "-- Why: a.\nCREATE TABLE a (id int PRIMARY KEY, note text DEFAULT '100%');\n",
    "0001_create_a.down.sql": "DROP TABLE a;\n",
    "0002_create_b.sql": "CREATE TABLE b (id int REFERENCES a (id));\nINSERT INTO a VALUES (1);\n",
    "0002_create_b.down.sql": "DROP TABLE b;\nDELETE FROM a;\n",
}


def test_applies_in_order_and_records_each(tmp_path, fresh_database):
    url = fresh_database()
    folder = write(tmp_path / "m", BASIC)
    done = Runner(url, folder).migrate()
    assert [m.version for m in done] == [1, 2]
    assert {"a", "b", "schema_migrations"} <= tables(url)
    rows = records(url)
    assert [(r[0], r[1]) for r in rows] == [(1, "create_a"), (2, "create_b")]
    assert all(len(r[2]) == 64 and r[3] >= 0 and "@" in r[4] for r in rows)
    assert Runner(url, folder).migrate() == []  # nothing left to do
    assert [r.state for r in Runner(url, folder).status()] == ["applied", "applied"]


def test_failed_migration_leaves_nothing_behind_and_names_file_and_line(tmp_path, fresh_database):
    url = fresh_database()
    folder = write(
        tmp_path / "m",
        {
            "0001_ok.sql": "CREATE TABLE a (id int);\n",
            "0002_broken.sql": "CREATE TABLE half (id int);\n\nINSERT INTO half\n  VALUES ('not a number');\n",
        },
    )
    with pytest.raises(MigrationError) as info:
        Runner(url, folder).migrate()
    message = str(info.value)
    assert message.startswith("0002_broken.sql:4 (statement 2): ")
    assert "invalid input syntax for type integer" in message
    assert "half" not in tables(url)  # the first statement of the failed file was rolled back too
    assert [r[0] for r in records(url)] == [1]
    assert [r.state for r in Runner(url, folder).status()] == ["applied", "pending"]


def test_syntax_error_position_points_at_the_line(tmp_path, fresh_database):
    url = fresh_database()
    folder = write(tmp_path / "m", {"0001_typo.sql": "CREATE TABLE a (\n  id int,\n  name txet\n);\n"})
    with pytest.raises(MigrationError, match=r"^0001_typo.sql:3 \(statement 1\): type \"txet\" does not exist"):
        Runner(url, folder).migrate()


def test_changed_applied_file_is_refused_with_both_checksums(tmp_path, fresh_database):
    url = fresh_database()
    folder = write(tmp_path / "m", BASIC)
    Runner(url, folder).migrate()
    old = records(url)[0][2]
    write(
        folder,
        {
            "0001_create_a.sql": "CREATE TABLE a (id bigint PRIMARY KEY, note text DEFAULT '100%');\n",
            "0003_more.sql": "CREATE TABLE c (id int);\n",
        },
    )
    with pytest.raises(MigrationError) as info:
        Runner(url, folder).migrate()
    assert "0001_create_a.sql changed after it was applied" in str(info.value)
    assert old[:12] in str(info.value)
    assert "c" not in tables(url)  # nothing applied while a change is unresolved
    states = {r.version: r.state for r in Runner(url, folder).status()}
    assert states == {1: "changed", 2: "applied", 3: "pending"}


def test_comment_and_whitespace_edits_are_accepted(tmp_path, fresh_database):
    url = fresh_database()
    folder = write(tmp_path / "m", BASIC)
    Runner(url, folder).migrate()
    write(
        folder,
        {
            "0001_create_a.sql": "-- Why: a table for the tests, now better explained.\n"
            "CREATE   TABLE a (\n    id int PRIMARY KEY, /* key */\n"
            "    note text DEFAULT '100%'\n);\n"
        },
    )
    assert [r.state for r in Runner(url, folder).status()] == ["applied", "applied"]
    assert Runner(url, folder).migrate() == []


def test_changing_a_string_literal_is_a_change(tmp_path, fresh_database):
    url = fresh_database()
    folder = write(tmp_path / "m", BASIC)
    Runner(url, folder).migrate()
    write(folder, {"0001_create_a.sql": "CREATE TABLE a (id int PRIMARY KEY, note text DEFAULT '100 %');\n"})
    assert Runner(url, folder).status()[0].state == "changed"


def test_missing_file_of_an_applied_migration_is_refused(tmp_path, fresh_database):
    url = fresh_database()
    folder = write(tmp_path / "m", BASIC)
    Runner(url, folder).migrate()
    (folder / "0002_create_b.sql").unlink()
    (folder / "0002_create_b.down.sql").unlink()
    with pytest.raises(MigrationError, match="0002_create_b.sql was applied but its file is missing"):
        Runner(url, folder).migrate()
    assert [r.state for r in Runner(url, folder).status()] == ["applied", "missing"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"0001_a.sql": "SELECT 1;", "0003_c.sql": "SELECT 1;"},
            "0003_c.sql: numbers must be contiguous; 0002 is missing",
        ),
        ({"0001_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 1;"}, "duplicate migration number 0001"),
        ({"0001_a.sql": "SELECT 1;", "1_b.sql": "SELECT 1;"}, "1_b.sql: migration files are named NNNN_summary.sql"),
        ({"0001_a.sql": "SELECT 1;", "0001_other.down.sql": "SELECT 1;"}, "0001_other.down.sql: no matching up"),
        ({"0002_b.sql": "SELECT 1;"}, "0002_b.sql: numbers must be contiguous; 0001 is missing"),
        ({"0001_a.sql": "-- only a comment\n"}, "0001_a.sql: has no SQL statement"),
        ({"0001_a.sql": "SELECT 'unterminated;\n"}, "0001_a.sql:1: unterminated quoted string"),
    ],
)
def test_bad_migration_folders_are_refused(tmp_path, fresh_database, files, message):
    folder = write(tmp_path / "m", files)
    with pytest.raises(MigrationError) as info:
        Runner(fresh_database(), folder).migrate()
    assert message in str(info.value)


def test_two_runners_at_once_apply_each_migration_once(tmp_path, fresh_database):
    url = fresh_database()
    folder = write(
        tmp_path / "m",
        {
            "0001_slow.sql": "CREATE TABLE a (id int);\nSELECT pg_sleep(0.5);\n",
            "0002_next.sql": "CREATE TABLE b (id int);\n",
        },
    )
    results, errors = [], []

    def run():
        try:
            results.append(len(Runner(url, folder, lock_timeout=30).migrate()))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(results) == [0, 2]  # one applied both; the other waited, then found nothing to do
    assert [r[0] for r in records(url)] == [1, 2]


def test_lock_wait_gives_up_with_a_clear_message(tmp_path, fresh_database):
    url = fresh_database()
    folder = write(tmp_path / "m", {"0001_a.sql": "CREATE TABLE a (id int);\n"})
    holder = Runner(url, folder)
    with holder.locked():
        started = time.monotonic()
        with pytest.raises(MigrationError, match="another process holds the migration lock"):
            Runner(url, folder, lock_timeout=0.3).migrate()
        assert time.monotonic() - started < 5


def test_no_transaction_migration_runs_create_index_concurrently(tmp_path, fresh_database):
    url = fresh_database()
    folder = write(
        tmp_path / "m",
        {
            "0001_a.sql": "CREATE TABLE a (id int, name text);\n",
            "0002_index_a.sql": "-- migrate: no-transaction\n-- Why: lookups by name.\n"
            "CREATE INDEX CONCURRENTLY a_name_idx ON a (name);\n"
            "CREATE INDEX CONCURRENTLY a_id_idx ON a (id);\n",
        },
    )
    Runner(url, folder).migrate()
    with psycopg.connect(url) as conn:
        valid = conn.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indisvalid AND c.relname IN ('a_name_idx', 'a_id_idx') ORDER BY 1"
        ).fetchall()
    assert valid == [("a_id_idx",), ("a_name_idx",)]
    assert [r[0] for r in records(url)] == [1, 2]


def test_create_index_concurrently_without_the_directive_fails_cleanly(tmp_path, fresh_database):
    url = fresh_database()
    folder = write(
        tmp_path / "m",
        {
            "0001_a.sql": "CREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY a_id_idx ON a (id);\n",
        },
    )
    with pytest.raises(MigrationError, match="0001_a.sql:2 .*cannot run inside a transaction block"):
        Runner(url, folder).migrate()
    assert "a" not in tables(url)


def test_rollback_runs_the_down_file_and_forgets_the_version(tmp_path, fresh_database):
    url = fresh_database()
    folder = write(tmp_path / "m", BASIC)
    Runner(url, folder).migrate()
    undone = Runner(url, folder).rollback()
    assert [m.version for m in undone] == [2]
    assert "b" not in tables(url)
    assert [r[0] for r in records(url)] == [1]
    Runner(url, folder).migrate()  # and forward again
    assert [r[0] for r in records(url)] == [1, 2]


def test_rollback_without_a_down_file_is_refused(tmp_path, fresh_database):
    url = fresh_database()
    folder = write(tmp_path / "m", {"0001_a.sql": "CREATE TABLE a (id int);\n"})
    Runner(url, folder).migrate()
    with pytest.raises(MigrationError, match="0001_a.sql: no .down.sql file"):
        Runner(url, folder).rollback()
    assert [r[0] for r in records(url)] == [1]


def test_new_makes_the_next_numbered_file(tmp_path):
    folder = write(tmp_path / "m", {"0001_a.sql": "SELECT 1;\n"})
    path = new_migration(folder, "Add mileage to cars!")
    assert path.name == "0002_add_mileage_to_cars.sql"
    assert path.read_text().startswith("-- Why: Add mileage to cars!")
    with pytest.raises(MigrationError, match="needs letters or digits"):
        new_migration(folder, "!!!")


def test_project_migrations_roll_all_the_way_back_and_forward(fresh_database):
    url = fresh_database()
    runner = Runner(url, ROOT / "migrations")
    applied = runner.migrate()
    runner.rollback(steps=len(applied))
    assert tables(url) == {"schema_migrations"}
    assert len(runner.migrate()) == len(applied)


def test_schema_file_matches_the_migrations(fresh_database):
    url = fresh_database()
    Runner(url, ROOT / "migrations").migrate()
    committed = (ROOT / "schema" / "schema.sql").read_text()
    assert dump_schema(url) == committed, "schema/schema.sql is stale: run `python -m carsite db dump-schema`"
