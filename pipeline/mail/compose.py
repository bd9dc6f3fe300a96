"""Outgoing mail text: every mail the service sends, rendered from ``templates/email/``.

Each kind of mail has three templates, ``<kind>.subject.txt``, ``<kind>.txt``
and ``<kind>.html`` (inline styles only, no external resources), and one
method here that returns an :class:`email.message.EmailMessage`: plain text
plus HTML as ``multipart/alternative``, the issued SPT attached as PDF for
``terbit``. Values from outside (an invitation's ``hal``, a sender's name,
a reason someone typed) are escaped in HTML (autoescape) and flattened to
one line in headers, so they can neither inject markup nor headers.

The ``Message-ID`` is the caller's: pass :meth:`pipeline.mail.outbox.Outbox.message_id`
of the mail's key so that a mail composed twice is the same mail
(:meth:`~pipeline.mail.outbox.Outbox.enqueue` sets it in any case). Where a
reply can act, the per-case, per-stage token is shown as a ``Token: …`` line
and in ``X-SPT-Token``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from pipeline.config import Config
from pipeline.core.dates_id import format_date, format_moment, format_range
from pipeline.core.nip import InvalidNip, parse_nip
from pipeline.core.workflow import Action, SigningMode, Stage

KINDS = (
    "tahap", "dikembalikan", "terbit", "pengingat", "pengingat_terima", "ditolak", "diterima",
    "balasan_ditolak", "eskalasi", "tidak_diproses", "spt_pegawai", "batal",
)
# Context values kept with their line breaks (everything else is flattened to one line).
MULTILINE = frozenset({"alasan", "keadaan", "catatan"})
# Replies to a message the sender wrote (RFC 3834 "auto-replied"); the rest are notifications.
REPLY_KINDS = frozenset({"ditolak", "diterima", "balasan_ditolak"})


_TINDAKAN = {
    Action.DRAFT: ("Draf SPT perlu diperiksa", "pemeriksaan dan penyempurnaan draf"),
    Action.PARAF: ("SPT menunggu paraf Anda", "paraf Anda"),
    Action.TANDATANGAN: ("SPT menunggu tanda tangan Anda", "tanda tangan Anda"),
}


@dataclass(frozen=True)
class OpenedCase:
    """One case opened from an email, for the ``diterima`` acknowledgement."""

    case_id: str
    berkas: str             # the invitation file's (sanitised) name
    catatan: str | None = None


@dataclass(frozen=True)
class Attachment:
    """A file attached to a mail (the letter to review, the invitation, an SPT)."""

    name: str
    data: bytes
    maintype: str = "application"
    subtype: str = "pdf"


@dataclass(frozen=True)
class StageFiles:
    """What a stage mail says about the files: their names in the folder, what is attached.

    ``undangan`` is the invitation's name as it really is in the folder
    (``<case>-undangan.docx`` for a DOCX invitation); ``tertinggal``: ``(name, MB)``
    of each file left out because it would exceed ``mail.attachment_max_mb``.
    """

    undangan: str | None = None
    lampiran: tuple[Attachment, ...] = ()
    tertinggal: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class RefusedFile:
    berkas: str | None      # None: the message itself (e.g. no attachment)
    alasan: str


class MailComposer:
    """Renders each kind of mail; one instance per service (templates are cached)."""

    def __init__(self, config: Config, templates_dir: Path | None = None, *,
                 now: Callable[[], dt.datetime] | None = None):
        self.config = config
        self.templates_dir = Path(templates_dir) if templates_dir else default_templates_dir(
            config)
        self._now = now or (lambda: dt.datetime.now(dt.UTC))
        self.workflow = config.workflow()
        self.env = Environment(
            loader=FileSystemLoader(str(self.templates_dir)),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False,
                                         default_for_string=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters["tanggal"] = format_tanggal
        self.env.filters["waktu"] = lambda moment: format_waktu(moment, self.config)
        self.env.filters["durasi"] = format_durasi
        self.env.filters["judul"] = format_judul
        self.env.filters["paragraf"] = format_paragraf

    # --- the kinds --------------------------------------------------------

    def tahap(self, stage: Stage, *, case_id: str, hal: str | None, pengirim: str | None,
              folder: str | Path, due_at: dt.datetime | None = None, token: str | None = None,
              nomor_undangan: str | None = None, files: StageFiles | None = None,
              message_id: str | None = None, catatan: str | None = None) -> EmailMessage:
        """A case reached ``stage``: what, where, what moving it does, by when; files attached;
        ``catatan`` is the system's note for the stage (for the drafter: warnings, names
        left out)."""
        return self._stage_mail("tahap", stage, case_id=case_id, token=token, files=files,
                                message_id=message_id, context=dict(
                                    hal=hal, pengirim=pengirim, nomor_undangan=nomor_undangan,
                                    folder=str(folder), batas=due_at,
                                    catatan=(catatan or "").strip() or None))

    def dikembalikan(self, stage: Stage, *, case_id: str, hal: str | None,
                     pengirim: str | None, folder: str | Path, alasan: str,
                     dikembalikan_oleh: str, due_at: dt.datetime | None = None,
                     token: str | None = None, nomor_undangan: str | None = None,
                     files: StageFiles | None = None, message_id: str | None = None
                     ) -> EmailMessage:
        """A case came back to ``stage`` with ``alasan`` from ``dikembalikan_oleh``."""
        return self._stage_mail("dikembalikan", stage, case_id=case_id, token=token,
                                files=files, message_id=message_id, context=dict(
                                    hal=hal, pengirim=pengirim, nomor_undangan=nomor_undangan,
                                    folder=str(folder), batas=due_at, alasan=alasan.strip(),
                                    dikembalikan_oleh=dikembalikan_oleh))

    def pengingat(self, stage: Stage, *, case_id: str, hal: str | None, folder: str | Path,
                  since: dt.datetime, due_at: dt.datetime | None = None,
                  token: str | None = None, files: StageFiles | None = None,
                  message_id: str | None = None) -> EmailMessage:
        """Reminder: the case has waited at ``stage`` since ``since`` (overdue at ``due_at``)."""
        return self._stage_mail("pengingat", stage, case_id=case_id, token=token, files=files,
                                message_id=message_id, context=dict(
                                    hal=hal, folder=str(folder), batas=due_at, sejak=since))

    def tidak_diproses(self, stage: Stage, *, case_id: str, hal: str | None,
                       folder: str | Path, catatan: str, files: StageFiles | None = None,
                       message_id: str | None = None,
                       back_to_drafting: bool = False) -> EmailMessage:
        """A file the official moved was refused: the note's text, and what to do now
        (``back_to_drafting``: nothing, the case went back to the drafter)."""
        return self._stage_mail("tidak_diproses", stage, case_id=case_id, token=None,
                                files=files, message_id=message_id, context=dict(
                                    hal=hal, folder=str(folder), catatan=catatan.strip(),
                                    ke_penyusunan=back_to_drafting))

    def eskalasi(self, *, to: str, to_name: str = "", case_id: str, hal: str | None,
                 tahap: str, pejabat: str | None, since: dt.datetime, due_at: dt.datetime,
                 minutes: float, standard_minutes: float, peran: str = "ti",
                 otomatis: bool = False, message_id: str | None = None) -> EmailMessage:
        """To someone above the late stage: a case overstays twice its mutu baku.

        ``peran`` says why they get it (:class:`pipeline.ops.reminders.EscalatedTo`:
        ``atasan``, ``tahap_atas`` or ``ti``); ``otomatis``: the late step is the
        service's own (numbering), so IT is asked to look at the service.
        ``due_at`` is the step's deadline, the same one the reminder named.
        """
        return self.render("eskalasi", to=to, to_name=to_name, case_id=case_id,
                           message_id=message_id, context=dict(
                               hal=hal, tahap=tahap, pejabat=pejabat, sejak=since,
                               batas=due_at, menit=minutes, mutu_baku=standard_minutes,
                               peran=peran, otomatis=otomatis))

    def terbit(self, *, to: str, to_name: str = "", case_id: str, nomor: str,
               tanggal: dt.date, hal: str | None, pdf: bytes, token: str,
               pdf_name: str | None = None, pegawai: Sequence[dict] = (),
               kegiatan: dict | None = None, tanpa_pemohon: bool = False,
               in_reply_to: str | None = None, message_id: str | None = None) -> EmailMessage:
        """The issued SPT to the pemohon, PDF attached; asks for DITERIMA as the receipt.

        Names the assignees (``pegawai``: the agenda's rows) and the event (``kegiatan``:
        acara, tanggal_mulai, tanggal_selesai, waktu, tempat). ``tanpa_pemohon``: nobody
        named a pemohon, so the drafter gets it to hand over.
        """
        name = pdf_name or f"{case_id}.pdf"
        msg = self.render("terbit", to=to, to_name=to_name, case_id=case_id, token=token,
                          message_id=message_id, in_reply_to=in_reply_to, context=dict(
                              nomor=nomor, tanggal=tanggal, hal=hal, berkas=name,
                              pegawai=_people(pegawai), tanpa_pemohon=tanpa_pemohon,
                              **_kegiatan(kegiatan)))
        msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=name)
        return msg

    def spt_pegawai(self, *, to: str, to_name: str, case_id: str, nomor: str,
                    tanggal: dt.date, hal: str | None, pdf: bytes, pdf_name: str,
                    pegawai: Sequence[dict] = (), kegiatan: dict | None = None,
                    message_id: str | None = None) -> EmailMessage:
        """An assignee's own copy of the SPT that assigns them (no receipt asked)."""
        msg = self.render("spt_pegawai", to=to, to_name=to_name, case_id=case_id,
                          message_id=message_id, context=dict(
                              nomor=nomor, tanggal=tanggal, hal=hal, berkas=pdf_name,
                              pegawai=_people(pegawai), **_kegiatan(kegiatan)))
        msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=pdf_name)
        return msg

    def pengingat_terima(self, *, to: str, to_name: str = "", case_id: str, nomor: str,
                         hal: str | None, issued_at: dt.datetime, token: str,
                         message_id: str | None = None) -> EmailMessage:
        """Receipt reminder to the pemohon: no DITERIMA yet."""
        return self.render("pengingat_terima", to=to, to_name=to_name, case_id=case_id,
                           token=token, message_id=message_id, context=dict(
                               nomor=nomor, hal=hal, terbit_pada=issued_at))

    def batal(self, *, to: str, to_name: str = "", case_id: str, hal: str | None,
              pengirim: str | None, nomor_undangan: str | None, alasan: str,
              dibatalkan_oleh: str, message_id: str | None = None) -> EmailMessage:
        """To the pemohon: the case was cancelled (``batal``), by whom and why."""
        return self.render("batal", to=to, to_name=to_name, case_id=case_id,
                           message_id=message_id, context=dict(
                               hal=hal, pengirim=pengirim, nomor_undangan=nomor_undangan,
                               alasan=alasan.strip(), dibatalkan_oleh=dibatalkan_oleh))

    def ditolak(self, *, to: str, to_name: str = "", alasan: str, subjek_asli: str = "",
                case_id: str | None = None, in_reply_to: str | None = None,
                message_id: str | None = None) -> EmailMessage:
        """An email (or its invitation) could not be used: why, and what is needed."""
        return self.render("ditolak", to=to, to_name=to_name, case_id=case_id,
                           message_id=message_id, in_reply_to=in_reply_to, context=dict(
                               alasan=alasan.strip(), subjek_asli=subjek_asli,
                               batas_mb=_mb(self.config)))

    def diterima(self, *, to: str, to_name: str = "", kasus: Sequence[OpenedCase],
                 ditolak: Sequence[RefusedFile] = (), subjek_asli: str = "",
                 lewat: str = "surel", in_reply_to: str | None = None,
                 message_id: str | None = None) -> EmailMessage:
        """Intake acknowledgement: one case per invitation file, and any file refused.

        ``lewat``: ``surel`` (the pemohon mailed it) or ``berkas`` (it was dropped in
        ``inbox/`` with a note naming them). Says what happens next, and who signs.
        """
        if not kasus:
            raise ValueError("diterima needs at least one opened case (else use ditolak)")
        return self.render("diterima", to=to, to_name=to_name, case_id=kasus[0].case_id,
                           message_id=message_id, in_reply_to=in_reply_to, context=dict(
                               kasus=list(kasus), ditolak=list(ditolak),
                               subjek_asli=subjek_asli, lewat=lewat,
                               penyusun=self.workflow.drafting.role,
                               penandatangan=self.workflow.signatory.role),
                           extra_cases=[c.case_id for c in kasus])

    def balasan_ditolak(self, *, to: str, to_name: str = "", alasan: str,
                        case_id: str | None = None, keadaan: str | None = None,
                        subjek_asli: str = "", in_reply_to: str | None = None,
                        message_id: str | None = None) -> EmailMessage:
        """A reply could not be acted on (e.g. the case moved on); ``keadaan``: where it is."""
        return self.render("balasan_ditolak", to=to, to_name=to_name, case_id=case_id,
                           message_id=message_id, in_reply_to=in_reply_to, context=dict(
                               alasan=alasan.strip(), keadaan=keadaan,
                               subjek_asli=subjek_asli))

    # --- rendering --------------------------------------------------------

    def _stage_mail(self, kind: str, stage: Stage, *, case_id: str, token: str | None,
                    message_id: str | None, context: dict[str, Any],
                    files: StageFiles | None = None) -> EmailMessage:
        tindakan, kegiatan = _TINDAKAN[stage.action]
        draft = stage.action is Action.DRAFT
        approver = stage.signing is SigningMode.APPROVER
        # Replies act only where the service marks for the official: not on the draft (it is
        # edited in the DOCX) and not where the official signs in their own PDF reader
        # (pipeline.service.mailin refuses those), so those mails do not offer it.
        reply_allowed = (bool(token) and self.config.mail.approval_by_reply
                         and not draft and not approver)
        files = files or StageFiles()
        stages = self.workflow.stages
        before = stages[stage.index - 1] if stage.index > 0 else None
        after = stages[stage.index + 1] if stage.index < len(stages) - 1 else None
        msg = self.render(
            kind, to=stage.person.email, to_name=stage.person.name, case_id=case_id,
            token=token if reply_allowed else None, message_id=message_id,
            context=dict(
                tahap=stage.role, tindakan=tindakan, kegiatan=kegiatan, draft=draft,
                approver=approver,
                tanda="paraf" if stage.action is Action.PARAF else "tanda tangan",
                terakhir=after is None,
                sebelumnya=f"{before.role} ({before.person.name})" if before else None,
                berikutnya=f"{after.role} ({after.person.name})" if after else None,
                berkas=f"{case_id}.docx" if draft else f"{case_id}.pdf",
                undangan=files.undangan or f"{case_id}-undangan.pdf",
                lampiran=[a.name for a in files.lampiran],
                tertinggal=[f"{name} ({_mb_text(mb)} MB)" for name, mb in files.tertinggal],
                batas_lampiran_mb=_mb_text(self.config.mail.attachment_max_mb),
                mutu_baku=stage.mutu_baku_minutes, reply_allowed=reply_allowed,
                **{"nomor_undangan": None, "pengirim": None, **context},
            ),
        )
        for item in files.lampiran:
            msg.add_attachment(item.data, maintype=item.maintype, subtype=item.subtype,
                               filename=item.name)
        return msg

    def render(self, kind: str, *, to: str, to_name: str = "", case_id: str | None,
               context: dict[str, Any], token: str | None = None,
               message_id: str | None = None, in_reply_to: str | None = None,
               extra_cases: Iterable[str] = ()) -> EmailMessage:
        """Render ``kind`` into a complete message (the per-kind methods call this)."""
        agency = self.config.agency
        flat = {k: (one_line(v) if isinstance(v, str) and k not in MULTILINE else v)
                for k, v in context.items()}
        values = dict(agency=agency, layanan=one_line(self.config.mail.from_name),
                      case_id=case_id, to_name=one_line(to_name), token=token, kind=kind, **flat)
        subject = one_line(self.env.get_template(f"{kind}.subject.txt").render(values))
        if case_id and f"[{case_id}]" not in subject:
            subject = f"[{case_id}] {subject}"
        values["subject"] = subject
        text = self.env.get_template(f"{kind}.txt").render(values)
        markup = self.env.get_template(f"{kind}.html").render(values)

        msg = EmailMessage()
        msg["From"] = Address(one_line(self.config.mail.from_name),
                              addr_spec=self.config.mail.from_address)
        msg["To"] = Address(one_line(to_name), addr_spec=to.strip())
        msg["Subject"] = subject
        msg["Date"] = email.utils.format_datetime(self._now().astimezone(self.config.tz))
        msg["Message-ID"] = message_id or email.utils.make_msgid(
            domain=self.config.mail.from_address.rsplit("@", 1)[-1])
        if in_reply_to:
            msg["In-Reply-To"] = in_reply_to
            msg["References"] = in_reply_to
        msg["Auto-Submitted"] = "auto-replied" if kind in REPLY_KINDS else "auto-generated"
        msg["X-Auto-Response-Suppress"] = "All"
        msg["Content-Language"] = "id"
        msg["X-SPT-Kind"] = kind
        cases = list(dict.fromkeys([*([case_id] if case_id else []), *extra_cases]))
        if cases:
            msg["X-SPT-Case"] = " ".join(cases)
        if token:
            msg["X-SPT-Token"] = token
        msg.set_content(_crlf_safe(text))
        msg.add_alternative(_crlf_safe(markup), subtype="html")
        return msg


def default_templates_dir(config: Config) -> Path:
    """The workspace's ``templates/email`` if present, else the repository's."""
    own = config.templates_dir / "email"
    if own.is_dir():
        return own
    from pipeline.resources import templates_source

    return templates_source() / "email"


# --- formatting (Indonesian) ----------------------------------------------------------------


def one_line(text: str | None) -> str:
    """Header-safe: control characters and line breaks become spaces, runs collapsed."""
    text = "".join(" " if (ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or c in "\u2028\u2029") else c
                   for c in (text or ""))
    return " ".join(text.split())[:300]


_KECIL = frozenset({"dan", "atau", "serta", "di", "ke", "dari", "untuk", "yang", "pada", "dengan"})


def format_judul(text: str | None) -> str:
    """Title case the Indonesian way: ``Dinas Koperasi, Usaha Kecil dan Menengah``."""
    words = (text or "").split(" ")
    out = []
    for i, word in enumerate(words):
        low = word.lower()
        out.append(low if i and low in _KECIL else low[:1].upper() + low[1:])
    return " ".join(out)


def format_paragraf(text: str, width: int = 72) -> str:
    """Wrap each line of ``text`` at ``width`` for the plain-text part.

    Templates write a paragraph on one line, so a value of any length (a role,
    a name) never glues onto the next word where a hand-made line break was
    (``Kepegawaian(Dewi``). Words are never split: not a case id at its
    hyphens, not a folder path.
    """
    out = []
    for line in text.split("\n"):
        if not line.strip() or line.startswith((" ", "\t")):
            out.append(line.rstrip())
            continue
        item = re.match(r"(\d+\. |- )", line)
        out.append(textwrap.fill(line, width=width, break_long_words=False,
                                 break_on_hyphens=False,
                                 subsequent_indent=" " * len(item.group(1)) if item else ""))
    return "\n".join(out)


def format_tanggal(value: dt.date | dt.datetime | None) -> str:
    """``6 Oktober 2026``."""
    if value is None:
        return "-"
    return format_date(value.date() if isinstance(value, dt.datetime) else value)


def format_waktu(moment: dt.datetime | None, config: Config) -> str:
    """``Selasa, 6 Oktober 2026 pukul 10.15 WIB`` in the agency's time zone."""
    if moment is None:
        return "-"
    return format_moment(moment, config.tz)


def format_durasi(minutes: int | float | None) -> str:
    """``45 menit``, ``2 jam 30 menit``, ``1 hari 3 jam``."""
    if minutes is None:
        return "-"
    total = round(minutes)
    days, rest = divmod(total, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} hari"] if days else []
    if hours:
        parts.append(f"{hours} jam")
    if mins and not days:
        parts.append(f"{mins} menit")
    return " ".join(parts) or "0 menit"


def _mb(config: Config) -> str:
    limit = config.mail.imap.max_message_mb if config.mail.imap else config.limits.max_file_mb
    return f"{limit:g}".replace(".", ",")


def _people(rows: Sequence[dict]) -> list[dict[str, str]]:
    """The agenda's assignee rows as the mails list them: name, NIP (spaced), jabatan."""
    out = []
    for row in rows:
        nip = str(row.get("nip") or "")
        try:
            shown = parse_nip(nip).formatted()
        except InvalidNip:
            shown = nip
        out.append({"nama": str(row.get("nama") or "-"), "nip": shown,
                    "jabatan": str(row.get("jabatan") or "")})
    return out


def _kegiatan(event: dict | None) -> dict[str, Any]:
    """``acara``, ``waktu_kegiatan`` (dates, and hours when given), ``tempat`` for the templates."""
    event = event or {}
    start, end = event.get("tanggal_mulai"), event.get("tanggal_selesai")
    when = None
    if start:
        try:
            when = format_range(start, end or None)
        except (TypeError, ValueError):
            when = str(start)
        if event.get("waktu"):
            when = f"{when}, {event['waktu']}"
    return {"acara": event.get("acara"), "waktu_kegiatan": when, "tempat": event.get("tempat")}


def _mb_text(megabytes: float) -> str:
    """``2,5`` (MB, one decimal, the Indonesian way)."""
    return f"{megabytes:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def _crlf_safe(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


__all__ = [
    "KINDS",
    "Attachment",
    "MailComposer",
    "OpenedCase",
    "RefusedFile",
    "StageFiles",
    "default_templates_dir",
    "format_durasi",
    "format_judul",
    "format_tanggal",
    "format_waktu",
    "one_line",
]
