"""The README's two commands as a newcomer types them: the test command's Chromium step works with and without sudo."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def section_command(heading: str) -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split(f"## {heading}\n", 1)[1]
    return re.search(r"```sh\n(.+?)\n```", section, re.S).group(1)


def chromium_step(tmp_path: Path, *tools: str) -> tuple[int, str]:
    """Run the part of the test command before the venv is made, with only ``tools`` (fakes that log) on PATH."""
    command = section_command("Test it")
    step = command.split(" && python3 -m venv", 1)[0]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink("/bin/sh", bin_dir / "sh")
    log = tmp_path / "calls"
    for tool in tools:
        fake = bin_dir / tool
        if tool == "sudo":
            fake.write_text(f'#!/bin/sh\necho "sudo $*" >> {log}\nexec "$@"\n')
        else:
            fake.write_text(f'#!/bin/sh\necho "{tool} $*" >> {log}\n')
        fake.chmod(0o755)
    done = subprocess.run(["/bin/sh", "-c", step], env={"PATH": str(bin_dir)}, capture_output=True, timeout=30)
    return done.returncode, log.read_text() if log.exists() else ""


def test_the_test_command_does_not_start_with_sudo():
    assert not section_command("Test it").startswith("sudo ")


def test_chromium_is_installed_directly_as_root_where_there_is_no_sudo(tmp_path):
    status, calls = chromium_step(tmp_path, "apt-get")
    assert status == 0
    assert calls.splitlines() == ["apt-get update", "apt-get install -y chromium"]


def test_chromium_is_installed_through_sudo_where_there_is_one(tmp_path):
    status, calls = chromium_step(tmp_path, "apt-get", "sudo")
    assert status == 0
    assert calls.splitlines()[0].startswith("sudo sh -c")
    assert calls.splitlines()[1:] == ["apt-get update", "apt-get install -y chromium"]


def test_an_installed_chromium_is_left_alone(tmp_path):
    status, calls = chromium_step(tmp_path, "apt-get", "chromium")
    assert status == 0 and calls == ""


def test_a_failed_install_stops_the_command(tmp_path):
    status, calls = chromium_step(tmp_path)  # neither chromium nor apt-get: the step fails, so && stops
    assert status != 0 and calls == ""
