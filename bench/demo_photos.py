"""What the demo photos cost: seeding with and without them, and drawing one photo on its first request.

    python bench/demo_photos.py [--rounds 3]

Starts a throwaway embedded PostgreSQL (the test suite's settings), and per round seeds a fresh migrated database
twice: once as the seed does (cars, then their photo rows and covers) and once with the photo step left out.
Nothing is drawn while seeding; the second part times drawing and encoding one photo (thumbnail and large) per
angle, as the photo route does on a photo's first request (wall clock and this process's CPU time: on a busy
machine the two differ), and the size of the file it stores.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from carsite import create_app, demo_photos, seed  # noqa: E402
from carsite.db.embedded import FAST_UNSAFE_SETTINGS, EmbeddedServer  # noqa: E402
from carsite.db.migrate import Runner  # noqa: E402


def seed_once(server_url: str, name: str, with_photos: bool) -> float:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = psycopg.conninfo.make_conninfo(server_url, dbname=name)
    Runner(url, ROOT / "migrations").migrate()
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url})
    attach = demo_photos.attach
    if not with_photos:
        demo_photos.attach = lambda car_ids: 0
    try:
        started = time.perf_counter()
        with app.app_context():
            seed.demo()
        return (time.perf_counter() - started) * 1000
    finally:
        demo_photos.attach = attach
        app.extensions["carsite.views"].close()
        app.extensions["carsite.db"].close()
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    folder = Path(tempfile.mkdtemp(prefix="carsite-bench-demo-photos-"))
    embedded = EmbeddedServer(folder / "data", settings=FAST_UNSAFE_SETTINGS).start()
    try:
        server = embedded.url("postgres")
        timings: dict[bool, list[float]] = {True: [], False: []}
        for n in range(rounds):
            for with_photos in (False, True):
                timings[with_photos].append(seed_once(server, f"bench_demo_{n}_{int(with_photos)}", with_photos))
        plain, photos = statistics.median(timings[False]), statistics.median(timings[True])
        print(f"demo seed ({seed.DEMO_CARS} cars), median of {rounds}: {plain:.0f} ms without photos, "
              f"{photos:.0f} ms with them (+{photos - plain:.0f} ms)")  # fmt: skip
    finally:
        embedded.stop()
        shutil.rmtree(folder, ignore_errors=True)
    for size in demo_photos.SIZES:
        for angle in demo_photos.ANGLES:
            times, cpu, sizes = [], [], []
            for seed_value, body in enumerate(("sedan", "suv", "van")):
                shot = demo_photos.Shot(body, "blue", angle, demo_photos.SCENES[seed_value], seed_value)
                started, started_cpu = time.perf_counter(), time.process_time()
                buffer = io.BytesIO()
                demo_photos.render(shot, demo_photos.SIZES[size]).save(buffer, "WEBP", quality=84, method=3)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
                sizes.append(len(buffer.getvalue()) / 1024)
            print(f"first request, {size:5} {angle:8}: {statistics.median(times):4.0f} ms to draw and encode "
                  f"({statistics.median(cpu):4.0f} ms CPU), {statistics.median(sizes):3.0f} KB")  # fmt: skip


if __name__ == "__main__":
    main()
