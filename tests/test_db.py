"""The data module against a real PostgreSQL: shapes, errors, transactions, retries, timeouts, statistics."""

from __future__ import annotations

import logging
import threading

import psycopg
import pytest

from carsite import db
from carsite.db import Database, QueryRegistry

from .conftest import ROOT, TEST_QUERIES


def test_result_shapes(probe_db):
    user_id = probe_db.scalar("probe.add_user", name="Ann", email="ann@example.com")
    assert probe_db.one("probe.user_name", user_id=user_id) == {"name": "Ann"}
    assert probe_db.optional("probe.user_name", user_id=user_id + 1) is None
    assert probe_db.all("probe.two_rows") == [{"n": 1}, {"n": 2}]
    assert probe_db.all("probe.no_rows") == []
    assert probe_db.execute("probe.rename_user", name="Anne", user_id=user_id) == 1
    assert probe_db.execute("probe.rename_user", name="X", user_id=user_id + 1) == 0


def test_one_and_scalar_refuse_zero_or_many_rows(probe_db):
    with pytest.raises(db.NoResult, match=r"probe.no_rows \(tests/queries/probe.sql:\d+\): expected one row, got 0"):
        probe_db.one("probe.no_rows")
    with pytest.raises(db.TooManyRows, match="got 2"):
        probe_db.one("probe.two_rows")
    with pytest.raises(db.TooManyRows):
        probe_db.optional("probe.two_rows")
    with pytest.raises(db.NoResult):
        probe_db.scalar("probe.no_rows")
    with pytest.raises(db.QueryError, match="returns no rows; call execute"):
        probe_db.all("probe.touch_nothing")


def test_literal_percent_casts_strings_and_comments_reach_the_server_intact(probe_db):
    row = probe_db.one("probe.tricky_text", value=41)
    assert row == {
        "pct": "100%",
        "modulo": 1,
        "quoted": ":not_a_param",
        "dollar": " :neither ",
        "escaped": "it's :also_not",
        "next": 42,
        "x": 1,
    }
    assert probe_db.one("probe.same_param_twice", n=21) == {"a": 21, "b": 42}


def test_statement_text_carries_the_query_name_and_source(probe_db):
    text = probe_db.scalar("probe.my_query_text")
    assert text.startswith("/* probe.my_query_text tests/queries/probe.sql:")
    assert "SELECT query FROM pg_stat_activity" in text


def test_unique_violation_carries_constraint_name_in_any_letter_case(probe_db):
    probe_db.scalar("probe.add_user", name="Ann", email="ann@example.com")
    with pytest.raises(db.UniqueViolation) as info:
        probe_db.scalar("probe.add_user", name="Ann", email="ANN@Example.COM")
    error = info.value
    assert error.constraint == "users_email_key"
    assert error.sqlstate == "23505"
    assert error.query == "probe.add_user"
    assert error.location.startswith("tests/queries/probe.sql:")
    assert isinstance(error.__cause__, psycopg.errors.UniqueViolation)
    assert isinstance(error, db.IntegrityError)


def test_foreign_key_and_check_violations_are_translated(probe_db):
    with pytest.raises(db.ForeignKeyViolation) as fk:
        probe_db.scalar("probe.add_car", seller_id=999_999)
    assert fk.value.constraint == "cars_seller_id_fkey"
    user_id = probe_db.scalar("probe.add_user", name="Sel", email="sel@example.com")
    car_id = probe_db.scalar("probe.add_car", seller_id=user_id)
    with pytest.raises(db.CheckViolation) as check:
        probe_db.scalar("probe.add_review", car_id=car_id, user_id=user_id, rating=6)
    assert check.value.constraint == "reviews_rating_check"


def test_other_errors_keep_sqlstate_name_and_location(probe_db):
    with pytest.raises(db.QueryError) as info:
        probe_db.scalar("probe.divide", d=0)
    assert info.value.sqlstate == "22012"
    assert str(info.value).startswith("probe.divide (tests/queries/probe.sql:")
    assert "division by zero" in str(info.value)
    assert isinstance(info.value.__cause__, psycopg.errors.DivisionByZero)


def test_parameter_mistakes_are_named_before_anything_is_sent(probe_db):
    with pytest.raises(db.ParameterError, match="missing email"):
        probe_db.scalar("probe.add_user", name="Ann")
    with pytest.raises(db.ParameterError, match="unexpected emial"):
        probe_db.scalar("probe.add_user", name="Ann", email="a@b.c", emial="x")
    with pytest.raises(db.UnknownQuery, match="did you mean probe.add_user"):
        probe_db.scalar("probe.add_usr")


def test_outside_a_transaction_each_call_commits_on_its_own(probe_db, clean_db):
    probe_db.scalar("probe.add_user", name="Ann", email="ann@example.com")
    with psycopg.connect(clean_db) as other:
        assert other.execute("SELECT count(*) FROM users").fetchone()[0] == 1


def test_transaction_shares_one_connection_and_commits(probe_db, clean_db):
    with probe_db.transaction():
        first = probe_db.scalar("probe.backend_pid")
        probe_db.scalar("probe.add_user", name="Ann", email="ann@example.com")
        with psycopg.connect(clean_db) as other:  # not visible before COMMIT
            assert other.execute("SELECT count(*) FROM users").fetchone()[0] == 0
        assert probe_db.scalar("probe.backend_pid") == first
    with psycopg.connect(clean_db) as other:
        assert other.execute("SELECT count(*) FROM users").fetchone()[0] == 1


def test_exception_rolls_the_transaction_back(probe_db):
    with pytest.raises(RuntimeError), probe_db.transaction():
        probe_db.scalar("probe.add_user", name="Ann", email="ann@example.com")
        raise RuntimeError("boom")
    assert probe_db.all("probe.users_named", name="Ann") == []


def test_nested_block_is_a_savepoint(probe_db):
    with probe_db.transaction():
        probe_db.scalar("probe.add_user", name="Outer", email="outer@example.com")
        with pytest.raises(db.UniqueViolation), probe_db.transaction():
            probe_db.scalar("probe.add_user", name="Inner", email="inner@example.com")
            probe_db.scalar("probe.add_user", name="Inner", email="OUTER@example.com")
        probe_db.scalar("probe.add_user", name="After", email="after@example.com")
    names = {r["name"] for r in probe_db.all("probe.users_named", name="Outer")}
    names |= {r["name"] for r in probe_db.all("probe.users_named", name="After")}
    assert names == {"Outer", "After"}
    assert probe_db.all("probe.users_named", name="Inner") == []


def test_isolation_level_is_applied_and_reset(probe_db):
    with probe_db.transaction("serializable"):
        assert probe_db.scalar("probe.isolation") == "serializable"
    with probe_db.transaction():
        assert probe_db.scalar("probe.isolation") == "read committed"
    with pytest.raises(ValueError, match="isolation must be one of"):
        probe_db.transaction("chaotic")


def test_read_only_transaction_refuses_writes(probe_db):
    with pytest.raises(db.QueryError) as info, probe_db.transaction(read_only=True):
        probe_db.scalar("probe.add_user", name="Ann", email="ann@example.com")
    assert info.value.sqlstate == "25006"


def test_retries_need_the_decorator_form(probe_db):
    with pytest.raises(TypeError, match="use @db.transaction"), probe_db.transaction(retries=2):
        pass


def test_retry_reruns_the_whole_function_on_conflict(probe_db):
    calls = []

    @probe_db.transaction(retries=3)
    def flaky():
        calls.append(1)
        probe_db.scalar("probe.add_user", name="Try", email=f"try{len(calls)}@example.com")
        if len(calls) < 3:
            raise db.TransactionConflict("injected", sqlstate="40001")
        return "done"

    assert flaky() == "done"
    assert len(calls) == 3
    # the two failed attempts were rolled back; only the third insert stayed
    assert [r["id"] for r in probe_db.all("probe.users_named", name="Try")] == [3]


def test_retry_gives_up_after_the_limit(probe_db):
    calls = []

    @probe_db.transaction(retries=2)
    def always_conflicts():
        calls.append(1)
        raise db.TransactionConflict("injected", sqlstate="40P01")

    with pytest.raises(db.TransactionConflict):
        always_conflicts()
    assert len(calls) == 3


def test_real_serialization_failures_are_retried_until_both_increments_land(probe_db):
    user_id = probe_db.scalar("probe.add_user", name="0", email="counter@example.com")
    barrier = threading.Barrier(2, timeout=10)
    attempts = []
    errors = []
    local = threading.local()

    @probe_db.transaction("serializable", retries=5)
    def increment():
        attempts.append(1)
        value = int(probe_db.scalar("probe.user_name", user_id=user_id))
        if not getattr(local, "met", False):
            local.met = True
            barrier.wait()  # both read before either writes: one of them must fail at write or commit
        probe_db.execute("probe.rename_user", name=str(value + 1), user_id=user_id)

    def run():
        try:
            increment()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert probe_db.scalar("probe.user_name", user_id=user_id) == "2"
    assert len(attempts) >= 3  # at least one attempt failed with 40001 and was rerun


def test_statement_timeout_becomes_query_timeout(clean_db):
    database = Database(
        clean_db, QueryRegistry.load(TEST_QUERIES, relative_to=ROOT), min_size=1, statement_timeout_ms=100
    )
    try:
        with pytest.raises(db.QueryTimeout) as info:
            database.scalar("probe.sleep", seconds=2)
        assert info.value.sqlstate == "57014"
        assert database.scalar("probe.sleep", seconds=0) == ""
    finally:
        database.close()


def test_slow_queries_are_logged_with_name_and_duration(clean_db, caplog):
    database = Database(clean_db, QueryRegistry.load(TEST_QUERIES, relative_to=ROOT), min_size=1, slow_query_ms=50)
    try:
        with caplog.at_level(logging.WARNING, logger="carsite.db"):
            database.scalar("probe.sleep", seconds=0.08)
            database.scalar("probe.backend_pid")
        slow = [r.getMessage() for r in caplog.records if "slow query" in r.getMessage()]
        assert len(slow) == 1
        assert slow[0].startswith("slow query probe.sleep (tests/queries/probe.sql:")
        assert slow[0].endswith(" ms")
    finally:
        database.close()


def test_statistics_count_calls_errors_and_pool(probe_db):
    probe_db.scalar("probe.backend_pid")
    probe_db.scalar("probe.backend_pid")
    with pytest.raises(db.QueryError):
        probe_db.scalar("probe.divide", d=0)
    stats = probe_db.stats()
    assert stats["queries"]["probe.backend_pid"]["calls"] == 2
    assert stats["queries"]["probe.divide"] == {**stats["queries"]["probe.divide"], "calls": 1, "errors": 1}
    assert stats["pool"]["pool_max"] == 4
    assert stats["pool"]["requests_num"] >= 3


def test_connections_identify_the_application(probe_db):
    assert probe_db.scalar("probe.my_query_text")  # opens a connection
    with probe_db.pool.connection() as conn:
        assert conn.execute("SELECT current_setting('application_name')").fetchone()["current_setting"] == "carsite"


def test_connections_run_without_jit_compilation(probe_db):
    """JIT compiles big statements for longer than carsite's statements run (15-900 ms at a million cars)."""
    with probe_db.pool.connection() as conn:
        assert conn.execute("SELECT current_setting('jit')").fetchone()["current_setting"] == "off"


def test_record_collects_query_names(probe_db):
    with Database.record() as names:
        probe_db.scalar("probe.backend_pid")
        probe_db.all("probe.two_rows")
    probe_db.scalar("probe.backend_pid")
    assert names == ["probe.backend_pid", "probe.two_rows"]


def test_module_functions_use_the_apps_database(app):
    with app.app_context():
        assert db.all("cars.makes_with_counts") == []

        @db.transaction(retries=1)
        def count():
            return db.scalar("cars.count_by_seller", seller_id=1)

        assert count() == 0
        with db.transaction():
            assert db.current().in_transaction()


# -- plan modes ("-- plan: custom" / "-- plan: generic", see carsite.db.queries) ---------------------------------------


@pytest.fixture
def one_connection(clean_db):
    """The probe queries over a pool of one connection, so a test sees every statement prepared on it."""
    database = Database(clean_db, QueryRegistry.load(TEST_QUERIES, relative_to=ROOT), min_size=1, max_size=1)
    yield database
    database.close()


def plans(database: Database, query: str) -> list[tuple[int, int]]:
    """(custom, generic) plan counts of each statement prepared on the connection for this query."""
    rows = database.all("probe.prepared_plans", prefix=database.queries[query].sql)
    return [(row["custom"], row["generic"]) for row in rows]


def count_named(database: Database, call: int) -> None:
    """The custom query with values that psycopg would send with other types each time (None, int2, int4, int8)."""
    name, min_id = [(None, 0), ("Ann", 100_000), (None, 2**40)][call % 3]
    database.scalar("probe.count_named", name=name, min_id=min_id)


def test_each_plan_mode_holds_for_its_own_queries_only(one_connection):
    user_id = one_connection.scalar("probe.add_user", name="Ann", email="ann@example.com")
    for call in range(12):
        count_named(one_connection, call)
        one_connection.scalar("probe.user_name", user_id=user_id)
        one_connection.optional("probe.name_once_planned", user_id=user_id)
    # One prepared statement whatever the values' types, planned for each call's values (by its estimates PostgreSQL
    # would have switched to a generic plan after five calls).
    assert plans(one_connection, "probe.count_named") == [(12, 0)]
    assert plans(one_connection, "probe.name_once_planned") == [(0, 12)]
    # A query without a mode, between the others: psycopg prepares it at its sixth call, and PostgreSQL plans its
    # first five executions for their values, then settles on a generic plan, as it does on a connection of its own.
    assert plans(one_connection, "probe.user_name") == [(5, 2)]


def test_the_mode_is_set_only_when_it_changes(one_connection):
    count_named(one_connection, 0)
    switches = one_connection.stats()["plan_mode_switches"]
    for call in range(5):
        count_named(one_connection, call)
    one_connection.scalar("probe.backend_pid")  # no parameters: planned alike in any mode
    assert one_connection.stats()["plan_mode_switches"] == switches
    one_connection.optional("probe.user_name", user_id=1)
    one_connection.optional("probe.name_once_planned", user_id=1)
    one_connection.optional("probe.name_once_planned", user_id=2)
    assert one_connection.stats()["plan_mode_switches"] == switches + 2


def test_a_rolled_back_transaction_or_savepoint_takes_its_plan_mode_with_it(one_connection):
    with pytest.raises(RuntimeError), one_connection.transaction():
        count_named(one_connection, 0)  # sets the custom mode inside the transaction, which the rollback undoes
        raise RuntimeError("boom")
    for call in range(8):
        count_named(one_connection, call)
    assert plans(one_connection, "probe.count_named") == [(8, 0)]

    one_connection.optional("probe.user_name", user_id=0)  # back in the connection's own mode
    with one_connection.transaction():
        with pytest.raises(RuntimeError), one_connection.transaction():
            count_named(one_connection, 0)
            raise RuntimeError("boom")
        for call in range(8):
            count_named(one_connection, call)
    assert plans(one_connection, "probe.count_named") == [(8, 0)]


def test_a_committed_savepoint_keeps_its_plan_mode(one_connection):
    one_connection.optional("probe.user_name", user_id=0)
    with one_connection.transaction(), one_connection.transaction():
        count_named(one_connection, 0)
    switches = one_connection.stats()["plan_mode_switches"]
    for call in range(8):
        count_named(one_connection, call)
    assert one_connection.stats()["plan_mode_switches"] == switches
    assert plans(one_connection, "probe.count_named") == [(9, 0)]


def test_a_replaced_connection_starts_in_its_own_mode(one_connection, clean_db):
    pid = one_connection.scalar("probe.backend_pid")
    count_named(one_connection, 0)
    with psycopg.connect(clean_db, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(db.DatabaseUnavailable):
        count_named(one_connection, 0)
    for call in range(8):
        count_named(one_connection, call)
    assert one_connection.scalar("probe.backend_pid") != pid
    assert plans(one_connection, "probe.count_named") == [(8, 0)]


def test_a_shortened_statement_timeout_and_the_plan_mode_are_set_and_restored_apart(one_connection):
    db.start_deadline(0.5)
    try:
        count_named(one_connection, 0)
    finally:
        db.end_deadline()
    switches = one_connection.stats()["plan_mode_switches"]
    count_named(one_connection, 1)
    assert one_connection.stats()["plan_mode_switches"] == switches  # restoring the timeout kept the mode
    assert plans(one_connection, "probe.count_named") == [(2, 0)]
    assert one_connection.scalar("probe.statement_timeout") == "30s"
