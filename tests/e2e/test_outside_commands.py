"""IT's commands beside the running service: no stale reads, no lost writes.

The service runs with every channel it has (mail in and out, approval by reply,
reminders, the verification page in its own process) while a second thread runs
what IT runs from a shell, in a loop: ``spt status``, ``spt agenda``, ``spt verify``,
``spt audit verify`` and, once, ``spt revoke``. Cases advance all the while.

What a user would check, each time a command ran:

- it saw every commit the service had made before the command started. The test
  knows those commits from their effects, which the service performs only after
  committing (crash safety: compute, commit, then show): a draft published in a stage
  folder, a letter delivered to the pemohon, an IMAP message moved to ``SPT/Diproses``;
- the service never writes into a deleted ``-wal`` or ``-shm`` file (``/proc/PID/fd``);
- after a SIGKILL of the service, nothing it had committed is missing.

On the code before issue 15 the first outside command to close its connection
unlinked the WAL (the service's POSIX locks had been dropped by a stray
``os.close(os.open(db))``) and everything after it was invisible, then lost.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from pipeline.simulate import wait_until
from pipeline.store import Store
from tests.integration.mail.mail_servers import free_port

from .conftest import SAMPLES, Office
from .test_mail_service import PEMOHON, delivered, invitation, mail_office, reply, servers

pytestmark = pytest.mark.slow
__all__ = ["servers"]  # the fixture, imported for this module's tests


def spt(office: Office, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args, "--config", str(office.config_path)],
        capture_output=True, text=True, timeout=timeout, cwd=office.ws.root,
    )


@dataclass
class Facts:
    """What the service had visibly done (so, committed) at one instant."""

    stage_of: dict[str, int] = field(default_factory=dict)     # case -> folder it is shown in
    issued: dict[str, Path] = field(default_factory=dict)     # case -> the PDF the pemohon got
    number: dict[str, str] = field(default_factory=dict)      # case -> its number, from the mail
    received: set[str] = field(default_factory=set)           # cases whose receipt was taken


class Observer:
    """Reads the service's effects: folders, the SMTP sink, the IMAP folders."""

    def __init__(self, office: Office, smtp, dovecot, out: Path):
        self.office, self.smtp, self.dovecot, self.out = office, smtp, dovecot, out
        self.receipts: dict[str, bytes] = {}     # case -> the receipt reply appended

    def facts(self) -> Facts:
        facts = Facts()
        ws = self.office.ws
        for index, _sf in enumerate(ws.stage_folders):
            for path in self.office.officials.folder(index).glob("SPT-*.*"):
                case = path.name.split(".")[0]
                if path.suffix in (".pdf", ".docx") and case.count("-") == 2:
                    facts.stage_of[case] = max(facts.stage_of.get(case, -1), index)
        for item in list(self.smtp.received):
            msg = message_from_bytes(item.data, policy=policy.default)
            if msg["X-SPT-Kind"] != "terbit" or PEMOHON not in item.rcpt_tos:
                continue
            subject = str(msg["Subject"])
            case = re.search(r"SPT-\d{4}-\d{4}", subject).group(0)
            facts.number[case] = re.search(r"Nomor (\S+)", subject).group(1)
            pdf = self.out / f"{case}.pdf"
            if not pdf.exists():
                for part in msg.iter_attachments():
                    if part.get_content_type() == "application/pdf":
                        pdf.write_bytes(part.get_content())
            facts.issued[case] = pdf
        done = set(self.dovecot.message_ids("SPT/Diproses"))
        for case, data in self.receipts.items():
            if str(message_from_bytes(data)["Message-ID"]).strip() in done:
                facts.received.add(case)
        return facts


class OutsideCommands(threading.Thread):
    """IT at a shell: one command after another until told to stop; every mismatch kept."""

    def __init__(self, office: Office, observer: Observer):
        super().__init__(name="outside-commands", daemon=True)
        self.office, self.observer = office, observer
        self.stop = threading.Event()
        self.runs: dict[str, int] = {}
        self.problems: list[str] = []
        self.revoked: str | None = None
        self.audit_entries_seen = 0

    def run(self) -> None:
        commands = ("status", "agenda", "audit", "verify", "revoke")
        turn = 0
        while not self.stop.is_set():
            name = commands[turn % len(commands)]
            turn += 1
            facts = self.observer.facts()
            try:
                getattr(self, f"_{name}")(facts)
            except Exception as exc:  # kept: the test fails with it
                self.problems.append(f"{name}: {exc!r}")
            self.runs[name] = self.runs.get(name, 0) + 1

    def _status(self, facts: Facts) -> None:
        out = spt(self.office, "status", "--all", "--json")
        assert out.returncode == 0, out.stderr
        rows = {r["case"]: r for r in json.loads(out.stdout)["cases"]}
        for case, stage in facts.stage_of.items():
            row = rows.get(case)
            if row is None:
                self.problems.append(f"spt status: {case} (shown at stage {stage}) missing")
            elif row["status"] == "in_chain" and row.get("stage", stage) < stage:
                self.problems.append(f"spt status: {case} at stage {row.get('stage')}, "
                                     f"but already shown in stage {stage}'s folder")
        for case in facts.issued:
            status = rows.get(case, {}).get("status")
            if status not in ("issued", "closed"):
                self.problems.append(f"spt status: {case} delivered to the pemohon but {status}")

    def _agenda(self, facts: Facts) -> None:
        target = self.observer.out / "agenda.csv"
        out = spt(self.office, "agenda", "--csv", str(target))
        assert out.returncode == 0, out.stderr
        with target.open(encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        by_number = {r[0]: r for r in rows[1:]}
        for case in facts.issued:
            if facts.number[case] not in by_number:
                self.problems.append(f"spt agenda: {case} delivered but not in the agenda")
        for case in facts.received:
            if PEMOHON not in ",".join(by_number.get(facts.number[case], [])[6:8]):
                self.problems.append(f"spt agenda: the receipt of {case} is missing")

    def _audit(self, facts: Facts) -> None:
        out = spt(self.office, "audit", "verify")
        if out.returncode != 0:
            self.problems.append(f"spt audit verify failed: {out.stdout}{out.stderr}")
        store = Store(self.office.ws.database)
        try:
            self.audit_entries_seen = max(self.audit_entries_seen, len(store.audit.all()))
        finally:
            store.close()

    def _verify(self, facts: Facts) -> None:
        for case, pdf in facts.issued.items():
            out = spt(self.office, "verify", str(pdf))
            if out.returncode != 0 and not (self.revoked and self.revoked in out.stdout):
                self.problems.append(f"spt verify {case}: {out.stdout.strip()[-300:]}")

    def _revoke(self, facts: Facts) -> None:
        if self.revoked or not facts.issued:
            return
        number = facts.number[sorted(facts.issued)[0]]
        out = spt(self.office, "revoke", number, "--alasan", "uji: dicabut oleh TI")
        assert out.returncode == 0, out.stdout + out.stderr
        self.revoked = number


class DeletedFileWatch(threading.Thread):
    """Looks at a process's open files: the WAL or SHM must never be a deleted file."""

    def __init__(self, pids: list[int]):
        super().__init__(name="fd-watch", daemon=True)
        self.pids = pids
        self.stop = threading.Event()
        self.seen: set[str] = set()
        self.looks = 0

    def run(self) -> None:
        while not self.stop.wait(0.05):
            for pid in self.pids:
                try:
                    names = os.listdir(f"/proc/{pid}/fd")
                except FileNotFoundError:
                    continue
                for fd in names:
                    try:
                        target = os.readlink(f"/proc/{pid}/fd/{fd}")
                    except OSError:
                        continue
                    if "spt.sqlite3" in target and target.endswith("(deleted)"):
                        self.seen.add(f"PID {pid}: {target}")
            self.looks += 1


def test_outside_commands_see_every_commit_and_a_kill_loses_none(tmp_path, servers):
    dovecot, smtp = servers
    office = mail_office(tmp_path, dovecot, smtp, approval_by_reply=True)
    office.service.start()
    web_port = free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "web", "--config", str(office.config_path),
         "--port", str(web_port)], cwd=office.ws.root,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = tmp_path / "seen"
    out.mkdir()
    observer = Observer(office, smtp, dovecot, out)
    it = OutsideCommands(office, observer)
    fds = DeletedFileWatch([office.service.proc.pid, web.pid])
    fds.start()
    o, wf = office.officials, office.workflow
    try:
        known: set[str] = set()
        dovecot.append(invitation(SAMPLES / "undangan-dev-01.pdf"))
        first = o.new_cases(known, timeout=90)[0]
        known.add(first)
        it.start()  # IT starts running commands once the service has a case
        o.drop_invitation(SAMPLES / "undangan-dev-03.pdf",
                          note=f"19650809 198603 1 012\nPemohon: {PEMOHON}")
        second = o.new_cases(known, timeout=90)[0]
        known.add(second)

        # The first case: kasubag agrees by reply (the IMAP thread's path), the rest by folder.
        o.agree(first, 0)
        note = wait_until(lambda: delivered(smtp, to=wf.stages[1].person.email, kind="tahap",
                                            case=first), timeout=60, what="the stage mail")
        dovecot.append(reply(note, sender=wf.stages[1].person.email, first_line="SETUJU"))
        o.wait_for(first, 2)
        for stage in range(2, len(wf.stages)):
            o.agree(first, stage)
        issued = wait_until(lambda: delivered(smtp, to=PEMOHON, kind="terbit", case=first),
                            timeout=90, what="the first letter delivered")
        receipt = reply(issued, sender=PEMOHON, first_line="DITERIMA, terima kasih.")
        observer.receipts[first] = receipt
        dovecot.append(receipt)
        wait_until(lambda: first in observer.facts().received, timeout=60,
                   what="the receipt to be taken")

        # The second case advances while the commands run; the service is killed mid-chain.
        for stage in range(len(wf.stages) - 2):
            o.agree(second, stage)
        o.wait_for(second, len(wf.stages) - 2)
        # The first letter is out: IT's next `spt revoke` turn revokes it.
        wait_until(lambda: (it.revoked or it.problems) and min(
            it.runs.get(c, 0) for c in ("status", "agenda", "verify", "audit")) >= 2,
                   timeout=240, what="every outside command to have run twice, and a revoke")
        it.stop.set()
        it.join(120)
        before_kill = observer.facts()
        fds.stop.set()
        fds.join(5)
        office.service.kill()
    finally:
        it.stop.set()
        fds.stop.set()
        web.terminate()
        web.wait(30)
        office.service.stop()

    print(f"\noutside commands run: {it.runs}; fd looks: {fds.looks}")
    assert not fds.seen and not it.problems, (
        f"journal files unlinked under a process: {sorted(fds.seen)}\n"
        f"what the outside commands missed:\n" + "\n".join(it.problems))

    # After the SIGKILL: everything the service had shown (so committed) is in the database.
    store = Store(office.ws.database)
    try:
        assert len(store.audit.all()) >= it.audit_entries_seen
        assert store.audit.verify() is None
        for case, stage in before_kill.stage_of.items():
            record = store.cases.get(case)
            assert record is not None, case
            if case not in before_kill.issued:
                assert record.state.stage >= stage, (case, record.state.stage, stage)
        for case in before_kill.issued:
            entry = store.agenda.for_case(case)
            assert entry is not None, f"{case} was delivered, the agenda lost it"
        assert store.agenda.for_case(first).received_by == PEMOHON
        assert it.revoked and store.agenda.by_number(it.revoked).revoked_at is not None
    finally:
        store.close()
