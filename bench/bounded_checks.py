"""What a hostile signed PDF costs: ``spt verify`` on the worst files, and ``spt web`` under
eight such uploads at once.

    .venv/bin/python bench/bounded_checks.py WORKSPACE [--uploads 8] [--json]

``WORKSPACE`` holds one issued letter (``spt demo DIR`` makes one). From its case's
letter as prepared, with one paraf (the file an approver stage publishes), the script
builds the costliest files it knows under the upload size limit:

- ``400 revisi``: that letter plus 400 revisions each adding one empty signature field
  and its widget (each allowed by pyHanko's change analysis, whose cost then grows with
  the square of the revisions): the file of the issue;
- ``batas revisi``: the letter plus as many such revisions as the revision limit
  still allows (everything is then validated, nothing refused by count);
- ``10 MB``: the letter plus one revision carrying an unreferenced 9.5 MB stream;
- ``bom``: the letter plus a revision whose new annotation's appearance inflates from
  1 MB to 1 GB (a decompression bomb, in case anything decodes it).

Then it measures, each with the command it runs:

1. ``spt verify --config WORKSPACE/spt.toml FILE`` per file: wall time, processor
   time and peak memory of the whole process tree (``os.wait4``: the check's child
   process included), and the exit code;
2. ``spt web`` (started here on a free port, uploads unthrottled): ``GET /`` every
   50 ms while ``--uploads`` uploads of the worst file run at once: the p95 and the
   slowest of ``GET /``, each upload's time, and the web process's memory before,
   at its peak and 5 s after the uploads ended.

Goals (issue 19): the worst file refused in <= 5 s and <= 256 MB; ``GET /`` p95
< 200 ms during eight uploads; the web process back to its size afterwards.
The same script measures older code: run it with ``PYTHONPATH=<old checkout>``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

import psutil  # noqa: E402
from pyhanko.pdf_utils import generic  # noqa: E402
from pyhanko.pdf_utils.generic import pdf_name  # noqa: E402
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402

from tests.support.shadow import many_revisions  # noqa: E402

MAX_UPLOAD = 10 * 1024 * 1024
REVISION_LIMIT = 24


def one_paraf(root: Path, config) -> bytes:
    """The case's letter as prepared (no mark yet), with the first stage's paraf."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields

    from pipeline.signing.keys import KeyRing
    from tests.support.shadow import signed

    for path in sorted((root / "state" / "cases").glob("*/files/*.pdf")):
        data = path.read_bytes()
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if "/AcroForm" in reader.root and not list(
                fields.enumerate_sig_fields(reader, filled_status=True)):
            first = config.workflow().reviewers[0]
            return signed(data, KeyRing.load(config).signer(first.key).signer,
                          first.field_name)
    raise SystemExit("no unsigned prepared letter in the workspace")


def build_files(letter: bytes, folder: Path) -> dict[str, Path]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    revisions = PdfFileReader(io.BytesIO(letter), strict=False).xrefs.total_revisions
    files = {
        "400 revisi": many_revisions(letter, 400),
        "batas revisi": many_revisions(letter, max(0, REVISION_LIMIT - revisions)),
        "10 MB": _with_stream(letter, os.urandom(int(9.5 * 1024 * 1024)), compressed=False),
        "bom": _bomb(letter),
    }
    paths = {}
    for name, data in files.items():
        assert len(data) <= MAX_UPLOAD, (name, len(data))
        path = folder / (re.sub(r"\W+", "-", name) + ".pdf")
        path.write_bytes(data)
        paths[name] = path
    return paths


def _with_stream(letter: bytes, data: bytes, *, compressed: bool) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(letter))
    stream = generic.StreamObject(stream_data=data)
    if compressed:
        stream = generic.StreamObject({pdf_name("/Filter"): pdf_name("/FlateDecode")},
                                      encoded_data=zlib.compress(data, 9))
    writer.add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _bomb(letter: bytes) -> bytes:
    """A new annotation whose appearance stream inflates to 1 GB (compressed: about 1 MB)."""
    zeros = zlib.compressobj(9)
    chunk = b"\0" * (1024 * 1024)
    encoded = b"".join(zeros.compress(chunk) for _ in range(1024)) + zeros.flush()
    writer = IncrementalPdfFileWriter(io.BytesIO(letter))
    ap = writer.add_object(generic.StreamObject({
        pdf_name("/Type"): pdf_name("/XObject"), pdf_name("/Subtype"): pdf_name("/Form"),
        pdf_name("/BBox"): generic.ArrayObject([generic.NumberObject(v) for v in (0, 0, 10, 10)]),
        pdf_name("/Filter"): pdf_name("/FlateDecode"),
    }, encoded_data=encoded))
    annot = writer.add_object(generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name("/Square"),
        pdf_name("/Rect"): generic.ArrayObject([generic.NumberObject(v) for v in (0, 0, 10, 10)]),
        pdf_name("/AP"): generic.DictionaryObject({pdf_name("/N"): ap}),
    }))
    writer.register_annotation(writer.root["/Pages"]["/Kids"].raw_get(0), annot)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def spt_verify(config: Path, pdf: Path, timeout: float) -> dict:
    """``spt verify`` on ``pdf``: wall, processor time and peak memory of its process tree."""
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "verify", "--config",
                             str(config), str(pdf)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = b""
    done = threading.Event()

    def read() -> None:
        nonlocal out
        out = proc.stdout.read()
        done.set()

    threading.Thread(target=read, daemon=True).start()
    killer = threading.Timer(timeout, proc.kill)
    killer.start()
    _pid, status, usage = os.wait4(proc.pid, 0)
    killer.cancel()
    done.wait(5)
    verdict = next((line for line in out.decode(errors="replace").splitlines()
                    if line.startswith("HASIL")), "")
    return {"wall_s": round(time.monotonic() - started, 2),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_mb": round(usage.ru_maxrss / 1024),
            "exit": os.waitstatus_to_exitcode(status), "verdict": verdict}


def start_web(config: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "web", "--config", str(config),
                             "--port", "0", "--rate-limit", "100000/minute"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    found = re.search(r"(http://[\d.:\[\]a-f]+)", line)
    if not found:
        proc.kill()
        raise SystemExit(f"spt web did not start: {line!r}")
    return proc, found.group(1)


def _conn(url: str, timeout: float) -> http.client.HTTPConnection:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return http.client.HTTPConnection(host.strip("[]"), int(port), timeout=timeout)


def get_index(url: str, timeout: float) -> float | None:
    started = time.monotonic()
    try:
        conn = _conn(url, timeout)
        conn.request("GET", "/")
        conn.getresponse().read()
        conn.close()
    except OSError:
        return None
    return time.monotonic() - started


def upload(url: str, data: bytes, timeout: float) -> tuple[float, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"berkas\"; "
            f"filename=\"spt.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode() \
        + data + f"\r\n--{boundary}--\r\n".encode()
    started = time.monotonic()
    try:
        conn = _conn(url, timeout)
        conn.request("POST", "/periksa", body=body,
                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        page = conn.getresponse().read().decode(errors="replace")
        conn.close()
    except OSError as exc:
        return time.monotonic() - started, f"error: {type(exc).__name__}"
    found = re.search(r'data-verdict="([^"]+)"', page)
    return time.monotonic() - started, found.group(1) if found else "?"


def web_under_load(config: Path, pdf: bytes, uploads: int, timeout: float) -> dict:
    proc, url = start_web(config)
    web = psutil.Process(proc.pid)
    try:
        for _ in range(5):
            get_index(url, 10)
        upload(url, pdf[:1024] + b"%%EOF", 30)     # first upload: the check's imports warmed
        time.sleep(1)
        before = web.memory_info().rss
        peak = before
        latencies: list[float | None] = []
        results: list[tuple[float, str]] = []
        running = threading.Event()
        running.set()

        def one() -> None:
            results.append(upload(url, pdf, timeout))

        workers = [threading.Thread(target=one) for _ in range(uploads)]
        started = time.monotonic()
        for w in workers:
            w.start()
        while any(w.is_alive() for w in workers):
            latencies.append(get_index(url, 10))
            with contextlib.suppress(psutil.Error):
                peak = max(peak, web.memory_info().rss)
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        time.sleep(5)
        get_index(url, 10)
        after = web.memory_info().rss
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(10)
        if proc.poll() is None:
            proc.kill()
    answered = sorted(x for x in latencies if x is not None)
    p95 = answered[int(0.95 * (len(answered) - 1))] if answered else None
    return {
        "uploads": uploads, "wall_s": round(elapsed, 1),
        "upload_s": [round(t, 1) for t, _ in results],
        "verdicts": sorted({v for _, v in results}),
        "get_n": len(latencies), "get_failed": len(latencies) - len(answered),
        "get_p95_ms": round(p95 * 1000) if p95 is not None else None,
        "get_max_ms": round(answered[-1] * 1000) if answered else None,
        "get_median_ms": round(statistics.median(answered) * 1000) if answered else None,
        "rss_before_mb": round(before / 2**20), "rss_peak_mb": round(peak / 2**20),
        "rss_after_mb": round(after / 2**20),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--uploads", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=400.0,
                        help="seconds before one verify or upload is abandoned")
    parser.add_argument("--only", choices=["verify", "web"], default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    config = (args.workspace / "spt.toml").resolve()
    sys.path.insert(0, str(ROOT))
    from pipeline.config import load_config

    cfg = load_config(config)
    letter = one_paraf(cfg.root, cfg)
    report: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        files = build_files(letter, Path(tmp))
        if args.only in (None, "verify"):
            report["verify"] = {name: {"mb": round(path.stat().st_size / 2**20, 2),
                                       **spt_verify(config, path, args.timeout)}
                                for name, path in files.items()}
            for name, row in report["verify"].items():
                print(f"spt verify {name:14s} {row['mb']:5.2f} MB: {row['wall_s']:6.2f} s wall, "
                      f"{row['cpu_s']:6.2f} s CPU, {row['peak_mb']:4d} MB peak, "
                      f"exit {row['exit']}  {row['verdict']}", flush=True)
        if args.only in (None, "web"):
            worst = files["400 revisi"].read_bytes()
            report["web"] = web_under_load(config, worst, args.uploads, args.timeout)
            w = report["web"]
            print(f"spt web, {w['uploads']} uploads of '400 revisi' at once: all done in "
                  f"{w['wall_s']} s (each {w['upload_s']}), verdicts {w['verdicts']}")
            print(f"  GET / x{w['get_n']}: median {w['get_median_ms']} ms, p95 "
                  f"{w['get_p95_ms']} ms, max {w['get_max_ms']} ms, failed {w['get_failed']}")
            print(f"  web process RSS: {w['rss_before_mb']} MB before, {w['rss_peak_mb']} MB "
                  f"peak, {w['rss_after_mb']} MB 5 s after")
    if args.json:
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
