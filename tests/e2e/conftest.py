"""Running the real service (``spt serve``) as a subprocess on a temporary workspace."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.folders.layout import Workspace
from pipeline.simulate import Officials, wait_until
from pipeline.store import Store
from pipeline.workspace_init import init_workspace

FAST = {
    "settle_seconds": "0.3",
    "reason_grace_seconds": "0.5",
    "judge_after_seconds": "0.5",
    "incomplete_after_seconds": "1",
    "rescan_seconds": "5",
}


def tune(config_path: Path, *, section: str | None = None, **values: str) -> None:
    """Set ``key = value`` lines of spt.toml (test speed-ups, chain edits).

    With ``section``, only the lines of that ``[section]`` table change.
    """
    text = config_path.read_text(encoding="utf-8")
    head, body, tail = "", text, ""
    if section is not None:
        start = text.index(f"[{section}]\n")
        end = text.find("\n[", start + 1)
        head, body, tail = text[:start], text[start:end], text[end:]
    for key, value in values.items():
        body, n = re.subn(rf"(?m)^{key} = .*?(\s*#.*)?$", f"{key} = {value}", body)
        assert n, f"{key} not in {config_path}"
    config_path.write_text(head + body + tail, encoding="utf-8")


# Every service a test started, so that none outlives its test (a test that does not stop
# its service would leave it, and its LibreOffice, running for ever). Strong references:
# a weak set lost them as soon as the test's locals were gone, before they could be stopped.
STARTED: set[ServiceProcess] = set()


def stop_leftover_services(keep: frozenset[ServiceProcess] = frozenset()) -> None:
    """Stop every started service except those in ``keep`` (a wider fixture's)."""
    for svc in list(STARTED - keep):
        with contextlib.suppress(Exception):
            svc.stop()
        STARTED.discard(svc)


class ServiceProcess:
    def __init__(self, config_path: Path, env: dict[str, str] | None = None):
        self.config_path = config_path
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen | None = None
        self.log = config_path.parent / "serve.log"
        self.starts = 0
        STARTED.add(self)

    def start(self, *, wait: bool = True) -> None:
        self.starts += 1
        fh = open(self.log, "ab")  # noqa: SIM115 - the child keeps it open
        fh.write(f"\n--- start {self.starts} ---\n".encode())
        fh.flush()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "serve", "--config", str(self.config_path)],
            stdout=fh, stderr=subprocess.STDOUT, env=self.env, cwd=self.config_path.parent,
        )
        if wait:
            marker = f"--- start {self.starts} ---"
            wait_until(lambda: self._log_after(marker, "spt service running") or self._died(),
                       timeout=90, what="the service to start")
            assert self.proc.poll() is None, self.tail()

    def _log_after(self, marker: str, text: str) -> bool:
        log = self.log.read_text(errors="replace")
        return text in log.split(marker)[-1]

    def _died(self) -> bool:
        return self.proc is not None and self.proc.poll() is not None

    def up(self) -> bool:
        """The latest start has reached "running" and the process is still alive."""
        return (self.proc is not None and self.proc.poll() is None
                and self._log_after(f"--- start {self.starts} ---", "spt service running"))

    def stop(self) -> int:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.proc.wait() if self.proc else 0

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, as in a power cut."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        _kill_children_of_converter(self.config_path.parent)

    def tail(self, n: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])


def _kill_children_of_converter(root: Path) -> None:
    """A SIGKILLed service leaves its unoserver behind; the next start makes a new one."""
    out = subprocess.run(["pgrep", "-f", str(root / "state")], capture_output=True, text=True)
    for pid in out.stdout.split():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), signal.SIGKILL)
    time.sleep(0.2)


class Office:
    """A workspace, its running service, and the officials acting on it."""

    def __init__(self, root: Path, **env: str):
        self.config_path = init_workspace(root, demo=True)
        tune(self.config_path, **FAST)
        self.service = ServiceProcess(self.config_path, env)
        self.reload()

    def reload(self) -> None:
        self.config = load_config(self.config_path)
        self.ws = Workspace(self.config)
        self.workflow = self.config.workflow()
        self.officials = Officials(self.ws, timeout=90)

    def store(self) -> Store:
        return Store(self.ws.database)

    def audit_actions(self, case: str) -> list[tuple[str, str | None]]:
        return [(e.action, e.stage) for e in self.store().audit.for_case(case)]


@pytest.fixture
def office(tmp_path):
    o = Office(tmp_path / "ws")
    yield o
    o.service.stop()


SAMPLES = Path(__file__).resolve().parent.parent / "data" / "invitations" / "samples"
