"""procrastinate's schema comes from carsite's migrations; it must be what the installed procrastinate expects.

One database is built by carsite's runner, another from the installed wheel's own ``schema.sql``; their
``procrastinate_*`` objects must match. A procrastinate upgrade without the matching migrations fails here.
"""

from __future__ import annotations

import hashlib
import re
from importlib import metadata
from pathlib import Path

import procrastinate
import psycopg

ROOT = Path(__file__).resolve().parent.parent
WHEEL_SCHEMA = Path(procrastinate.__file__).parent / "sql" / "schema.sql"

CATALOGUE = {
    "columns": """
        SELECT table_name, column_name, data_type, udt_name, is_nullable, coalesce(column_default, ''),
               coalesce(character_maximum_length, 0), is_identity
          FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name LIKE 'procrastinate%'
         ORDER BY 1, 2""",
    "indexes": """
        SELECT tablename, indexname, indexdef FROM pg_indexes
         WHERE schemaname = 'public' AND tablename LIKE 'procrastinate%' ORDER BY 1, 2""",
    "constraints": """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
         WHERE conrelid::regclass::text LIKE 'procrastinate%' ORDER BY 1, 2""",
    "enum labels": """
        SELECT t.typname, e.enumsortorder, e.enumlabel FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
         WHERE t.typname LIKE 'procrastinate%' ORDER BY 1, 2""",
    "composite types": """
        SELECT t.typname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod)
          FROM pg_type t JOIN pg_attribute a ON a.attrelid = t.typrelid
         WHERE t.typname LIKE 'procrastinate%' AND t.typtype = 'c' AND a.attnum > 0 ORDER BY 1, 2""",
    "functions": """
        SELECT p.proname, pg_get_function_identity_arguments(p.oid), pg_get_function_result(p.oid),
               md5(p.prosrc)
          FROM pg_proc p
         WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'procrastinate%' ORDER BY 1, 2""",
    "triggers": """
        SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger
         WHERE NOT tgisinternal AND tgname LIKE 'procrastinate%' ORDER BY 1""",
}


def catalogue(url: str) -> dict[str, list[tuple]]:
    with psycopg.connect(url) as conn:
        return {what: conn.execute(query).fetchall() for what, query in CATALOGUE.items()}


def test_the_migrations_build_the_schema_of_the_installed_procrastinate(database_url, fresh_database):
    from_wheel = fresh_database()
    with psycopg.connect(from_wheel, autocommit=True) as conn:
        conn.execute(WHEEL_SCHEMA.read_text(encoding="utf-8"))
    ours, theirs = catalogue(database_url), catalogue(from_wheel)
    assert theirs["columns"] and theirs["functions"] and theirs["triggers"]  # the comparison compares something
    for what in CATALOGUE:
        assert ours[what] == theirs[what], (
            f"procrastinate_* {what} differ from procrastinate {procrastinate.__version__}'s schema.sql: "
            "copy its new migration files (procrastinate/sql/migrations) into carsite migrations"
        )


def test_the_copied_schema_is_the_pinned_wheels_file_byte_for_byte():
    (migration,) = sorted((ROOT / "migrations").glob("*_procrastinate_3_10_0.sql"))
    text = migration.read_text(encoding="utf-8")
    header = re.search(r"-- procrastinate (\S+): .*\n-- sha256 ([0-9a-f]{64})\n", text)
    assert header, "the migration names the version and the sha256 of the file it copies"
    version, digest = header.groups()
    body = text.split("\n\n", 1)[1]  # the header, a blank line, then the file as it is in the wheel
    assert hashlib.sha256(body.encode()).hexdigest() == digest
    pinned = re.search(r"^procrastinate==(\S+)$", (ROOT / "requirements.txt").read_text(), re.MULTILINE)
    assert pinned and pinned.group(1) == metadata.version("procrastinate")
    if version == metadata.version("procrastinate"):  # after an upgrade, later migrations carry the difference
        assert hashlib.sha256(WHEEL_SCHEMA.read_bytes()).hexdigest() == digest
