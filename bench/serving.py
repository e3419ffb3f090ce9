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

import psutil

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


def workers(process: subprocess.Popen) -> list[psutil.Process]:
    """The worker processes of ``serve`` (the process itself when it serves alone)."""
    parent = psutil.Process(process.pid)
    return parent.children() or [parent]


def listening(process: subprocess.Popen, port: int) -> list[int]:
    """Pids of the serving processes that listen on ``port``."""
    return [w.pid for w in workers(process) if any(_on(c, port) and c.status == psutil.CONN_LISTEN for c in _tcp(w))]


def wait_listening(process: subprocess.Popen, port: int, count: int, seconds: float = 30) -> None:
    """Wait until ``count`` processes accept on ``port`` (a worker listens only once its app is ready)."""
    deadline = time.monotonic() + seconds
    while len(listening(process, port)) < count:
        assert time.monotonic() < deadline, f"{listening(process, port)} listen on {port}"
        time.sleep(0.1)


def connection_owners(process: subprocess.Popen, port: int) -> dict[tuple[str, int], int]:
    """Which serving process holds each open client connection to ``port``, keyed by the client's (address, port):
    read from the outside (the kernel's socket table of each process), so nothing in the responses says it."""
    owners = {}
    for worker in workers(process):
        for conn in _tcp(worker):
            if _on(conn, port) and conn.status == psutil.CONN_ESTABLISHED and conn.raddr:
                owners[(conn.raddr.ip, conn.raddr.port)] = worker.pid
    return owners


def _tcp(worker: psutil.Process) -> list:
    try:
        return worker.net_connections(kind="tcp")
    except psutil.NoSuchProcess:
        return []


def _on(conn, port: int) -> bool:
    return bool(conn.laddr) and conn.laddr.port == port
