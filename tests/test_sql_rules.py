"""Rules kept by the database itself: the last active admin, triggers that ignore view-count flushes, and a comment
on every function and trigger."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import psycopg
import pytest

from carsite import db
from carsite.db.migrate import Runner, dump_schema

from .helpers import sql

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

# -- the last active admin -----------------------------------------------------------------------------------------

WRITES = {
    "demote": ("users.set_role", {"role": "seller"}),
    "deactivate": ("users.set_active", {"active": False}),
    "delete": ("users.soft_delete", {}),
}


def new_account(app, name: str, *, role: str = "admin", active: bool = True, deleted: bool = False) -> int:
    with app.app_context():
        user_id = db.scalar(
            "users.insert_user",
            name=name,
            email=f"{name}@example.com",
            role=role,
            phone=None,
            address=None,
            password_hash="!",
        )
    if not active or deleted:  # set directly, past the rule under test
        sql(
            app,
            "UPDATE users SET is_active = %s, deleted_at = CASE WHEN %s THEN now() END WHERE id = %s",
            active,
            deleted,
            user_id,
        )
    return user_id


def write(kind: str, user_id: int):
    name, params = WRITES[kind]
    return db.optional(name, user_id=user_id, **params)


def active_admins(app) -> list[int]:
    rows = sql(app, "SELECT id FROM users WHERE role = 'admin' AND is_active AND deleted_at IS NULL ORDER BY id")
    return [r[0] for r in rows]


def account(app, user_id: int) -> tuple:
    return sql(app, "SELECT role, is_active, deleted_at IS NULL, name FROM users WHERE id = %s", user_id)[0]


def waiting_for_advisory_lock(app, timeout: float = 10.0) -> None:
    """Return once some session of this database waits for an advisory lock."""
    deadline = time.monotonic() + timeout
    while not sql(
        app,
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )[0][0]:
        assert time.monotonic() < deadline, "nobody waited for the admin lock"
        time.sleep(0.01)


class Worker(threading.Thread):
    """A thread that keeps its function's result or exception for the test to assert on."""

    def __init__(self, target) -> None:
        super().__init__(daemon=True)
        self._fn = target
        self.result = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self._fn()
        except BaseException as exc:  # handed to the test thread
            self.error = exc

    def outcome(self):
        self.join(30)
        assert not self.is_alive(), "worker did not finish"
        if self.error is not None:
            raise self.error
        return self.result


def test_the_last_active_admin_is_refused_by_the_write_itself(app):
    boss = new_account(app, "boss")
    new_account(app, "sleeper", active=False)  # inactive and deleted admins do not count
    new_account(app, "gone", active=False, deleted=True)
    user = new_account(app, "user", role="user")
    with app.app_context():
        for kind in WRITES:
            assert write(kind, boss) is None, kind
        assert db.optional("users.set_role", user_id=boss, role="admin") == {"previous": "admin"}
        assert db.optional("users.set_active", user_id=boss, active=True) == {"id": boss}
        assert db.optional("users.set_role", user_id=user, role="seller") == {"previous": "user"}
        assert db.optional("users.set_active", user_id=user, active=False) == {"id": user}
        assert db.optional("users.soft_delete", user_id=user) == {"avatar": None}
        assert db.optional("users.set_role", user_id=999999, role="seller") is None
    assert account(app, boss) == ("admin", True, True, "boss")
    assert active_admins(app) == [boss]

    second = new_account(app, "second")
    with app.app_context():
        assert db.optional("users.set_role", user_id=boss, role="user") == {"previous": "admin"}
        assert write("demote", second) is None  # now the last one
    assert active_admins(app) == [second]


def at_once(app, barrier: threading.Barrier, kind: str, target: int):
    def run():
        with app.app_context():
            barrier.wait(10)
            return write(kind, target)

    return run


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("demote", "demote"),
        ("deactivate", "deactivate"),
        ("delete", "delete"),
        ("demote", "deactivate"),
        ("deactivate", "delete"),
        ("delete", "demote"),
    ],
)
def test_two_admins_removing_each_other_at_once_leave_one_admin(make_app, first, second):
    app = make_app(DB_POOL_MIN=2)
    for round_number in range(20):
        sql(app, "UPDATE users SET role = 'user' WHERE role = 'admin'")  # a fresh pair each round
        a = new_account(app, f"a{round_number}")
        b = new_account(app, f"b{round_number}")
        barrier = threading.Barrier(2)
        workers = [Worker(at_once(app, barrier, first, b)), Worker(at_once(app, barrier, second, a))]
        for w in workers:  # a removes b while b removes a
            w.start()
        a_won, b_won = (w.outcome() is not None for w in workers)
        assert a_won != b_won, f"round {round_number}: {'both' if a_won else 'neither'} succeeded"
        assert active_admins(app) == [a if a_won else b], f"round {round_number}"


def test_a_second_admin_change_waits_for_the_first_and_sees_its_commit(app):
    a, b = new_account(app, "a"), new_account(app, "b")
    holding, release = threading.Event(), threading.Event()

    def first():
        with app.app_context(), db.transaction():
            row = write("demote", b)
            holding.set()
            release.wait(10)
        return row

    def second():
        holding.wait(10)
        with app.app_context():
            return write("delete", a)

    one, two = Worker(first), Worker(second)
    one.start()
    two.start()
    waiting_for_advisory_lock(app)  # the second write is held at other_active_admins' lock, not yet refused
    assert two.is_alive()
    release.set()
    assert one.outcome() == {"previous": "admin"}
    assert two.outcome() is None  # READ COMMITTED: the count after the lock saw the first commit
    assert active_admins(app) == [a]


def test_under_repeatable_read_a_stale_count_is_a_conflict_not_a_second_removal(app):
    a, b = new_account(app, "a"), new_account(app, "b")
    holding, snapshot_taken, release = threading.Event(), threading.Event(), threading.Event()

    def first():
        with app.app_context(), db.transaction():
            write("deactivate", b)
            holding.set()
            release.wait(10)

    def second():
        holding.wait(10)
        with app.app_context(), db.transaction("repeatable read"):
            db.one("users.user_by_id", user_id=a)  # the snapshot: b is still an active admin in it
            snapshot_taken.set()
            return write("demote", a)

    one, two = Worker(first), Worker(second)
    one.start()
    two.start()
    snapshot_taken.wait(10)
    waiting_for_advisory_lock(app)
    release.set()
    one.outcome()
    with pytest.raises(db.TransactionConflict):
        two.outcome()
    assert active_admins(app) == [a]


# -- view-count flushes --------------------------------------------------------------------------------------------

COUNTS = (
    "SELECT make, model, fuel, body, transmission, colour, condition, cars, xmin::text FROM listing_counts"
    " ORDER BY make, model, fuel, body, transmission, colour, condition"
)
RECOUNT = (
    "SELECT make, model, fuel, body, transmission, colour, condition, count(*) FROM cars"
    " WHERE status = 'available' AND deleted_at IS NULL GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7"
)


def listed(app, n: int) -> list[int]:
    rows = sql(app, "SELECT id FROM cars WHERE status = 'available' AND deleted_at IS NULL ORDER BY id LIMIT %s", n)
    return [r[0] for r in rows]


def stamps(app, ids: list[int]) -> list[tuple]:
    return sql(app, "SELECT id, updated_at, view_count FROM cars WHERE id = ANY(%s) ORDER BY id", ids)


def counts_match_the_cars(app) -> bool:
    kept = [r[:8] for r in sql(app, COUNTS) if r[7] > 0]
    return kept == sql(app, RECOUNT)


def test_a_view_flush_changes_the_view_counts_and_nothing_else(demo):
    ids = listed(demo, 10)
    client = demo.test_client()
    sitemap = client.get("/sitemaps/cars-0.xml").get_data(as_text=True)
    before, counts = stamps(demo, ids), sql(demo, COUNTS)
    history = sql(demo, "SELECT count(*) FROM car_price_history")

    for car_id in ids[:3]:  # through the page and the app's own flush
        client.get(client.get(f"/cars/{car_id}").headers["Location"])
    assert demo.extensions["carsite.views"].flush() == 3
    with demo.app_context():  # and a bigger batch, straight through the flush query
        assert db.execute("cars.add_views", ids=ids, views=[5] * len(ids)) == len(ids)

    after = stamps(demo, ids)
    assert [r[2] for r in after] == [r[2] + 5 + (r[0] in ids[:3]) for r in before]
    assert [r[:2] for r in after] == [r[:2] for r in before]  # updated_at, the sitemap's lastmod, stays
    assert sql(demo, COUNTS) == counts  # not one listing_counts row rewritten (xmin included)
    assert sql(demo, "SELECT count(*) FROM car_price_history") == history
    assert client.get("/sitemaps/cars-0.xml").get_data(as_text=True) == sitemap


def test_real_changes_still_move_updated_at_counts_and_price_history(demo):
    car_id = listed(demo, 1)[0]
    (key,) = sql(
        demo, "SELECT make, model, fuel, body, transmission, colour, condition FROM cars WHERE id = %s", car_id
    )

    def row_of(key_values):
        return next(r for r in sql(demo, COUNTS) if r[:7] == tuple(key_values))

    (stamp,) = stamps(demo, [car_id])
    counts = sql(demo, COUNTS)
    sql(demo, "UPDATE cars SET price = price + 100 WHERE id = %s", car_id)
    (priced,) = stamps(demo, [car_id])
    assert priced[1] > stamp[1]
    assert sql(demo, "SELECT price FROM car_price_history WHERE car_id = %s ORDER BY id DESC LIMIT 1", car_id) == sql(
        demo, "SELECT price FROM cars WHERE id = %s", car_id
    )
    assert sql(demo, COUNTS) == counts  # the price is not counted: no row rewritten

    with demo.app_context():
        assert db.optional("selling.set_status", car_id=car_id, status="withdrawn", from_statuses=["available"])
    (withdrawn,) = stamps(demo, [car_id])
    assert withdrawn[1] > priced[1]
    assert row_of(key)[7] == next(r for r in counts if r[:7] == key)[7] - 1
    changed = [r for r in sql(demo, COUNTS) if r not in counts]
    assert [r[:7] for r in changed] == [key]  # only the car's own combination was written
    assert counts_match_the_cars(demo)

    sql(demo, "UPDATE cars SET status = 'available', colour = 'Aubergine' WHERE id = %s", car_id)
    assert row_of((*key[:5], "Aubergine", key[6]))[7] == 1
    assert row_of(key)[7] == next(r for r in counts if r[:7] == key)[7] - 1
    assert counts_match_the_cars(demo)
    sql(demo, "UPDATE cars SET colour = %s WHERE id = %s", key[5], car_id)
    assert row_of(key)[7] == next(r for r in counts if r[:7] == key)[7]
    assert counts_match_the_cars(demo)


def test_cars_swapping_combinations_in_one_statement_rewrite_no_count(demo):
    a, b = listed(demo, 2)
    sql(
        demo,
        "UPDATE cars b SET make = a.make, model = a.model, fuel = a.fuel, body = a.body,"
        " transmission = a.transmission, condition = a.condition, colour = 'Aubergine'"
        " FROM cars a WHERE a.id = %s AND b.id = %s",
        a,
        b,
    )
    counts = sql(demo, COUNTS)
    colours = sql(demo, "SELECT colour FROM cars WHERE id = ANY(%s) ORDER BY id", [a, b])
    sql(
        demo,
        "UPDATE cars c SET colour = o.colour FROM cars o WHERE (c.id, o.id) IN ((%s, %s), (%s, %s))",
        a,
        b,
        b,
        a,
    )
    assert sql(demo, "SELECT colour FROM cars WHERE id = ANY(%s) ORDER BY id", [a, b]) == colours[::-1]
    assert sql(demo, COUNTS) == counts  # one car left each combination and one entered it
    assert counts_match_the_cars(demo)


def test_batch_triggers_stay_fast_after_a_one_car_update_on_the_same_connection(app):
    # plpgsql keeps a trigger query's plan from its first run in a session: a join of old_rows and new_rows planned
    # for one row became a nested loop that took seconds for 3,000 cars.
    seller = new_account(app, "seller", role="seller")
    with psycopg.connect(app.config["DATABASE_URL"]) as conn:
        conn.execute(
            "INSERT INTO cars (seller_id, title, price, status, make, model, model_id, year, fuel, mileage_km,"
            " transmission, body, colour) SELECT %s, 'Car ' || g, 1000 + g, 'available', '', '', 1 + g %% 30, 2015,"
            " 'petrol', 1000, 'manual', 'sedan', 'red' FROM generate_series(1, 3000) g",  # 30 catalogue models
            (seller,),
        )
        conn.commit()
        conn.execute("UPDATE cars SET price = price + 1 WHERE id = (SELECT min(id) FROM cars)")
        plan = "\n".join(
            r[0] for r in conn.execute("EXPLAIN (ANALYZE) UPDATE cars SET view_count = view_count + 1").fetchall()
        )
        conn.rollback()
    times = {name: float(ms) for name, ms in re.findall(r"Trigger (\w+): time=([\d.]+)", plan)}
    assert times["cars_record_updated_prices"] < 100, plan
    assert times["cars_count_updated"] < 100, plan


def test_other_tables_stamp_every_update_as_before(app):
    user_id = new_account(app, "ann", role="user")
    (before,) = sql(app, "SELECT updated_at FROM users WHERE id = %s", user_id)[0]
    with app.app_context():
        db.execute("users.record_login", user_id=user_id)
    (after,) = sql(app, "SELECT updated_at FROM users WHERE id = %s", user_id)[0]
    assert after > before


def test_columns_named_to_set_updated_at_exist(database_url):
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT t.tgrelid::regclass::text, pg_get_triggerdef(t.oid) FROM pg_trigger t"
            " WHERE t.tgfoid = 'set_updated_at'::regproc AND NOT t.tgisinternal"
        ).fetchall()
        named = {}
        for table, definition in rows:
            args = re.search(r"set_updated_at\((.*)\)$", definition).group(1)
            named[table] = [a.strip().strip("'") for a in args.split(",") if a.strip()]
        for table, columns in named.items():
            found = conn.execute(
                "SELECT array_agg(attname::text) FROM pg_attribute"
                " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped AND attname = ANY(%s)",
                (table, columns),
            ).fetchone()[0]
            assert sorted(found or []) == sorted(columns), table
    assert named["cars"] == ["view_count", "search", "filter_tags", "latitude", "longitude", "expiry_reminded_at"]
    assert named["users"] == []


# -- every function and trigger says what it is for ----------------------------------------------------------------


def test_every_function_and_trigger_has_a_comment(database_url):
    with psycopg.connect(database_url) as conn:
        functions = conn.execute(
            "SELECT p.oid::regprocedure::text, obj_description(p.oid, 'pg_proc') FROM pg_proc p"
            " WHERE p.pronamespace = 'public'::regnamespace"
            "   AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid"
            "                      AND d.deptype = 'e')"
            "   AND p.proname NOT LIKE 'procrastinate%'"  # the job queue's own, copied verbatim (migration 0032)
        ).fetchall()
        triggers = conn.execute(
            "SELECT format('%I ON %s', t.tgname, t.tgrelid::regclass), obj_description(t.oid, 'pg_trigger')"
            " FROM pg_trigger t WHERE NOT t.tgisinternal AND t.tgname NOT LIKE 'procrastinate%'"
        ).fetchall()
    names = {name for name, _ in functions}
    assert {"set_updated_at()", "count_listings()", "other_active_admins(bigint)"} <= names
    assert not any(name.startswith("similarity(") for name in names)  # pg_trgm's own functions are not ours
    assert "cars_count_updated ON cars" in {name for name, _ in triggers}
    missing = [name for name, comment in functions + triggers if not (comment or "").strip()]
    assert missing == [], "add COMMENT ON FUNCTION / COMMENT ON TRIGGER in a migration"


# -- the migrations of these rules roll back to exactly what was there -------------------------------------------


def test_these_migrations_roll_back_to_the_schema_before_them(fresh_database):
    before = fresh_database()
    Runner(before, MIGRATIONS).migrate(16)
    url = fresh_database()
    runner = Runner(url, MIGRATIONS)
    runner.migrate(19)
    assert [m.version for m in runner.rollback(steps=3)] == [19, 18, 17]
    assert dump_schema(url) == dump_schema(before)
