"""Run `python -m carsite serve` in a subprocess on a free port, for benchmarks and tests that need real HTTP."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def serve(database_url: str, log_path: Path, *args: str, **env: str) -> Iterator[str]:
    """Serve carsite (one process) with CARSITE_* settings from ``env``; yield the base URL once /healthz answers."""
    with serving(database_url, log_path, "--processes", "1", *args, **env) as (_process, base):
        yield base


@contextmanager
def serving(database_url: str, log_path: Path, *args: str, **env: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """Run ``python -m carsite serve --port 0 ARGS``; yield the process and its base URL once /healthz answers;
    stop it afterwards (SIGTERM, then SIGKILL)."""
    environment = {**os.environ, "DATABASE_URL": database_url, "CARSITE_VIEW_FLUSH_SECONDS": "0", **env}
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "carsite", "serve", "--port", "0", *args],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        deadline = time.monotonic() + 30
        while not (match := re.search(r"listening on (http://[\d.]+:\d+)/", log_path.read_text())):
            assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.05)
        base = match.group(1)
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=5):
                    break
            except OSError:
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)
        yield process, base
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
