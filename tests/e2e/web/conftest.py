"""``spt web`` as a real server (waitress, a free port) over a workspace with an issued letter."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.simulate import wait_until
from tests.integration.web.issued import IssuedLetter, run_demo


@dataclass
class WebServer:
    url: str
    proc: subprocess.Popen
    log: Path


@pytest.fixture(scope="session")
def issued(tmp_path_factory) -> IssuedLetter:
    return run_demo(tmp_path_factory.mktemp("web-e2e") / "demo")


def start_web(issued: IssuedLetter, *extra: str) -> WebServer:
    log = issued.root / f"web-{len(list(issued.root.glob('web-*.log')))}.log"
    fh = open(log, "wb")  # noqa: SIM115 - the child keeps it open
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "web", "--config", str(issued.config_path),
         "--host", "127.0.0.1", "--port", "0", *extra],
        stdout=fh, stderr=subprocess.STDOUT, cwd=issued.root, env=dict(os.environ),
    )
    fh.close()

    def ready() -> str | None:
        if proc.poll() is not None:
            raise AssertionError(f"spt web exited:\n{log.read_text(errors='replace')}")
        found = re.search(r"spt web: (http://\S+)", log.read_text(errors="replace"))
        return found.group(1) if found else None

    url = wait_until(ready, timeout=60, what="spt web to listen")
    return WebServer(str(url), proc, log)


def stop_web(server: WebServer) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()


@pytest.fixture(scope="session")
def web(issued) -> Iterator[WebServer]:
    server = start_web(issued)
    try:
        yield server
    finally:
        stop_web(server)
