"""The chaos run: the real service, killed with SIGKILL at random instants, must lose nothing.

One workspace (demo keys, the default 7-stage chain, the real LibreOffice),
a real SMTP sink (aiosmtpd) counting deliveries per Message-ID, and three
actors running at once:

- **officials** (:class:`ChaosOfficials`, a thread) move every case file they
  see in a stage folder into ``disetujui/``; some cases are returned once, with
  a reason in ``<case>.txt``. Every move is journalled (case, stage, sha256);
- **the killer** (:class:`Killer`, a thread) SIGKILLs ``spt serve`` at random
  instants (also during start-up) and starts it again at once;
- **the clerk** (this module's :func:`run_soak`) drops the invitations into
  ``inbox/`` at a steady pace;
- **IT at a shell** (:class:`ItAtTheShell`, a thread) runs ``spt status``, ``spt agenda``,
  ``spt audit verify`` and ``spt verify`` one after another, and ``spt revoke`` once (an
  outside writer), each checked against what the service had visibly done before it
  started (a letter delivered means its agenda entry was committed).

When every case is issued and every kill done, the service runs on until the
mail queue is empty, is stopped, and :func:`check_outcome` looks at what a
user would check: each case issued once, numbers 1..N with no gap or repeat,
every archived PDF valid for pyHanko and ``pdfsig``, the audit log and its
cross-checks intact, no temporary or partial file anywhere, every mail
delivered once, and every file an official moved accounted for.

Used by ``tests/chaos/test_chaos.py`` (CI size) and ``bench/soak.py`` (any size).
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.folders.atomic import TEMP_PREFIX, sha256_file
from pipeline.folders.layout import CASE_FILE
from pipeline.simulate import wait_until
from tests.e2e.conftest import FAST, SAMPLES, Office, tune
from tests.integration.mail.mail_servers import SmtpServer, free_port
from tests.support.secrets import leaks, workspace_secrets

NOTE = "Mohon SPT untuk:\n1. 19650809 198603 1 012\nPemohon: rina.agenda@diskopukm.kalbarprov.go.id\n"
REASON = "Mohon diperiksa kembali (uji chaos)."


@dataclass(frozen=True)
class SoakSettings:
    cases: int = 30
    kills: int = 15
    seed: int | None = None
    returns_every: int = 4            # every n-th case is returned once, at a random stage
    drop_every: float = 0.5           # seconds between two invitations
    kill_after: tuple[float, float] = (0.3, 5.0)   # a kill this long after the service is up
    converter: str = "soffice"        # "unoserver" for the warm server (slower to start)
    it_pause_seconds: float = 1.5     # between two commands IT runs beside the service
    timeout: float = 900.0


@dataclass(frozen=True)
class Move:
    """One move an official made: a case file from a stage folder to disetujui/dikembalikan."""

    case: str
    stage: int
    kind: str      # "agreed" | "returned"
    name: str
    sha256: str
    at: float


@dataclass
class SoakResult:
    settings: SoakSettings
    seed: int
    kills: int = 0
    kills_during_startup: int = 0
    starts: int = 0
    unexpected_exits: int = 0
    moves: int = 0
    returns: int = 0
    cases: int = 0
    numbers: list[str] = field(default_factory=list)
    verified_pyhanko: int = 0
    verified_pdfsig: int = 0
    outside_commands: int = 0         # commands IT ran beside the service
    outside_stale: int = 0            # of them, those that missed an earlier commit
    revoked: str | None = None
    mails_sent: int = 0
    duplicate_deliveries: int = 0
    refusals: int = 0
    kept_aside: int = 0               # files set aside in state/cases/*/sisa (reasons excluded)
    errors_logged: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def figures(self) -> str:
        return (
            f"chaos: seed {self.seed}; {self.kills} SIGKILLs ({self.kills_during_startup} during "
            f"start-up), {self.starts} starts, {self.unexpected_exits} unexpected exits; "
            f"{self.cases} cases issued, numbers {_span(self.numbers)}; "
            f"{self.verified_pyhanko} PDFs verified by pyHanko, {self.verified_pdfsig} by pdfsig; "
            f"{self.moves} official moves ({self.returns} returns), {self.refusals} refused, "
            f"{self.kept_aside} kept aside; "
            f"{self.outside_commands} outside commands ({self.outside_stale} stale), "
            f"{'1 letter revoked' if self.revoked else 'none revoked'}; "
            f"{self.mails_sent} mails delivered, {self.duplicate_deliveries} duplicates; "
            f"{self.errors_logged} ERROR lines logged; {self.seconds:.0f} s; "
            f"{len(self.problems)} problems"
        )


def _span(numbers: list[str]) -> str:
    if not numbers:
        return "none"
    seqs = sorted(int(n.split("/")[1]) for n in numbers)
    return f"{seqs[0]:04d}..{seqs[-1]:04d} ({len(seqs)})"


# --- the workspace ------------------------------------------------------------------------


def chaos_office(root: Path, smtp: SmtpServer, settings: SoakSettings) -> Office:
    """A demo workspace tuned for speed, mailing through ``smtp``."""
    office = Office(root)
    tune(office.config_path, **{**FAST, "rescan_seconds": "3"})
    text = office.config_path.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^mode = "unoserver".*$', f'mode = "{settings.converter}"', text)
    text += f'\n[mail.smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\n'
    office.config_path.write_text(text, encoding="utf-8")
    office.reload()
    return office


def invitations(count: int, folder: Path) -> list[Path]:
    """``count`` distinct invitation PDFs (the samples, each made unique by a trailing comment)."""
    samples = sorted(SAMPLES.glob("*.pdf"))
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(count):
        target = folder / f"undangan-{i + 1:03d}.pdf"
        target.write_bytes(samples[i % len(samples)].read_bytes() + f"\n% chaos {i}\n".encode())
        out.append(target)
    return out


# --- the officials -------------------------------------------------------------------------


class ChaosOfficials(threading.Thread):
    """Every official at once: whatever case file appears in a stage folder is moved on."""

    def __init__(self, office: Office, rng: random.Random, *, return_cases: dict[str, int],
                 interval: float = 0.05):
        super().__init__(name="officials", daemon=True)
        self.office = office
        self.rng = rng
        self.return_at = dict(return_cases)   # case -> stage index it is returned from, once
        self.interval = interval
        self.journal: list[Move] = []
        self.errors: list[str] = []
        self._halt = threading.Event()

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(timeout=10)

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                self.round()
            except Exception as exc:  # an official's mishap is a finding
                self.errors.append(f"{exc.__class__.__name__}: {exc}")
            self._halt.wait(self.interval)

    def round(self) -> None:
        for sf in self.office.ws.stage_folders:
            index = sf.stage.index
            want = "docx" if index == 0 else "pdf"
            try:
                names = sorted(os.listdir(sf.root))
            except FileNotFoundError:
                continue
            for name in names:
                m = CASE_FILE.match(name)
                if not m or m.group("rest") or m.group("ext").lower() != want:
                    continue
                case = m.group("case")
                if self.return_at.get(case) == index:
                    self._move(case, sf, name, "returned")
                    self.return_at.pop(case)
                else:
                    self._move(case, sf, name, "agreed")

    def _move(self, case: str, sf, name: str, kind: str) -> None:
        src = sf.root / name
        try:
            sha = sha256_file(src)
        except FileNotFoundError:
            return
        if kind == "returned":
            dst = sf.returned / name
            (sf.returned / f"{case}.txt").write_text(REASON, encoding="utf-8")
        else:
            dst = sf.agreed / name
        try:
            os.replace(src, dst)
        except FileNotFoundError:
            return  # the service took it away meanwhile (a stale copy it cleared)
        self.journal.append(Move(case, sf.stage.index, kind, name, sha, time.monotonic()))


# --- the killer ---------------------------------------------------------------------------


class Killer(threading.Thread):
    """SIGKILLs the service at random instants and starts it again at once.

    Most kills come ``after`` seconds (uniform) once the service is up, so the
    work goes on however long a start takes (a warm LibreOffice takes seconds);
    one in ``startup_share`` comes at a random instant of the start-up itself
    (during the reconciliation after the previous kill).
    """

    def __init__(self, office: Office, rng: random.Random, *, kills: int,
                 after: tuple[float, float], startup_share: float = 0.2):
        super().__init__(name="killer", daemon=True)
        self.office = office
        self.rng = rng
        self.target = kills
        self.after = after
        self.startup_share = startup_share
        self.kills = 0
        self.during_startup = 0
        self.unexpected_exits = 0
        self._halt = threading.Event()

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(timeout=30)

    def run(self) -> None:
        svc = self.office.service
        while not self._halt.is_set() and self.kills < self.target:
            if self.rng.random() < self.startup_share:
                self._wait(self.rng.uniform(0.05, 2.0))
            else:
                self._wait(120.0, until=svc.up)
                self._wait(self.rng.uniform(*self.after))
            if self._halt.is_set():
                return
            if not svc.up():
                self.during_startup += 1
            svc.kill()
            self.kills += 1
            svc.start(wait=False)

    def _wait(self, seconds: float, until=None) -> None:
        """Sleep ``seconds`` (or until ``until()``), restarting a service that died by itself."""
        svc = self.office.service
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._halt.is_set():
            if until is not None and until():
                return
            if svc.proc.poll() is not None:  # it died by itself: a finding
                self.unexpected_exits += 1
                svc.start(wait=False)
            time.sleep(0.02)


# --- IT at a shell -------------------------------------------------------------------------


class ItAtTheShell(threading.Thread):
    """The commands IT runs beside the service, checked against what it had already done.

    Before each command the letters delivered so far (SMTP) are noted: the service queues
    the 'terbit' mail only after the agenda entry is committed, so the command must see
    each of them. ``spt revoke`` runs once, on the first letter, as an outside writer.
    """

    COMMANDS = ("status", "agenda", "audit", "verify", "revoke")

    def __init__(self, office: Office, smtp: SmtpServer, out: Path, *, interval: float):
        super().__init__(name="it-at-the-shell", daemon=True)
        self.office, self.smtp, self.out = office, smtp, out
        self.interval = interval
        self.runs = 0
        self.stale = 0
        self.revoked: str | None = None
        self.problems: list[str] = []
        self._halt = threading.Event()
        out.mkdir(parents=True, exist_ok=True)

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(timeout=120)

    def run(self) -> None:
        turn = 0
        while not self._halt.wait(self.interval):
            command = self.COMMANDS[turn % len(self.COMMANDS)]
            turn += 1
            delivered = self._delivered()
            try:
                missed = getattr(self, f"_{command}")(delivered)
            except Exception as exc:  # a failing command is a finding
                self.problems.append(f"spt {command}: {exc.__class__.__name__}: {exc}")
                continue
            self.runs += 1
            if missed:
                self.stale += 1
                self.problems.append(f"spt {command} missed earlier commits: {missed[:3]}")

    def _spt(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pipeline", *args, "--config", str(self.office.config_path)],
            capture_output=True, text=True, timeout=120, cwd=self.office.ws.root)

    def _delivered(self) -> dict[str, str]:
        """Case -> number of every letter delivered to the pemohon so far."""
        found = {}
        for item in list(self.smtp.received):
            head = item.data[:4096].decode("utf-8", "replace")
            if "X-SPT-Kind: terbit" not in head:
                continue
            subject = re.search(r"(?m)^Subject: (.*)$", head)
            case = re.search(r"SPT-\d{4}-\d{4,}", subject.group(1) if subject else "")
            number = re.search(r"Nomor (\S+)", subject.group(1) if subject else "")
            if case and number:
                found[case.group(0)] = number.group(1)
        return found

    def _status(self, delivered: dict[str, str]) -> list[str]:
        out = self._spt("status", "--all", "--json")
        if out.returncode != 0:
            raise RuntimeError(out.stderr.strip()[-300:])
        status = {r["case"]: r["status"] for r in json.loads(out.stdout)["cases"]}
        return [c for c in delivered if status.get(c) not in ("issued", "closed")]

    def _agenda(self, delivered: dict[str, str]) -> list[str]:
        target = self.out / "agenda.csv"
        out = self._spt("agenda", "--csv", str(target))
        if out.returncode != 0:
            raise RuntimeError(out.stderr.strip()[-300:])
        with target.open(encoding="utf-8") as fh:
            numbers = {row[0] for row in csv.reader(fh)}
        return [c for c, n in delivered.items() if n not in numbers]

    def _audit(self, delivered: dict[str, str]) -> list[str]:
        out = self._spt("audit", "verify")
        if out.returncode != 0:
            raise RuntimeError(out.stdout.strip()[-300:])
        return []

    def _verify(self, delivered: dict[str, str]) -> list[str]:
        letters = sorted(self.office.ws.arsip.rglob("*.pdf"))
        if not letters or not delivered:
            return []
        # The newest letter delivered: its file in the archive must verify as registered.
        case = max(delivered)
        number = delivered[case]
        path = next((p for p in letters if p.name == _archive_name(number)), None)
        if path is None:
            return [f"{case}: {number} delivered, not in arsip/"]
        out = self._spt("verify", str(path))
        if out.returncode != 0 and "DICABUT" not in out.stdout:
            return [f"{case}: {out.stdout.strip()[-200:]}"]
        return []

    def _revoke(self, delivered: dict[str, str]) -> list[str]:
        if self.revoked or not delivered:
            return []
        number = delivered[min(delivered)]
        out = self._spt("revoke", number, "--alasan", "uji chaos: dicabut oleh TI")
        if out.returncode != 0:
            raise RuntimeError(out.stderr.strip()[-300:])
        self.revoked = number
        return []


def _archive_name(number: str) -> str:
    from pipeline.core.numbering import archive_name

    return archive_name(number)


# --- the run -------------------------------------------------------------------------------


def run_soak(root: Path, settings: SoakSettings, *, log=print) -> SoakResult:
    """Run the chaos scenario in ``root`` (a fresh folder) and check the outcome."""
    seed = settings.seed if settings.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    result = SoakResult(settings, seed)
    started = time.monotonic()
    smtp = SmtpServer(free_port())
    smtp.start()
    office = chaos_office(root / "ws", smtp, settings)
    svc = office.service
    files = invitations(settings.cases, root / "undangan")
    officials = ChaosOfficials(office, rng, return_cases={})
    killer = Killer(office, rng, kills=settings.kills, after=settings.kill_after)
    it = ItAtTheShell(office, smtp, root / "it", interval=settings.it_pause_seconds)
    try:
        svc.start()
        officials.start()
        killer.start()
        it.start()
        known: set[str] = set()
        stages = len(office.workflow.stages)
        for i, pdf in enumerate(files):
            office.officials.drop_invitation(pdf, note=NOTE)
            # Case ids follow intake order; pick which ones get a return, and where.
            case = f"SPT-{_year(office)}-{i + 1:04d}"
            if settings.returns_every and (i + 1) % settings.returns_every == 0:
                officials.return_at[case] = rng.randrange(1, stages)
            known.add(case)
            time.sleep(settings.drop_every)

        store = office.store()

        def issued() -> bool:
            n = store.execute("SELECT COUNT(*) FROM agenda").fetchone()[0]
            return n >= settings.cases

        wait_until(issued, timeout=settings.timeout, what=f"{settings.cases} cases issued",
                   interval=0.5)
        if killer.kills < settings.kills:
            log(f"all cases issued after {killer.kills} kills; killing on until {settings.kills}")
        wait_until(lambda: not killer.is_alive(), timeout=settings.timeout,
                   what="the remaining kills", interval=0.5)
        killer.stop()
        it.stop()  # IT's commands write too (spt revoke): none runs while the outcome settles
        if svc.proc.poll() is not None:
            svc.start()
        wait_until(svc.up, timeout=120, what="the service to be up")

        def all_issued() -> bool:
            return store.execute(
                "SELECT COUNT(*) FROM cases WHERE status IN ('issued', 'closed')"
            ).fetchone()[0] >= settings.cases

        wait_until(all_issued, timeout=settings.timeout, what="every case issued", interval=0.5)
        # An empty queue is not the end: a case's last mails are queued one after another
        # (terbit, then each assignee's copy), and the queue can look empty between them. A
        # graceful restart ends that: its start-up completes every issued case's effects
        # before "running", and then nothing is left to queue.
        svc.stop()
        svc.start()
        wait_until(svc.up, timeout=120, what="the service to be up again")
        wait_until(lambda: _mail_settled(store), timeout=120, what="every mail delivered",
                   interval=0.2)
        store.close()
        officials.stop()
        svc.stop()
    finally:
        for stop in (killer.stop, it.stop, officials.stop, svc.stop, smtp.stop):
            try:
                stop()
            except Exception as exc:  # clean up the rest regardless
                log(f"cleaning up: {stop.__qualname__}: {exc}")
    result.kills = killer.kills
    result.kills_during_startup = killer.during_startup
    result.unexpected_exits = killer.unexpected_exits
    result.starts = svc.starts
    result.seconds = time.monotonic() - started
    result.problems += [f"official: {e}" for e in officials.errors]
    result.problems += [f"IT: {e}" for e in it.problems]
    result.outside_commands, result.outside_stale, result.revoked = it.runs, it.stale, it.revoked
    check_outcome(office, smtp, officials.journal, result)
    return result


def _year(office: Office) -> int:
    import datetime as dt

    return dt.datetime.now(office.config.tz).year


def _mail_settled(store) -> bool:
    rows = store.execute("SELECT status, COUNT(*) FROM mail GROUP BY status").fetchall()
    counts = dict(rows)
    return counts and not counts.get("queued") and not counts.get("sending")


# --- the checks ----------------------------------------------------------------------------


def check_outcome(office: Office, smtp: SmtpServer, journal: list[Move],
                  result: SoakResult) -> None:
    """Everything a user would check after the storm; problems go to ``result.problems``."""
    from pipeline.reports.auditing import verify_audit
    from pipeline.reports.verification import verify_issued
    from pipeline.signing.pdfsig import pdfsig_check

    problems = result.problems
    config, ws, wf = office.config, office.ws, office.workflow
    n = result.settings.cases
    store = office.store()
    try:
        # 1. Every case issued exactly once.
        statuses = Counter(r[0] for r in store.execute("SELECT status FROM cases"))
        result.cases = statuses.get("issued", 0) + statuses.get("closed", 0)
        if sum(statuses.values()) != n or result.cases != n:
            problems.append(f"cases: {dict(statuses)} (expected {n} issued)")
        audit = store.audit.all()
        per_case = Counter((e.case_id, e.action) for e in audit)
        for case in sorted({e.case_id for e in audit if e.case_id}):
            for action in ("case.opened", "draft.created", "number.assigned", "case.issued",
                           "case.signed"):
                if per_case[(case, action)] != 1:
                    problems.append(f"{case}: {per_case[(case, action)]} × {action}")
        agenda = store.agenda.entries()
        if len(agenda) != n or len({a.case_id for a in agenda}) != n:
            problems.append(f"agenda: {len(agenda)} entries for {n} cases")

        # 2. Numbers consecutive, no gap, no repeat.
        register = store.register.all()
        result.numbers = [r.number for r in register]
        years = {r.year for r in register}
        for year in years:
            seqs = sorted(r.seq for r in register if r.year == year)
            if seqs != list(range(1, len(seqs) + 1)):
                problems.append(f"register {year}: {seqs}")
        if len(register) != n or len(set(result.numbers)) != n:
            problems.append(f"register: {len(register)} numbers ({len(set(result.numbers))} "
                            f"distinct) for {n} cases")
        if sorted(a.number for a in agenda) != sorted(result.numbers):
            problems.append("the agenda's numbers differ from the register's")

        # 3. Every archived PDF verifies with pyHanko and with pdfsig.
        archived = sorted(ws.arsip.rglob("*.pdf"))
        expected = sorted(a.archive_path for a in agenda)
        if [p.relative_to(ws.root).as_posix() for p in archived] != expected:
            problems.append(f"archive holds {len(archived)} PDFs, agenda names {len(expected)}")
        marks = len(wf.stages) - 1
        for path in archived:
            # verify_issued runs verify_pdf (as of the day of issue) and looks the file up.
            issued = verify_issued(config, path.read_bytes(), store=store)
            report = issued.signatures_report
            # The letter IT revoked is still genuine, signed and registered; only revoked.
            genuine = issued.ok or (issued.revoked and issued.number == result.revoked
                                    and issued.same_file and report.ok)
            if report.complete and genuine and len(report.signatures) == marks + 1:
                result.verified_pyhanko += 1
            else:
                problems.append(f"{path.name}: pyHanko: {report.problems} {report.missing}")
            sigs = [s for s in pdfsig_check(path, config.trust.roots)
                    if not s.is_document_timestamp]   # the archive timestamp (B-LTA)
            if len(sigs) == marks + 1 and all(s.ok for s in sigs):
                result.verified_pdfsig += 1
            else:
                problems.append(f"{path.name}: pdfsig: {[s.to_dict() for s in sigs]}")

        # 4. The audit log and its cross-checks.
        ok, lines = verify_audit(config)
        if not ok:
            problems += [f"audit: {line}" for line in lines]

        # 5. No temporary or partial file anywhere.
        problems += leftover_files(ws.root)

        # 6. Every mail delivered exactly once.
        delivered = smtp.count_by_message_id()
        result.mails_sent = sum(delivered.values())
        result.duplicate_deliveries = sum(c - 1 for c in delivered.values() if c > 1)
        for mid, count in delivered.items():
            if count > 1:
                problems.append(f"mail {mid} delivered {count} times")
        rows = store.execute("SELECT message_id, status, kind FROM mail").fetchall()
        queued = {r["message_id"] for r in rows}
        if set(delivered) != queued:
            missing = sorted((r["message_id"], r["kind"], r["status"]) for r in rows
                             if r["message_id"] not in delivered)
            problems.append(f"mail: {len(queued)} queued, {len(delivered)} distinct delivered; "
                            f"missing (id, kind, status) {missing[:5]}")
        not_sent = [r["message_id"] for r in rows if r["status"] != "sent"]
        if not_sent:
            problems.append(f"mail not sent: {not_sent[:5]}")
        terbit = sum(1 for r in rows if r["kind"] == "terbit")
        if terbit != n:
            problems.append(f"{terbit} 'terbit' mails for {n} cases")

        # 6b. No secret in anything the service wrote (passphrases of the demo keys).
        problems += [f"secret leaked: {leak}" for leak in leaks(
            ws.root, workspace_secrets(ws.root), also=[office.service.log])]

        # 7. Every file an official moved was consumed by a transition or kept with a note.
        result.moves = len(journal)
        result.returns = sum(1 for m in journal if m.kind == "returned")
        problems += account_for_moves(office, journal, audit)
        result.refusals = sum(1 for e in audit if e.action == "stage.refused")
        result.kept_aside = sum(1 for p in ws.state.glob("cases/*/sisa/*")
                                if not re.fullmatch(r"SPT-\d{4}-\d{4,}( \(\d+\))?\.txt", p.name)
                                and not p.name.endswith(".catatan.txt"))  # notes beside them
        returned = sum(1 for e in audit if e.action == "stage.returned")
        if returned != result.returns:
            problems.append(f"{result.returns} returns made, {returned} recorded")
    finally:
        store.close()
    log_text = office.service.log.read_text(errors="replace")
    result.errors_logged = sum(1 for line in log_text.splitlines() if " ERROR " in line)


def account_for_moves(office: Office, journal: list[Move], audit) -> list[str]:
    """Each move is in the audit log at its stage (agreed, returned, or refused and kept)."""
    wf, ws = office.workflow, office.ws
    seen: dict[tuple[str, str, str], list[str]] = {}
    for e in audit:
        if e.action in ("stage.agreed", "stage.returned", "stage.refused") and e.case_id:
            seen.setdefault((e.case_id, e.stage, e.file_sha256), []).append(e.action)
    problems = []
    for m in journal:
        key = wf.stages[m.stage].key
        if (m.case, key, m.sha256) in seen:
            continue
        problems.append(f"{m.case}: {m.kind} at {key} ({m.name}, {m.sha256[:12]}) not accounted")
    for sf in ws.stage_folders:
        for folder in (sf.root, sf.agreed, sf.returned):
            for p in folder.iterdir():
                if p.name.endswith(".galat.txt"):
                    # The officials here never do anything wrong: any note is a false alarm.
                    problems.append(f"note to an official: {p.relative_to(ws.root)}: "
                                    f"{p.read_text(errors='replace')[:200]!r}")
                elif p.is_file() and p.name.startswith("SPT-"):
                    problems.append(f"left in {p.relative_to(ws.root)}")
    return problems


PARTIAL = re.compile(r"(\.part|\.tmp|\.crdownload|~)$")


def leftover_files(root: Path) -> list[str]:
    """Temporary or half-written files: ours, LibreOffice's, or content that fails its hash."""
    problems = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        name = path.name
        if name.startswith(TEMP_PREFIX) or PARTIAL.search(name) or name.startswith(".~lock"):
            problems.append(f"temporary file left: {rel}")
        elif path.is_dir() and rel.parts[:3] == ("state", "libreoffice", "soffice") and \
                name.startswith("out-"):
            problems.append(f"temporary folder left: {rel}")
    for path in root.glob("state/cases/*/files/*"):
        if path.stem != sha256_file(path):
            problems.append(f"partial content file: {path.relative_to(root)}")
    for path in root.glob("state/sources/*"):
        if path.stem != sha256_file(path):
            problems.append(f"partial source file: {path.relative_to(root)}")
    for path in root.rglob("*.pdf"):
        with open(path, "rb") as fh:
            head = fh.read(5)
            fh.seek(max(0, path.stat().st_size - 1024))
            tail = fh.read()
        if head != b"%PDF-" or b"%%EOF" not in tail:
            problems.append(f"truncated PDF: {path.relative_to(root)}")
    for path in root.rglob("*.eml"):
        if b"\r\n\r\n" not in path.read_bytes()[:65536]:
            problems.append(f"truncated mail: {path.relative_to(root)}")
    return problems
