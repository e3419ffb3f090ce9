"""Rules kept by the database itself: the last active admin."""

from __future__ import annotations

import threading
import time

import pytest

from carsite import db

from .helpers import sql

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
