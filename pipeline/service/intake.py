"""Taking invitations from ``inbox/``: each usable file opens one case; the rest is set aside.

Accepted files move to ``inbox/diproses/``; anything unusable moves to
``inbox/ditolak/`` with ``<name>.alasan.txt`` saying why, in Indonesian. A
note ``<same name>.txt`` beside an invitation names the employees to assign
(by NIP or name) and, optionally, the pemohon's email address. The same file
dropped twice opens one case (its hash is remembered).
"""

from __future__ import annotations

import logging
import os
import re
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.core.dates_id import format_moment
from pipeline.directory import DirectoryError, EmployeeDirectory
from pipeline.extract.limits import ExtractLimits
from pipeline.folders.atomic import (
    is_temporary,
    move_into,
    sha256_bytes,
    sha256_file,
    write_atomic,
)
from pipeline.folders.layout import note_path
from pipeline.folders.settle import SettleTracker
from pipeline.service import draft_steps
from pipeline.service.office import InOffice, Office
from pipeline.store.audit import AuditAction
from pipeline.store.cases import CaseRecord
from pipeline.untrusted.files import (
    Unusable,
    not_plain_reason,
    read_file,
    sniff,
)
from pipeline.untrusted.names import sanitize_filename
from pipeline.untrusted.people_text import decode_text, is_working_file, looks_complete
from pipeline.untrusted.reading import Untrusted, is_plain_file, read_untrusted

if TYPE_CHECKING:
    from pipeline.service.notify import Notifier

log = logging.getLogger("spt.intake")

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
LONE_NOTE_SECONDS = 600


@dataclass
class IntakeResult:
    opened: list[CaseRecord] = field(default_factory=list)
    duplicates: list[tuple[str, CaseRecord]] = field(default_factory=list)  # (name, existing)
    refused: list[tuple[str, str]] = field(default_factory=list)            # (name, reason)
    message: object | None = None  # the email it came in, to answer its sender


class Intake(InOffice):
    """``parse`` runs a :mod:`pipeline.service.draft_steps` check where files are parsed
    (:meth:`pipeline.service.drafting.DraftWorker.call`: the drafting worker process)."""

    def __init__(self, office: Office, *, notifier: Notifier | None,
                 parse: Callable[..., Any]):
        super().__init__(office)
        self.notifier = notifier
        self.parse = parse
        self.limits = ExtractLimits.from_config(office.config.limits)
        # Inbox files found unusable while not yet quiet for judge_after_seconds, by their
        # (size, mtime): not parsed again until they change or may be judged.
        self._unusable: dict[Path, tuple[int, int] | None] = {}

    # --- the inbox folder ------------------------------------------------------------

    def scan(self, settle: SettleTracker) -> list[CaseRecord]:
        """Take every settled file in ``inbox/``; return the cases that need attention."""
        touched: list[CaseRecord] = []
        try:
            entries = sorted(self.ws.inbox.iterdir())
        except FileNotFoundError:
            self.ws.inbox.mkdir(parents=True, exist_ok=True)
            return touched
        except OSError as exc:  # a dropped share, an I/O error: look again at the next scan
            log.error("cannot read %s: %s", self.ws.inbox, exc)
            return touched
        self._retry_refused(settle)
        for path in entries:
            name = path.name
            if (path in (self.ws.inbox_accepted, self.ws.inbox_rejected) or is_temporary(name)
                    or is_working_file(name)):
                continue
            try:
                kind = _odd_kind(path)
                if kind is not None:
                    # Links and folders at once; anything else (a pipe, a hard link that may
                    # be half of a move) once it has stayed so.
                    if kind in ("link", "folder") or settle.is_settled(path):
                        self.reject(path, not_plain_reason(kind))
                    continue
                if name.lower().endswith(".txt"):
                    self._lone_note(path, entries)
                    continue
                if not settle.is_settled(path):
                    continue
                if not looks_complete(path) and not settle.is_settled(
                        path, self.config.watch.incomplete_after_seconds):
                    continue  # a PDF without its %%EOF, a DOCX without its zip directory
                may_refuse = settle.is_settled(path, self.config.watch.judge_after_seconds)
                signature = _signature(path)
                if not may_refuse and self._unusable.get(path) == signature:
                    continue  # found unusable as it is; judged once quiet long enough
                result = self.accept_file(path, may_refuse=may_refuse)
                if result is None:
                    self._unusable[path] = signature
                    continue
                self._unusable.pop(path, None)
                settle.forget(path)
                touched += result.opened + [c for _, c in result.duplicates]
            except FileNotFoundError:
                settle.forget(path)
            except Exception:
                log.exception("error taking %r from the inbox; will retry", name)
        return touched

    def _lone_note(self, path: Path, entries: list[Path]) -> None:
        if any(p != path and _note_beside(p) == path for p in entries):
            return  # it belongs to an invitation still arriving
        if time.time() - path.stat().st_mtime > LONE_NOTE_SECONDS:
            self.reject(path, "Catatan ini tidak disertai berkas undangan dengan nama yang sama.")

    def accept_file(self, path: Path, *, may_refuse: bool = True) -> IntakeResult | None:
        """Open the case(s) of ``path``; ``None`` when it is unusable as it is but
        ``may_refuse`` is false (it may still be arriving: judged later)."""
        note_path = _note_beside(path)
        note = _read_note(note_path) if note_path else ""
        try:
            data = read_file(path, self.limits)  # once, safely: what is checked is used
            inv = self.parse(draft_steps.check_file, data, path.name, self.limits)
            if inv.kind == "eml":
                result = self._accept_eml(data)
            else:
                result = IntakeResult()
                self._open(result, data, inv.kind, path.name,
                           pemohon=_first_email(note), note=note, via="inbox")
        except Unusable as exc:
            if not may_refuse:
                log.info("inbox: %r is not usable yet (%s); judged once it stays unchanged",
                         path.name, exc.reason)
                return None
            self.reject(path, exc.reason, note_path)
            refused = IntakeResult(refused=[(path.name, exc.reason)])
            if isinstance(exc, _RefusedMail) and exc.message is not None:
                self.notifier.intake_reply(exc.message, refused)  # its sender is told why
            return refused
        # Our own earlier intake of this very file, interrupted before the move: finish it.
        own = [c for _, c in result.duplicates if not c.source_done]
        taken = result.opened + own
        if taken:
            self._accepted(path, note_path, taken)
            if result.message is None and self.notifier is not None:
                # A file whose note names the pemohon: tell them it arrived.
                for case in result.opened:
                    self.notifier.acknowledge(case)
        elif result.duplicates:
            _, existing = result.duplicates[0]
            self.reject(path, (
                f"Undangan ini sudah diterima sebelumnya sebagai kasus {existing.id} "
                f"(berkas {existing.source_name}); tidak dibuka dua kali."
            ), note_path)
        else:
            reason = "; ".join(r for _, r in result.refused) or "Tidak ada undangan yang terbaca."
            self.reject(path, reason, note_path)
        if result.message is not None:
            self.notifier.intake_reply(result.message, result)
        return result

    def _retry_refused(self, settle: SettleTracker) -> None:
        """A file set aside that changed after its refusal (the copy went on: the service's
        move does not stop the sender's open handle) goes back into ``inbox/`` once quiet:
        refused and then completed under the same name, it is taken again."""
        try:
            entries = list(self.ws.inbox_rejected.iterdir())
        except OSError:
            return
        for path in entries:
            if path.name.endswith(".alasan.txt") or not is_plain_file(path):
                continue
            why = note_path_for(path)
            try:
                changed = path.stat().st_mtime_ns > why.stat().st_mtime_ns
            except FileNotFoundError:
                continue
            if not changed or not settle.is_settled(path, self.config.watch.judge_after_seconds):
                continue
            target = self.ws.inbox / path.name
            if os.path.lexists(target):
                continue
            note = _note_beside(path)  # set aside with it: it goes back with it
            if note is not None and not os.path.lexists(self.ws.inbox / note.name):
                os.replace(note, self.ws.inbox / note.name)
            os.replace(path, target)  # same folder tree: a rename
            why.unlink(missing_ok=True)
            settle.forget(path)
            with self.store.transaction():
                self.store.audit.append(AuditAction.INTAKE_RETRIED, at=self.clock.now(),
                                        detail={"name": path.name})
            log.info("inbox: %r changed after it was set aside; taking it again", path.name)

    def _accepted(self, path: Path, note_path: Path | None, cases: list[CaseRecord]) -> None:
        move_into(path, self.ws.inbox_accepted, name=sanitize_filename(path.name))
        if note_path is not None and os.path.lexists(note_path):
            move_into(note_path, self.ws.inbox_accepted, name=sanitize_filename(note_path.name))
        with self.store.transaction():
            for case in cases:
                self.store.cases.mark_source_done(case.id)
        log.info("took %r from the inbox: %s", path.name, ", ".join(c.id for c in cases))

    # --- email carriers -----------------------------------------------------------------

    def _accept_eml(self, data: bytes) -> IntakeResult:
        from pipeline.mail.incoming import IncomingRefused, parse_message

        try:
            msg = parse_message(data, max_bytes=self.limits.max_bytes)
        except IncomingRefused as exc:
            raise _RefusedMail(exc.reason, exc.message) from None
        result = self.accept_message(msg, via="inbox-eml")
        result.message = msg
        return result

    def accept_message(self, msg, *, via: str) -> IntakeResult:
        # ``via`` names the message too ("imap:<key>"), so a re-run after a crash knows
        # the cases it finds were opened by this very message.
        """One case per invitation attached to an email (from IMAP or a dropped .eml)."""
        result = IntakeResult()
        invitations = msg.invitations  # documents, or else photos of the letter
        if not invitations:
            result.refused.append(("", (
                "Surel tidak melampirkan surat undangan (PDF, DOCX, atau foto JPG/PNG). Undangan "
                "yang hanya ditulis di badan surel tidak dapat diproses: lampirkan surat "
                "undangannya."
            )))
            return result
        for att in invitations:
            try:
                if att.kind == "pdf":
                    self.parse(draft_steps.check_attached_pdf, att.data, self.limits)
                elif att.kind == "image":
                    self.parse(draft_steps.check_file, att.data, att.name, self.limits)
                self._open(result, att.data, att.kind, att.name, pemohon=msg.sender,
                           note=msg.body_text or "", via=via,
                           pemohon_name=getattr(msg, "sender_name", None))
            except Unusable as exc:
                result.refused.append((att.name, exc.reason))
        return result

    # --- opening a case -------------------------------------------------------------------

    def _open(self, result: IntakeResult, data: bytes, kind: str, name: str, *,
              pemohon: str | None, note: str, via: str,
              pemohon_name: str | None = None) -> None:
        if kind == "image":
            # A photo is kept as the PDF every official sees and the OCR reads (deterministic:
            # the same photo gives the same PDF, so the same hash and one case).
            data = self.parse(draft_steps.photo_pdf, data)
            kind = "pdf"
        sha = sha256_bytes(data)
        existing = self.store.cases.by_source(sha)
        if existing:
            result.duplicates.append((name, existing))
            return
        source = self.ws.state / "sources" / f"{sha}.{kind}"
        if not source.exists():
            write_atomic(source, data)
        assignees = self._named(note)
        now = self.clock.now()
        with self.store.transaction():
            existing = self.store.cases.by_source(sha)
            if existing:
                result.duplicates.append((name, existing))
                return
            case = self.store.cases.open(
                now=now, tz=self.config.tz, source_sha256=sha, source_name=sanitize_filename(name),
                source_ext=kind, pemohon=pemohon, assignees=assignees,
            )
            self.store.audit.append(
                AuditAction.CASE_OPENED, case_id=case.id, actor=pemohon or "pemohon",
                file_sha256=sha, at=now,
                detail={"name": sanitize_filename(name), "via": via, "note": note[:2000],
                        "assignees": [a["nip"] for a in assignees],
                        "pemohon_name": (pemohon_name or "")[:200]},
            )
        log.info("%s opened from %s (%s)", case.id, sanitize_filename(name), via)
        result.opened.append(case)

    def _named(self, note: str) -> list[dict]:
        if not note.strip():
            return []
        try:
            directory = EmployeeDirectory.load(self.config.pegawai_csv)
        except DirectoryError as exc:
            log.error("employee directory unusable: %s", exc)
            return []
        return [e.as_assignee() for e in directory.named_in(note)]

    # --- refusing ---------------------------------------------------------------------------

    def reject(self, path: Path, reason: str, note_path: Path | None = None) -> Path | None:
        """Move ``path`` to ``inbox/ditolak/`` with ``<name>.alasan.txt``; never deletes it."""
        sha = None
        try:
            if is_plain_file(path):  # never read through a link, hard or symbolic
                sha = sha256_file(path)
        except OSError:
            pass
        try:
            kept = move_into(path, self.ws.inbox_rejected, name=sanitize_filename(path.name))
        except FileNotFoundError:
            return None
        if note_path is not None and os.path.lexists(note_path):
            move_into(note_path, self.ws.inbox_rejected, name=sanitize_filename(note_path.name))
        stamp = format_moment(self.clock.now(), self.config.tz)
        write_atomic(note_path_for(kept), (
            f"Berkas: {path.name!r}\nDitolak pada: {stamp}\n\nAlasan: {reason}\n"
        ))
        with self.store.transaction():
            self.store.audit.append(AuditAction.INTAKE_REJECTED, file_sha256=sha,
                                    at=self.clock.now(),
                                    detail={"name": sanitize_filename(path.name),
                                            "reason": reason})
        log.warning("inbox: set aside %r: %s", path.name, reason)
        return kept


class _RefusedMail(Unusable):
    """A dropped email refused as a whole; ``message`` holds what its headers say (or None)."""

    def __init__(self, reason: str, message):
        super().__init__(reason)
        self.message = message


def note_path_for(kept: Path) -> Path:
    return note_path(kept, ".alasan.txt")


def _odd_kind(path: Path) -> str | None:
    """What an inbox entry is if not a plain file: link, folder, hard link, other; else None."""
    st = path.lstat()
    if stat.S_ISLNK(st.st_mode):
        return "link"
    if stat.S_ISDIR(st.st_mode):
        return "folder"
    if not stat.S_ISREG(st.st_mode):
        return "not a file"
    return "hard link" if st.st_nlink > 1 else None


def _read_note(path: Path) -> str:
    """The note beside an invitation, decoded as Windows writes it (BOM, UTF-8, cp1252)."""
    try:
        data = read_untrusted(path, 20000, truncate=True)
    except Untrusted as exc:
        log.warning("inbox: the note %r is not a plain file (%s); not read", path.name, exc.kind)
        return ""
    except OSError:
        return ""
    return decode_text(data)


def _note_beside(path: Path) -> Path | None:
    """The note of invitation ``path``: ``<stem>.txt`` as people name it with extensions
    hidden or shouted (``.TXT``, ``<stem>.txt.txt``, ``<name>.pdf.txt``)."""
    if path.suffix.lower() == ".txt":
        return None
    try:
        names = {p.name: p for p in path.parent.iterdir()}
    except OSError:
        return None
    wanted = {f"{path.stem}.txt", f"{path.stem}.txt.txt", f"{path.name}.txt"}
    for name, p in sorted(names.items()):
        if name.lower() in {w.lower() for w in wanted} and p != path:
            return p
    return None


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        st = path.lstat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def _first_email(text: str) -> str | None:
    m = EMAIL.search(text or "")
    return m.group(0).lower() if m else None


__all__ = ["Intake", "IntakeResult", "sniff"]
