"""Response times of the verification page (``spt web``), as a visitor's browser sees them.

    .venv/bin/python bench/web.py [--config WS/spt.toml] [--url http://HOST:PORT] [-n 20] [--json]

Against a running ``spt web`` (``--url``), or one it starts itself on a free
port (waitress, exactly as deployed, uploads unthrottled for the run). The
workspace (``--config``) gives the letter to ask for; without it a fresh
``spt demo`` workspace is made in a temporary folder. Prints the median (and
min/max) of ``-n`` requests each, one fresh HTTP connection per request:

- **page**: ``GET /v/<token>`` of the issued letter (after one first load,
  which verifies the archived PDF and is reported apart as ``page, first``);
- **upload**: ``POST /periksa`` of the issued PDF (the whole check: every
  signature, the hash against the buku agenda);
- **unknown / malformed token**: ``GET /v/<random well-formed token>`` and
  ``GET /v/<malformed>``, interleaved: the two must not differ systematically
  (a visitor must not tell "no such letter" from "not even a token").
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.config import load_config  # noqa: E402
from pipeline.folders.layout import Workspace  # noqa: E402
from pipeline.store import Store  # noqa: E402

MALFORMED = ["abc", "!" * 32, "x" * 40, "SPT-2026-0001", "%00" * 11]


class Client:
    """One fresh connection per request, as a phone opening a scanned link does."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        return response.status, data, time.perf_counter() - started

    def upload(self, path: str, pdf: bytes) -> tuple[int, bytes, float]:
        boundary = uuid.uuid4().hex
        body = b"".join([
            f"--{boundary}\r\n".encode(),
            b'Content-Disposition: form-data; name="berkas"; filename="spt.pdf"\r\n',
            b"Content-Type: application/pdf\r\n\r\n", pdf,
            f"\r\n--{boundary}--\r\n".encode(),
        ])
        return self.request("POST", path, body, {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(body)),
        })


def issued_letter(config_path: Path) -> tuple[str, bytes]:
    config = load_config(config_path)
    store = Store(Workspace(config).database, create=False)
    try:
        entries = store.agenda.entries()
        if not entries:
            raise SystemExit(f"{config_path}: no issued letter in the buku agenda")
        entry = entries[-1]
        case = store.cases.get(entry.case_id)
        assert case is not None
        return case.verify_token, (config.root / entry.archive_path).read_bytes()
    finally:
        store.close()


@contextlib.contextmanager
def demo_workspace() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="spt-bench-web-") as tmp:
        root = Path(tmp) / "demo"
        run = subprocess.run([sys.executable, "-m", "pipeline", "demo", str(root)],
                             capture_output=True, text=True, timeout=600, cwd=tmp)
        if run.returncode != 0:
            raise SystemExit(f"spt demo failed:\n{run.stdout}\n{run.stderr}")
        yield root / "spt.toml"


@contextlib.contextmanager
def running_web(config_path: Path) -> Iterator[str]:
    log = tempfile.NamedTemporaryFile(prefix="spt-web-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "web", "--config", str(config_path), "--port", "0",
         "--rate-limit", "100000/minute", "--page-rate-limit", "100000/minute"],
        stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ), cwd=config_path.parent,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            text = Path(log.name).read_text(errors="replace")
            found = re.search(r"spt web: (http://\S+)", text)
            if found:
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"spt web did not start:\n{text}")
            time.sleep(0.05)
        yield found.group(1)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        os.unlink(log.name)


def timed(n: int, call: Callable[[], tuple[int, bytes, float]], expect: int,
          check: Callable[[bytes], bool] = lambda _b: True) -> list[float]:
    times = []
    for _ in range(n):
        status, body, seconds = call()
        if status != expect or not check(body):
            raise SystemExit(f"unexpected answer: HTTP {status} (expected {expect})"
                             + (" — rate-limited: start spt web with a higher --rate-limit"
                                if status == 429 else ""))
        times.append(seconds)
    return times


def summary(times: list[float]) -> dict[str, float]:
    return {"n": len(times), "median_ms": statistics.median(times) * 1000,
            "min_ms": min(times) * 1000, "max_ms": max(times) * 1000}


def measure(url: str, token: str, pdf: bytes, n: int) -> dict[str, dict[str, float]]:
    client = Client(url)
    results: dict[str, dict[str, float]] = {}
    first = timed(1, lambda: client.request("GET", f"/v/{token}"), 200)
    results["page, first"] = summary(first)
    results["page"] = summary(timed(n, lambda: client.request("GET", f"/v/{token}"), 200))
    genuine = b'data-verdict="diterbitkan"'
    results["upload"] = summary(timed(n, lambda: client.upload("/periksa", pdf), 200,
                                      lambda body: genuine in body))
    unknown, malformed = [], []
    for i in range(n):                      # interleaved, so drift hits both alike
        unknown += timed(1, lambda: client.request(
            "GET", f"/v/{secrets.token_urlsafe(24)}"), 404)
        bad = MALFORMED[i % len(MALFORMED)]
        malformed += timed(1, lambda bad=bad: client.request("GET", f"/v/{bad}"), 404)
    results["unknown token"] = summary(unknown)
    results["malformed token"] = summary(malformed)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, help="workspace spt.toml (default: a new demo)")
    parser.add_argument("--url", help="a running spt web (default: start one)")
    parser.add_argument("-n", type=int, default=20, help="requests per measurement")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    with contextlib.ExitStack() as stack:
        config_path = args.config or stack.enter_context(demo_workspace())
        token, pdf = issued_letter(config_path)
        url = args.url or stack.enter_context(running_web(config_path))
        results = measure(url, token, pdf, args.n)

    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"spt web, {len(pdf) / 1024:.0f} KB issued PDF, one connection per request")
    print(f"{'measurement':<18} {'n':>3} {'median':>10} {'min':>10} {'max':>10}")
    for name, row in results.items():
        print(f"{name:<18} {row['n']:>3} {row['median_ms']:>8.1f}ms {row['min_ms']:>8.1f}ms "
              f"{row['max_ms']:>8.1f}ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
