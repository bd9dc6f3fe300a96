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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from pipeline.config import Config
from pipeline.core.dates_id import format_date
from pipeline.core.workflow import Action, SigningMode, Stage

KINDS = (
    "tahap", "dikembalikan", "terbit", "pengingat", "pengingat_terima", "ditolak", "diterima",
    "balasan_ditolak", "eskalasi", "batal",
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

    # --- the kinds --------------------------------------------------------

    def tahap(self, stage: Stage, *, case_id: str, hal: str | None, pengirim: str | None,
              folder: str | Path, due_at: dt.datetime | None = None, token: str | None = None,
              nomor_undangan: str | None = None, message_id: str | None = None,
              catatan: str | None = None) -> EmailMessage:
        """A case reached ``stage``: what, where, what to do, by when; ``catatan`` is the
        system's note for the stage (for the drafter: warnings, names left out)."""
        return self._stage_mail("tahap", stage, case_id=case_id, token=token,
                                message_id=message_id, context=dict(
                                    hal=hal, pengirim=pengirim, nomor_undangan=nomor_undangan,
                                    folder=str(folder), batas=due_at,
                                    catatan=(catatan or "").strip() or None))

    def dikembalikan(self, stage: Stage, *, case_id: str, hal: str | None,
                     pengirim: str | None, folder: str | Path, alasan: str,
                     dikembalikan_oleh: str, due_at: dt.datetime | None = None,
                     token: str | None = None, nomor_undangan: str | None = None,
                     message_id: str | None = None) -> EmailMessage:
        """A case came back to ``stage`` with ``alasan`` from ``dikembalikan_oleh``."""
        return self._stage_mail("dikembalikan", stage, case_id=case_id, token=token,
                                message_id=message_id, context=dict(
                                    hal=hal, pengirim=pengirim, nomor_undangan=nomor_undangan,
                                    folder=str(folder), batas=due_at, alasan=alasan.strip(),
                                    dikembalikan_oleh=dikembalikan_oleh))

    def pengingat(self, stage: Stage, *, case_id: str, hal: str | None, folder: str | Path,
                  since: dt.datetime, due_at: dt.datetime | None = None,
                  token: str | None = None, message_id: str | None = None) -> EmailMessage:
        """Reminder: the case has waited at ``stage`` since ``since`` (overdue at ``due_at``)."""
        return self._stage_mail("pengingat", stage, case_id=case_id, token=token,
                                message_id=message_id, context=dict(
                                    hal=hal, folder=str(folder), batas=due_at, sejak=since))

    def eskalasi(self, *, to: str, to_name: str = "", case_id: str, hal: str | None,
                 tahap: str, pejabat: str | None, since: dt.datetime, due_at: dt.datetime,
                 minutes: float, standard_minutes: float, message_id: str | None = None
                 ) -> EmailMessage:
        """To the stage before (or a supervisor): a case overstays twice its mutu baku."""
        return self.render("eskalasi", to=to, to_name=to_name, case_id=case_id,
                           message_id=message_id, context=dict(
                               hal=hal, tahap=tahap, pejabat=pejabat, sejak=since,
                               batas=due_at, menit=minutes, mutu_baku=standard_minutes))

    def terbit(self, *, to: str, to_name: str = "", case_id: str, nomor: str,
               tanggal: dt.date, hal: str | None, pdf: bytes, token: str,
               pdf_name: str | None = None, in_reply_to: str | None = None,
               message_id: str | None = None) -> EmailMessage:
        """The issued SPT to the pemohon, PDF attached; asks for DITERIMA as the receipt."""
        name = pdf_name or f"{case_id}.pdf"
        msg = self.render("terbit", to=to, to_name=to_name, case_id=case_id, token=token,
                          message_id=message_id, in_reply_to=in_reply_to, context=dict(
                              nomor=nomor, tanggal=tanggal, hal=hal, berkas=name))
        msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=name)
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
                 in_reply_to: str | None = None, message_id: str | None = None
                 ) -> EmailMessage:
        """Intake acknowledgement: one case per invitation file, and any file refused."""
        if not kasus:
            raise ValueError("diterima needs at least one opened case (else use ditolak)")
        return self.render("diterima", to=to, to_name=to_name, case_id=kasus[0].case_id,
                           message_id=message_id, in_reply_to=in_reply_to, context=dict(
                               kasus=list(kasus), ditolak=list(ditolak),
                               subjek_asli=subjek_asli),
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
                    message_id: str | None, context: dict[str, Any]) -> EmailMessage:
        tindakan, kegiatan = _TINDAKAN[stage.action]
        draft = stage.action is Action.DRAFT
        reply_allowed = bool(token) and self.config.mail.approval_by_reply
        return self.render(
            kind, to=stage.person.email, to_name=stage.person.name, case_id=case_id,
            token=token if reply_allowed else None, message_id=message_id,
            context=dict(
                tahap=stage.role, tindakan=tindakan, kegiatan=kegiatan, draft=draft,
                approver=stage.signing is SigningMode.APPROVER,
                berkas=f"{case_id}.docx" if draft else f"{case_id}.pdf",
                mutu_baku=stage.mutu_baku_minutes, reply_allowed=reply_allowed,
                **{"nomor_undangan": None, "pengirim": None, **context},
            ),
        )

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


def format_tanggal(value: dt.date | dt.datetime | None) -> str:
    """``6 Oktober 2026``."""
    if value is None:
        return "-"
    return format_date(value.date() if isinstance(value, dt.datetime) else value)


def format_waktu(moment: dt.datetime | None, config: Config) -> str:
    """``Selasa, 6 Oktober 2026 pukul 10.15 WIB`` in the agency's time zone."""
    if moment is None:
        return "-"
    local = moment.astimezone(config.tz) if moment.tzinfo else moment.replace(tzinfo=config.tz)
    zone = local.tzname() or ""
    zone = zone if re.fullmatch(r"[A-Z]{2,5}", zone) else f"UTC{local.strftime('%z')}"
    return (f"{format_date(local.date(), weekday=True)} pukul "
            f"{local.hour:02d}.{local.minute:02d} {zone}")


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


def _crlf_safe(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


__all__ = [
    "KINDS",
    "MailComposer",
    "OpenedCase",
    "RefusedFile",
    "default_templates_dir",
    "format_durasi",
    "format_judul",
    "format_tanggal",
    "format_waktu",
    "one_line",
]
