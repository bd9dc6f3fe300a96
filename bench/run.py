"""The performance benchmark of issue 7: the service against what a user would otherwise use.

    .venv/bin/python bench/run.py [--json] [--quick] [--only SECTIONS] [--profile DIR]

Sets up fresh workspaces in a temporary folder, runs the real service
(``spt serve`` as a subprocess, exactly as deployed) and prints one table with
the median and p95 of every measurement, its target and whether it was met:

- **conversion**: the SPT's DOCX to PDF with the service's warm converter
  (:class:`UnoserverConverter`), and with a cold ``soffice --headless
  --convert-to pdf`` per file, interleaved in the same run (their ratio);
- **marks**: one paraf and one signature in-process (``apply_mark``, keys
  loaded once as the service does), and ``pyhanko sign addsig`` run once per
  mark as a script would (their ratio);
- **latency**: a file moved into ``disetujui/`` until the next stage's file
  appears, with inotify, with the polling observer, and with inotify on a
  store already holding ``--store-cases`` cases (a step must not slow down as
  the store grows);
- **throughput**: ``--cases`` invitations dropped at once and walked through
  the whole default chain by officials who move each file the moment it
  appears: wall time, cases per minute, and the peak RSS of the service and,
  separately, of its LibreOffice;
- **reports**: ``spt status`` and ``spt agenda`` (the commands, as a user
  runs them) on a store holding ``--store-cases`` cases.

``--quick`` runs every row with tiny numbers (the test suite's smoke run);
timings are only meaningful from a full run. ``--profile DIR`` attaches
py-spy to the service during the throughput run and writes collapsed stacks
and a summary of the hottest functions to ``DIR``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from fill_store import HISTORY_ONLY, Mix, fill_store  # noqa: E402

from pipeline.config import Config, load_config  # noqa: E402
from pipeline.folders.layout import Workspace  # noqa: E402
from pipeline.resources import DEMO  # noqa: E402
from pipeline.simulate import Officials, wait_until  # noqa: E402
from pipeline.workspace_init import init_workspace  # noqa: E402

INVITATION = DEMO / "undangan-workshop-ojk.pdf"
NOTE = (
    "Mohon dibuatkan SPT untuk menghadiri undangan terlampir.\n"
    "Yang ditugaskan:\n1. 19650809 198603 1 012\n2. Siti Aminah\n"
    "Pemohon: rina.agenda@diskopukm.kalbarprov.go.id\n"
)
LETTER_FILE = re.compile(r"^SPT-\d{4}-\d{4,}\.(pdf|docx)$")
SECTIONS = ("conversion", "marks", "latency", "throughput", "reports")


# --- results -------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the table: a measurement, its spread, and the target it is held to."""

    key: str
    label: str
    unit: str                      # "s", "ms", "x", "MB", "/min"
    n: int = 0
    median: float | None = None
    p95: float | None = None
    target: str = ""
    ok: bool | None = None         # None: no target (for information)
    note: str = ""


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    meta: dict[str, object] = field(default_factory=dict)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row

    def get(self, key: str) -> Row | None:
        return next((r for r in self.rows if r.key == key), None)


def p95(samples: list[float]) -> float:
    """The 95th percentile by nearest rank (of 20 samples: the 19th smallest)."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def spread(key: str, label: str, samples: list[float], *, unit: str = "s", scale: float = 1.0,
           limit: float | None = None, target: str = "", note: str = "") -> Row:
    """A row from samples (in seconds), checked as ``median <= limit`` when a limit is given."""
    if not samples:
        return Row(key, label, unit, note=note or "no samples", target=target)
    med = statistics.median(samples) * scale
    row = Row(key, label, unit, len(samples), med, p95(samples) * scale, target, note=note)
    if limit is not None:
        row.ok = med <= limit
        row.target = target or f"median <= {limit:g} {unit}"
    return row


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


# --- workspaces and the service ------------------------------------------------------------


def tune(config_path: Path, section: str, **values: str) -> None:
    """Set ``key = value`` lines inside ``[section]`` of spt.toml (values as TOML literals)."""
    lines = config_path.read_text(encoding="utf-8").splitlines(keepends=True)
    inside, done = False, set()
    for i, line in enumerate(lines):
        header = re.match(r"^\[+([^\]]+)\]+\s*$", line)
        if header:
            inside = header.group(1).strip() == section
            continue
        m = re.match(r"^(\w+)\s*=", line)
        if inside and m and m.group(1) in values:
            lines[i] = f"{m.group(1)} = {values[m.group(1)]}\n"
            done.add(m.group(1))
    missing = set(values) - done
    if missing:
        raise ValueError(f"[{section}] of {config_path} has no {', '.join(sorted(missing))}")
    config_path.write_text("".join(lines), encoding="utf-8")


def new_workspace(root: Path, **watch: str) -> tuple[Path, Config]:
    """A fresh demo workspace (demo keys, default chain), with ``[watch]`` values changed."""
    config_path = init_workspace(root, demo=True)
    if watch:
        tune(config_path, "watch", **watch)
    return config_path, load_config(config_path)


def invitations(count: int, folder: Path, *, start: int = 0) -> list[Path]:
    """``count`` distinct copies of the demo invitation (one case each: the hash differs)."""
    from pypdf import PdfWriter

    folder.mkdir(parents=True, exist_ok=True)
    writer = PdfWriter(clone_from=str(INVITATION))
    made = []
    for i in range(start, start + count):
        writer.add_metadata({"/Subject": f"SPT bench invitation {i}"})
        path = folder / f"undangan-{i:05d}.pdf"
        with open(path, "wb") as fh:
            writer.write(fh)
        made.append(path)
    return made


def drop(ws: Workspace, invitation: Path) -> None:
    """Put an invitation and its note in ``inbox/`` as a clerk's copy would (note first)."""
    target = ws.inbox / invitation.name
    target.with_suffix(".txt").write_text(NOTE, encoding="utf-8")
    tmp = ws.inbox / f".copying-{invitation.name}"
    shutil.copyfile(invitation, tmp)
    os.replace(tmp, target)


class ServiceProcess:
    """``spt serve`` on one workspace, as a subprocess; optionally profiled by py-spy."""

    def __init__(self, config_path: Path):
        self.config_path = config_path
        self.log = config_path.parent / "serve.log"
        self.proc: subprocess.Popen | None = None
        self.profiler: subprocess.Popen | None = None

    def start(self, timeout: float = 120.0) -> None:
        with open(self.log, "ab") as fh:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "pipeline", "serve", "--config", str(self.config_path)],
                stdout=fh, stderr=subprocess.STDOUT, cwd=self.config_path.parent,
            )
        wait_until(lambda: "spt service running" in self.log.read_text(errors="replace")
                   or self.proc.poll() is not None, timeout=timeout, what="the service to start")
        if self.proc.poll() is not None:
            raise RuntimeError(f"the service exited at start-up:\n{self.tail()}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def profile(self, out: Path, *, rate: int = 50, gil: bool = False) -> bool:
        """Attach py-spy (all threads, collapsed stacks to ``out``); false if unavailable.

        ``--nonblocking``: by default py-spy stops the process for every sample,
        which on 2 cores slowed the 100-case run several times over. ``gil``:
        sample only the thread holding the GIL (where the Python CPU goes).
        """
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        if not Path(spy).exists():
            return False
        self.profiler = subprocess.Popen(
            [spy, "record", "--pid", str(self.pid), "--rate", str(rate), "--format", "raw",
             "--threads", "--nonblocking", *(["--gil"] if gil else []),
             "--output", str(out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        time.sleep(0.5)  # let it attach before the work starts
        return True

    def stop_profile(self) -> None:
        if self.profiler is not None and self.profiler.poll() is None:
            self.profiler.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.profiler.wait(timeout=30)
        self.profiler = None

    def stop(self) -> None:
        self.stop_profile()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def tail(self, n: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])


@contextlib.contextmanager
def running(config_path: Path) -> Iterator[ServiceProcess]:
    service = ServiceProcess(config_path)
    service.start()
    try:
        yield service
    finally:
        service.stop()


def wait_for_path(path: Path, timeout: float, interval: float = 0.002) -> None:
    """Return as soon as ``path`` exists (checked every ``interval``), or raise TimeoutError."""
    deadline = time.perf_counter() + timeout
    while not os.path.exists(path):
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{path} did not appear within {timeout:g} s")
        time.sleep(interval)


# --- 1. conversion ---------------------------------------------------------------------------


def spt_docx(config: Config, out: Path) -> Path:
    """The SPT letter for the demo invitation, rendered as the drafting worker does."""
    from pipeline.directory import EmployeeDirectory
    from pipeline.drafting.letter import LetterContext, render_draft
    from pipeline.extract import ExtractLimits
    from pipeline.service.draft_steps import read_invitation

    fields, _notes = read_invitation(INVITATION, ExtractLimits.from_config(config.limits))
    people = EmployeeDirectory.load(config.pegawai_csv).named_in(NOTE)
    ctx = LetterContext.build(config=config, workflow=config.workflow(), fields=fields,
                              assignees=[e.as_assignee() for e in people])
    render_draft(config.letter.template, ctx, out)
    return out


def bench_conversion(res: Results, work: Path, reps: int) -> Path:
    """Warm vs cold conversion, interleaved; returns the converted PDF (for the marks)."""
    from pipeline.convert import make_converter

    _, config = new_workspace(work / "conversion")
    ws = Workspace(config)
    docx = spt_docx(config, work / "spt.docx")
    converter = make_converter(config, ws.state)
    started = time.perf_counter()
    converter.start()
    startup = time.perf_counter() - started
    soffice = shutil.which(config.converter.soffice) or "soffice"
    profile = (work / "soffice-profile").absolute()
    out_dir = work / "cold"
    warm_pdf = work / "warm.pdf"

    def warm() -> None:
        converter.convert(docx, warm_pdf)

    def cold() -> None:
        shutil.rmtree(out_dir, ignore_errors=True)
        subprocess.run(
            [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
             "--convert-to", "pdf", "--outdir", str(out_dir), str(docx)],
            check=True, capture_output=True, timeout=120,
        )
        if not (out_dir / "spt.pdf").is_file():
            raise RuntimeError("soffice wrote no PDF")

    warm_samples, cold_samples = [], []
    try:
        warm()
        cold()  # creates soffice's profile, as a user's first run ever would: not timed
        for _ in range(reps):
            warm_samples.append(timed(warm))
            cold_samples.append(timed(cold))
        fallbacks = getattr(converter, "fallbacks", 0)
    finally:
        converter.stop()
    res.add(spread("conversion.warm", "DOCX->PDF, service (warm unoserver)", warm_samples,
                   limit=0.35, note=f"server start-up {startup:.1f} s"
                   + (f"; {fallbacks} fell back to soffice!" if fallbacks else "")))
    res.add(spread("conversion.cold", "DOCX->PDF, cold soffice --convert-to pdf", cold_samples))
    ratio = statistics.median(cold_samples) / statistics.median(warm_samples)
    res.add(Row("conversion.ratio", "  cold / warm (medians)", "x", reps, ratio, None,
                ">= 4 x", ratio >= 4))
    return warm_pdf


# --- 2. marks --------------------------------------------------------------------------------


def bench_marks(res: Results, work: Path, letter_pdf: Path, reps: int, cli_reps: int) -> None:
    from pipeline.pdf.prepare import prepare_for_signing
    from pipeline.signing.appearance import warm_up
    from pipeline.signing.keys import KeyRing
    from pipeline.signing.marks import MarkAppearance, apply_mark

    config_path, config = new_workspace(work / "marks")
    wf = config.workflow()
    ring = KeyRing.load(config)
    prepared = prepare_for_signing(letter_pdf.read_bytes(), wf)
    now = dt.datetime.now(dt.UTC)

    def mark(pdf: bytes, stage) -> bytes:
        return apply_mark(pdf, field_name=stage.field_name, signer=ring.signer(stage.key),
                          appearance=MarkAppearance.for_stage(stage, config), when=now)

    first_mark = timed(lambda: mark(prepared, wf.reviewers[0]))
    warm_up()
    paraf_stage = wf.reviewers[0]
    paraf = [timed(lambda: mark(prepared, paraf_stage)) for _ in range(reps)]
    current = prepared
    for stage in wf.reviewers[:-1]:
        current = mark(current, stage)
    before_last = current
    signature = [timed(lambda: mark(before_last, wf.signatory)) for _ in range(reps)]
    res.add(spread("mark.paraf", "mark in-process: paraf (1st signature)", paraf, unit="ms",
                   scale=1000, limit=60, note=f"first mark of a process {first_mark * 1000:.0f} ms"
                   " before warm_up()"))
    res.add(spread("mark.signature", "mark in-process: signature (6th signature)", signature,
                   unit="ms", scale=1000, limit=60))

    cli = Path(sys.executable).with_name("pyhanko")
    key_cfg = config.stage[paraf_stage.index].signing_key
    inp = work / "cli-in.pdf"
    inp.write_bytes(prepared)
    out = work / "cli-out.pdf"
    samples: list[float] = []
    note = ""
    if cli.exists() and key_cfg is not None and key_cfg.pkcs12 is not None:
        cmd = [str(cli), "sign", "addsig", "--field", paraf_stage.field_name, "--existing-only",
               "--use-pades", "--reason", f"Paraf {paraf_stage.role}", "--location",
               config.agency.city, "pkcs12", "--passfile", str(key_cfg.passphrase.file),
               str(inp), str(out), str(key_cfg.pkcs12)]
        for _ in range(cli_reps):
            samples.append(timed(lambda: subprocess.run(cmd, check=True, capture_output=True,
                                                        cwd=config_path.parent)))
    else:
        note = "pyhanko CLI not installed (dev extra pyhanko-cli)"
    res.add(spread("mark.cli", "mark by `pyhanko sign addsig` (a process per mark)", samples,
                   unit="ms", scale=1000, note=note))
    if samples:
        ratio = statistics.median(samples) / statistics.median(paraf)
        res.add(Row("mark.ratio", "  command line / in-process (medians)", "x", cli_reps, ratio,
                    None, ">= 10 x", ratio >= 10))
    else:
        res.add(Row("mark.ratio", "  command line / in-process (medians)", "x",
                    target=">= 10 x", note=note))


# --- 3. latency ------------------------------------------------------------------------------


def move_latencies(config_path: Path, moves: int, work: Path, *, pause: float = 0.3,
                   first_index: int = 0) -> list[float]:
    """Seconds from each move into ``disetujui/`` to the next stage's file, ``moves`` times.

    Cases run one after another; each stage's file is moved once the service
    has been idle for ``pause`` (as a person would take a moment), so every
    sample is one transition and nothing queued behind another.
    """
    config = load_config(config_path)
    ws = Workspace(config)
    officials = Officials(ws, timeout=120)
    last = len(ws.stage_folders) - 1
    samples: list[float] = []
    known: set[str] = set()
    i = first_index
    with running(config_path):
        while len(samples) < moves:
            (inv,) = invitations(1, work / "invitations", start=i)
            i += 1
            drop(ws, inv)
            case = officials.new_cases(known, timeout=120)[0]
            known.add(case)
            for stage in range(last):
                src = officials.wait_for(case, stage)
                time.sleep(pause)
                nxt = officials.case_file(case, stage + 1)
                dst = ws.folder(stage).agreed / src.name
                started = time.perf_counter()
                os.replace(src, dst)
                wait_for_path(nxt, timeout=60)
                samples.append(time.perf_counter() - started)
                if len(samples) >= moves:
                    break
    return samples


def bench_latency(res: Results, work: Path, moves: int, store_cases: int,
                  poll_interval: float) -> None:
    inotify_path, _ = new_workspace(work / "latency-inotify", mode='"inotify"')
    inotify = move_latencies(inotify_path, moves, work)
    res.add(spread("latency.inotify", "move to next folder, inotify", inotify, limit=0.5))

    poll_path, _ = new_workspace(work / "latency-poll", mode='"poll"',
                                 poll_interval=f"{poll_interval:g}")
    polled = move_latencies(poll_path, moves, work, first_index=1000)
    res.add(spread("latency.poll", f"move to next folder, polling every {poll_interval:g} s",
                   polled, limit=poll_interval + 0.5))

    stored_path, stored_config = new_workspace(work / "latency-stored", mode='"inotify"')
    fill_store(stored_config, store_cases, mix=HISTORY_ONLY)
    stored = move_latencies(stored_path, moves, work, first_index=2000)
    res.add(spread("latency.stored", f"move to next folder, inotify, {store_cases:,} cases stored",
                   stored, limit=0.5))
    ratio = statistics.median(stored) / statistics.median(inotify)
    res.add(Row("latency.growth", f"  {store_cases:,} stored / empty store (medians)", "x",
                moves, ratio, None, "<= 1.5 x (no growth)", ratio <= 1.5))


# --- 4. throughput ---------------------------------------------------------------------------


class MovingOfficials(threading.Thread):
    """Every official at once: each letter is moved into ``disetujui/`` as soon as it appears."""

    def __init__(self, ws: Workspace, interval: float = 0.02):
        super().__init__(name="officials", daemon=True)
        self.ws = ws
        self.interval = interval
        self.moves = 0
        # Seconds from moving a case's file into disetujui/ to seeing the case's file in the
        # next stage's folder (within ``interval``): the latency while the service is busy.
        self.latencies: list[float] = []
        self._moved_at: dict[str, float] = {}
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            moved = 0
            for sf in self.ws.stage_folders:
                wanted = "docx" if sf.stage.index == 0 else "pdf"
                try:
                    names = os.listdir(sf.root)
                except FileNotFoundError:
                    continue
                for name in names:
                    if LETTER_FILE.match(name) and name.endswith(wanted):
                        case = name.rsplit(".", 1)[0]
                        seen = time.perf_counter()
                        with contextlib.suppress(FileNotFoundError):
                            os.replace(sf.root / name, sf.agreed / name)
                            moved += 1
                            if case in self._moved_at:
                                self.latencies.append(seen - self._moved_at[case])
                            self._moved_at[case] = time.perf_counter()
            self.moves += moved
            if not moved:
                self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


class MemorySampler(threading.Thread):
    """Peak RSS of the service (its own processes) and, separately, of its LibreOffice.

    The service's children are told apart by command line: unoserver, oosplash
    and soffice are LibreOffice; any other (the drafting worker) is the service.
    """

    LIBREOFFICE = ("unoserver", "soffice", "oosplash")

    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(name="rss", daemon=True)
        import psutil

        self.proc = psutil.Process(pid)
        self.interval = interval
        self.peak_main = 0        # the service's own process
        self.peak_service = 0     # the service's process and its worker(s), sampled together
        self.peak_libreoffice = 0
        self.cpu: dict[str, float] = {}
        self._kinds: dict[int, bool] = {}  # pid -> is LibreOffice
        self._halt = threading.Event()

    def _is_libreoffice(self, child) -> bool:
        if child.pid not in self._kinds:
            try:
                cmdline = " ".join(child.cmdline())
            except Exception:
                cmdline = ""
            self._kinds[child.pid] = any(k in cmdline for k in self.LIBREOFFICE)
        return self._kinds[child.pid]

    def sample(self) -> None:
        import psutil

        try:
            main = self.proc.memory_info().rss
            times = self.proc.cpu_times()
            cpu = {"service": times.user + times.system, "service_user": times.user,
                   "service_system": times.system, "workers": 0.0, "libreoffice": 0.0}
            service, office = main, 0
            for child in self.proc.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    rss = child.memory_info().rss
                    ctimes = child.cpu_times()
                    if self._is_libreoffice(child):
                        office += rss
                        cpu["libreoffice"] += ctimes.user + ctimes.system
                    else:
                        service += rss
                        cpu["workers"] += ctimes.user + ctimes.system
            self.peak_main = max(self.peak_main, main)
            self.peak_service = max(self.peak_service, service)
            self.peak_libreoffice = max(self.peak_libreoffice, office)
            self.cpu = cpu
        except psutil.Error:
            pass

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)
        self.sample()


def bench_throughput(res: Results, work: Path, cases: int, profile_dir: Path | None,
                     *, gil: bool = False) -> None:
    from pipeline.store import Store

    config_path, config = new_workspace(work / "throughput")
    ws = Workspace(config)
    files = invitations(cases, work / "throughput-invitations", start=5000)
    timeout = 120 + 10 * cases
    with running(config_path) as service:
        profiled = False
        if profile_dir is not None:
            profile_dir.mkdir(parents=True, exist_ok=True)
            profiled = service.profile(profile_dir / "throughput.collapsed", gil=gil)
            if not profiled:
                print("py-spy not found: no profile written", file=sys.stderr)
        sampler = MemorySampler(service.pid)
        sampler.sample()
        cpu_before = dict(sampler.cpu)
        machine_before, bench_before = busy_cpu_seconds(), own_cpu_seconds()
        sampler.start()
        officials = MovingOfficials(ws)
        officials.start()
        started = time.perf_counter()
        for inv in files:
            drop(ws, inv)

        def issued() -> bool:
            return len(list(ws.outbox.glob("*-terbit-*.eml"))) >= cases

        try:
            wait_until(issued, timeout=timeout, what=f"{cases} issued letters", interval=0.1)
        except AssertionError as exc:
            raise RuntimeError(f"{exc}\n{service.tail()}") from None
        wall = time.perf_counter() - started
        officials.stop()
        sampler.stop()
        machine = busy_cpu_seconds() - machine_before
        bench_cpu = own_cpu_seconds() - bench_before
        service.stop_profile()
    store = Store(ws.database, create=False)
    per_case = []
    for row in store.execute(
            "SELECT c.opened_at, a.recorded_at FROM agenda a JOIN cases c ON c.id = a.case_id"):
        opened = dt.datetime.fromisoformat(row[0])
        per_case.append((dt.datetime.fromisoformat(row[1]) - opened).total_seconds())
    agenda_count = store.execute("SELECT COUNT(*) FROM agenda").fetchone()[0]
    store.close()
    if agenda_count != cases:
        raise RuntimeError(f"{agenda_count} agenda entries for {cases} cases")
    limit = float(cases)  # 100 cases in 100 s
    res.add(Row("throughput.wall", f"{cases} cases end to end: wall time", "s", cases, wall, None,
                f"<= {limit:g} s", wall <= limit,
                note=f"{officials.moves} moves by the officials"))
    rate = cases / wall * 60
    res.add(Row("throughput.rate", "  cases per minute", "/min", cases, rate, None, ">= 60/min",
                rate >= 60))
    res.add(spread("throughput.case", "  one case, invitation to issued (all dropped at once)",
                   per_case))
    res.add(spread("throughput.move", "  move to next folder, during this run",
                   officials.latencies))
    service_mb = sampler.peak_service / 1e6
    res.add(Row("memory.service", "peak RSS, service (without LibreOffice)", "MB", 1, service_mb,
                None, "<= 200 MB", service_mb <= 200,
                note=f"main process {sampler.peak_main / 1e6:.0f} MB, the rest its drafting "
                "worker" if sampler.peak_service > sampler.peak_main else ""))
    res.add(Row("memory.libreoffice", "peak RSS, LibreOffice (unoserver + soffice)", "MB", 1,
                sampler.peak_libreoffice / 1e6))
    cpu = {k: round(v - cpu_before.get(k, 0.0), 1) for k, v in sampler.cpu.items()}
    cpu["benchmark"] = round(bench_cpu, 1)
    cpu["other_processes"] = round(
        machine - cpu["service"] - cpu["workers"] - cpu["libreoffice"] - bench_cpu, 1)
    cpu["machine_capacity"] = round(wall * (os.cpu_count() or 1), 1)
    res.meta["throughput_cpu_seconds"] = cpu
    if cpu["other_processes"] > 0.1 * cpu["machine_capacity"]:
        res.get("throughput.wall").note += (
            f"; other processes used {cpu['other_processes']:.0f} of the machine's "
            f"{cpu['machine_capacity']:.0f} CPU-seconds meanwhile (result pessimistic)")
    if profiled:
        summary = summarize_profile(profile_dir / "throughput.collapsed")
        (profile_dir / "throughput-summary.txt").write_text(summary, encoding="utf-8")
        res.meta["profile"] = str(profile_dir / "throughput-summary.txt")


def busy_cpu_seconds() -> float:
    """CPU-seconds the whole machine spent busy so far (every process, all cores)."""
    import psutil

    t = psutil.cpu_times()
    return sum(getattr(t, name, 0.0) for name in
               ("user", "nice", "system", "irq", "softirq", "steal"))  # guest is in user


def own_cpu_seconds() -> float:
    """CPU-seconds of this benchmark process (the simulated officials, the sampler)."""
    import psutil

    t = psutil.Process().cpu_times()
    return t.user + t.system


def summarize_profile(collapsed: Path, top: int = 40) -> str:
    """The hottest functions of a py-spy raw profile: inclusive and self samples, per thread."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        threads[frames[0]] += count
        seen = set()
        for frame in frames[1:]:
            name = re.sub(r"\s*\((/[^)]*/)?([^/)]*):\d+\)$", r" (\2)", frame)
            if name not in seen:
                inclusive[name] += count
                seen.add(name)
        if len(frames) > 1:
            own[re.sub(r"\s*\((/[^)]*/)?([^/)]*):\d+\)$", r" (\2)", frames[-1])] += count
    out = io.StringIO()
    out.write(f"{total} samples (non-idle)\n\nBy thread:\n")
    for name, count in threads.most_common():
        out.write(f"  {count / total:6.1%}  {name}\n")
    out.write("\nInclusive (function and what it calls):\n")
    for name, count in inclusive.most_common(top):
        out.write(f"  {count / total:6.1%}  {name}\n")
    out.write("\nSelf:\n")
    for name, count in own.most_common(top):
        out.write(f"  {count / total:6.1%}  {name}\n")
    return out.getvalue()


# --- 5. reports ------------------------------------------------------------------------------


def bench_reports(res: Results, work: Path, store_cases: int, reps: int) -> None:
    config_path, config = new_workspace(work / "reports")
    started = time.perf_counter()
    counts = fill_store(config, store_cases, mix=Mix())
    res.meta["store_fill"] = {"seconds": round(time.perf_counter() - started, 1), **counts}

    def spt(*args: str) -> Callable[[], object]:
        cmd = [sys.executable, "-m", "pipeline", *args, "--config", str(config_path)]
        env = {**os.environ, "COLUMNS": "160"}
        return lambda: subprocess.run(cmd, check=True, capture_output=True, env=env,
                                      cwd=config_path.parent)

    commands = [
        ("reports.status", "`spt status`", ("status",), 1.0),
        ("reports.agenda", "`spt agenda`", ("agenda",), 1.0),
        ("reports.agenda_csv", "  `spt agenda --csv` (every entry)",
         ("agenda", "--csv", str(work / "agenda.csv")), None),
        ("reports.cli", "  `spt --help` (the command line's own start-up)", ("--help",), None),
    ]
    for key, label, args, limit in commands:
        run = spt(*args) if args != ("--help",) else (
            lambda: subprocess.run([sys.executable, "-m", "pipeline", "--help"], check=True,
                                   capture_output=True))
        run()  # compiled modules and the page cache as on any later run
        samples = [timed(run) for _ in range(reps)]
        res.add(spread(key, f"{label}, {store_cases:,} cases stored"
                       if key != "reports.cli" else label, samples, limit=limit))


# --- output ----------------------------------------------------------------------------------


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "ms" or unit == "MB":
        return f"{value:.0f} {unit}"
    if unit == "x":
        return f"{value:.1f} x"
    if unit == "/min":
        return f"{value:.0f}/min"
    return f"{value:.2f} {unit}" if value < 100 else f"{value:.0f} {unit}"


def render(res: Results) -> str:
    head = ("measurement", "n", "median", "p95", "target", "met")
    lines = [(r.label, str(r.n or "-"), fmt(r.median, r.unit), fmt(r.p95, r.unit), r.target,
              {True: "yes", False: "NO", None: ""}[r.ok]) for r in res.rows]
    widths = [max(len(x[i]) for x in [head, *lines]) for i in range(len(head))]
    aligns = ("<", ">", ">", ">", "<", "<")

    def line(cells) -> str:
        return "| " + " | ".join(f"{c:{a}{w}}" for c, a, w in zip(cells, aligns, widths,
                                                                      strict=True)) + " |"

    out = [line(head), "|" + "|".join(("-" * (w + 1) + ":" if a == ">" else "-" * (w + 2))
                                     for a, w in zip(aligns, widths, strict=True)) + "|"]
    out += [line(x) for x in lines]
    notes = [f"- {r.label.strip()}: {r.note}" for r in res.rows if r.note]
    return "\n".join(out + (["", *notes] if notes else []))


def environment() -> dict[str, object]:
    def first_line(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                                  cwd=ROOT).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return ""

    import psutil

    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 1e9, 1),
        "python": platform.python_version(),
        "libreoffice": first_line(["soffice", "--version"]),
        "commit": first_line(["git", "rev-parse", "--short", "HEAD"]),
        "dirty": bool(first_line(["git", "status", "--porcelain", "--untracked-files=no"])),
    }


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--quick", action="store_true",
                        help="every row with tiny numbers (smoke run; timings not meaningful)")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections (default all: {','.join(SECTIONS)})")
    parser.add_argument("--conversion-reps", type=int, default=20)
    parser.add_argument("--mark-reps", type=int, default=50)
    parser.add_argument("--cli-reps", type=int, default=10,
                        help="pyhanko command-line marks (about 0.7 s each)")
    parser.add_argument("--moves", type=int, default=20, help="latency samples per observer")
    parser.add_argument("--poll-interval", type=float, default=1.0)
    parser.add_argument("--cases", type=int, default=100, help="cases in the throughput run")
    parser.add_argument("--store-cases", type=int, default=10_000,
                        help="cases in the store for the reports and the latency at scale")
    parser.add_argument("--report-reps", type=int, default=10)
    parser.add_argument("--profile", type=Path, default=None,
                        help="attach py-spy to the service in the throughput run; write here")
    parser.add_argument("--profile-gil", action="store_true",
                        help="profile only the thread holding the GIL (Python CPU)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the workspaces in this (new) folder")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.quick:
        args.conversion_reps, args.mark_reps, args.cli_reps = 2, 3, 1
        args.moves, args.cases, args.store_cases, args.report_reps = 2, 2, 200, 1
    unknown = set(args.only.split(",")) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    only = set(args.only.split(","))
    res = Results(meta={**environment(), "args": {k: str(v) for k, v in vars(args).items()}})
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=False)
        work_ctx: contextlib.AbstractContextManager[str] = contextlib.nullcontext(str(args.keep))
    else:
        work_ctx = tempfile.TemporaryDirectory(prefix="spt-bench-")
    with work_ctx as tmp:
        work = Path(tmp).absolute()
        letter = None
        if only & {"conversion", "marks"}:
            letter = bench_conversion(res, work, args.conversion_reps) \
                if "conversion" in only else None
        if "marks" in only:
            if letter is None:
                from pipeline.convert import SofficeConverter

                letter = work / "letter.pdf"
                _, cfg = new_workspace(work / "letter")
                SofficeConverter(work / "lo").convert(spt_docx(cfg, work / "l.docx"), letter)
            bench_marks(res, work, letter, args.mark_reps, args.cli_reps)
        if "latency" in only:
            bench_latency(res, work, args.moves, args.store_cases, args.poll_interval)
        if "throughput" in only:
            bench_throughput(res, work, args.cases, args.profile, gil=args.profile_gil)
        if "reports" in only:
            bench_reports(res, work, args.store_cases, args.report_reps)
    if args.json:
        print(json.dumps({"rows": [asdict(r) for r in res.rows], "meta": res.meta},
                         ensure_ascii=False, indent=2))
    else:
        meta = res.meta
        print(f"spt benchmark, {meta['when']}, {meta['cpus']} CPUs, {meta['memory_gb']} GB, "
              f"Python {meta['python']}, {meta['libreoffice']}, commit {meta['commit']}"
              f"{' (with local changes)' if meta['dirty'] else ''}")
        print()
        print(render(res))
        if "throughput_cpu_seconds" in meta:
            print(f"\nCPU seconds in the throughput run: {meta['throughput_cpu_seconds']}")
        if "profile" in meta:
            print(f"Profile summary: {meta['profile']}")
    missed = [r.label.strip() for r in res.rows if r.ok is False]
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
