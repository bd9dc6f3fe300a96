"""``spt.toml``: loading, validation, and the objects the rest of the code uses.

Validated once, at start-up: any error names the file, the key and what is
wrong, and nothing starts half-configured. Relative paths are resolved
against the folder holding ``spt.toml`` (the workspace root). Secrets are
never in this file: keys name an environment variable or a file that holds
the passphrase.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline.core.letter_form import Kop, SignatureBlock, default_kop, default_signature_block
from pipeline.core.nip import InvalidNip, parse_nip
from pipeline.core.workflow import (
    Action,
    AutomaticStep,
    Person,
    SigningMode,
    Stage,
    Workflow,
)

CONFIG_NAME = "spt.toml"
ENV_CONFIG = "SPT_CONFIG"

# The shipped holiday calendar, known to be valid (tests/unit/ops/test_worktime.py): not
# checked again at each configuration load, because the holidays library's check imports all
# its 250 countries (about 0.16 s and 16 MB; every ``spt status`` would pay it).
DEFAULT_CALENDAR = ("ID", None, ("public", "government"))

START_KEY = "mulai"          # [sop.steps.mulai]: the pemohon's hand-over of the invitation
HANDOVER_KEY = "serah_terima"  # [sop.steps.serah_terima]: the signed SPT to the Umum


class ConfigError(Exception):
    """The configuration cannot be used. ``str()`` is a message for IT."""

    def __init__(self, path: Path, problems: list[tuple[str, str]]):
        self.path = path
        self.problems = problems
        lines = [f"{path}: konfigurasi tidak valid:"]
        lines += [f"  - {key}: {msg}" if key else f"  - {msg}" for key, msg in problems]
        super().__init__("\n".join(lines))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonConfig(_Model):
    name: str = Field(min_length=1)
    # Empty for an official without one (an elected head of region: Permendagri 1/2023
    # Art. 44 has them sign with the name only).
    nip: str
    jabatan: str = Field(min_length=1)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    pangkat: str = ""

    @field_validator("nip")
    @classmethod
    def _valid_nip(cls, value: str) -> str:
        if not value.strip():
            return ""
        try:
            return parse_nip(value).digits
        except InvalidNip as exc:
            raise ValueError(str(exc)) from None


EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class ContactConfig(_Model):
    """Someone the service mails who is not an official of the chain (a supervisor, IT)."""

    name: str = Field(min_length=1, description="how the mail greets them (Yth. <name>)")
    email: str = Field(pattern=EMAIL_PATTERN)


class SecretRef(_Model):
    """Where a secret comes from: an environment variable or a file only we can read."""

    env: str | None = None
    file: Path | None = None

    @model_validator(mode="after")
    def _one_source(self) -> SecretRef:
        if bool(self.env) == bool(self.file):
            raise ValueError("set exactly one of 'env' (environment variable) or 'file'")
        return self


class KeyConfig(_Model):
    """A signing key: a PKCS#12 file, or a PKCS#11 token (hardware key / HSM)."""

    pkcs12: Path | None = None
    passphrase: SecretRef | None = None
    pkcs11_module: Path | None = None
    pkcs11_token: str | None = None
    pkcs11_key_label: str | None = None
    pkcs11_cert_label: str | None = None
    pin: SecretRef | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> KeyConfig:
        if bool(self.pkcs12) == bool(self.pkcs11_module):
            raise ValueError("set either 'pkcs12' (a .p12 file) or 'pkcs11_module' (a token)")
        if self.pkcs12 and self.passphrase is None:
            raise ValueError("a PKCS#12 key needs 'passphrase' = { env = ... } or { file = ... }")
        if self.pkcs11_module and not (self.pkcs11_token and self.pin):
            raise ValueError("a PKCS#11 key needs 'pkcs11_token' and 'pin'")
        return self


class StageConfig(_Model):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    role: str = Field(min_length=1)
    action: Action
    mutu_baku: int | None = Field(default=None, ge=1, description="minutes, or absent")
    folder: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    person: PersonConfig
    signing: SigningMode = SigningMode.SERVICE
    signing_key: KeyConfig | None = None
    # For approver-signed stages: the certificate the official signs with.
    certificate: Path | None = None
    # Who is told when this stage overstays twice its mutu baku (else the next stage up).
    supervisor: ContactConfig | None = None
    # As signatory (the last stage): what the signature block shows and which kop the letter
    # carries. Absent: Permendagri 1/2023 Art. 44 (pipeline.core.letter_form).
    signature_block: SignatureBlock | None = None
    kop: Kop | None = None

    @property
    def block(self) -> SignatureBlock:
        return self.signature_block or default_signature_block(
            self.key, self.role, self.person.jabatan)

    @property
    def letterhead(self) -> Kop:
        return self.kop or default_kop(self.key, self.role, self.person.jabatan)

    @model_validator(mode="after")
    def _keys(self) -> StageConfig:
        if not self.person.nip and self.block is SignatureBlock.NAME_RANK_NIP:
            raise ValueError(f"stage '{self.key}': person.nip is empty, but this signature "
                             "block shows the NIP (set signature_block = \"nama\")")
        if self.action is Action.DRAFT:
            return self
        if self.signing is SigningMode.SERVICE and self.signing_key is None:
            raise ValueError(f"stage '{self.key}' marks the letter: it needs 'signing_key'")
        if self.signing is SigningMode.APPROVER and self.certificate is None:
            raise ValueError(f"stage '{self.key}' is approver-signed: it needs 'certificate'")
        return self


class AutomaticStepConfig(_Model):
    role: str
    activity: str
    mutu_baku: int | None = Field(default=None, ge=1, description="minutes, or absent")
    person: PersonConfig | None = None


class AgencyConfig(_Model):
    government: str = "PEMERINTAH PROVINSI KALIMANTAN BARAT"
    name: str = "DINAS KOPERASI, USAHA KECIL DAN MENENGAH"
    address: str = ""
    contact: str = ""
    city: str = "Pontianak"
    timezone: str = "Asia/Pontianak"
    unit: str = "DISKOPUKM"
    email: str = "spt@example.go.id"
    logo: Path | None = None

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}' (e.g. 'Asia/Pontianak')") from None
        return value


class NumberingConfig(_Model):
    format: str = "{klasifikasi}/{urut:04d}/{unit}/{tahun}"
    klasifikasi: str = "800.1.11.1"

    @field_validator("format")
    @classmethod
    def _format(cls, value: str) -> str:
        from pipeline.core.numbering import check_format

        check_format(value)
        return value


class LetterConfig(_Model):
    template: Path = Path("templates/spt.docx")
    dasar: list[str] = Field(default_factory=list)
    untuk_tambahan: list[str] = Field(default_factory=list)
    tembusan: list[str] = Field(default_factory=list)
    footer: str = (
        "Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat elektronik. "
        "Keaslian dokumen dapat diperiksa dengan memindai kode QR."
    )
    verify_url: str | None = None
    mask_nip: bool = True
    # The head of region's kop (a letter the Gubernur signs): the office's name under the
    # national emblem. The emblem is an image file; the shipped one is a labelled PLACEHOLDER.
    head_of_region_title: str = "GUBERNUR KALIMANTAN BARAT"
    national_emblem: Path | None = Path("templates/lambang-negara-contoh.png")
    # Beyond this many assignees the Kepada list goes to a Lampiran (annex) of the letter.
    max_kepada_in_body: int = Field(default=5, ge=1, description="assignees, count")


# The name the [seal] key goes by beside the stages' keys (key ring, demo PKI, key problems).
SEAL_LABEL = "cap_dinas"


class SealConfig(_Model):
    image: Path = Path("templates/cap-dinas.png")
    signing_key: KeyConfig


class TrustConfig(_Model):
    """Trust roots, timestamps, and the validation data that keeps issued letters verifiable.

    See docs/signing.md ("Letters that verify in ten years"). With ``long_term`` on, every
    issued letter carries a DSS (chains, CRLs, OCSP responses for every signature: PAdES
    B-LT) and, when a timestamp authority is configured, a document timestamp (B-LTA).
    """

    roots: list[Path] = Field(default_factory=list)
    tsa_url: str | None = None
    # An in-process timestamper with a key of our own (the demo's offline TSA); used only
    # when tsa_url is not set. Real deployments use their CA's TSA (tsa_url).
    tsa_key: KeyConfig | None = None
    long_term: bool = True
    # CRL files given locally (DER or PEM), e.g. the demo PKI's pki/demo-root.crl.
    crls: list[Path] = Field(default_factory=list)
    # Fetch CRLs/OCSP from the URLs the certificates name (off: only ``crls`` and the DSS).
    fetch_validation_data: bool = True
    fetch_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    fetch_attempts: int = Field(default=3, ge=1, le=10)
    # Add a fresh archive timestamp this many days before the last one's TSA certificate
    # expires (`spt perpanjang`, and the service once a day).
    renew_before_days: int = Field(default=90, ge=1)


class EscalationConfig(_Model):
    """``[escalation]``: where an escalation goes when nobody above the late stage can take it.

    An escalation goes to the late stage's own ``supervisor`` (``[[stage]]``), else to
    the official of the next stage up the chain, else here: the signatory has nobody
    above them in the chain, and a stuck automatic step (numbering) is IT's matter.
    """

    it_email: str | None = Field(
        default=None, pattern=EMAIL_PATTERN,
        description="IT's address: escalations about the signatory and the automatic steps")
    it_name: str = Field(default="Pengelola Layanan SPT", min_length=1,
                         description="how the mail to it_email greets its reader")


class BoardConfig(_Model):
    """``[board]``: the status board, one HTML page in the shared folder for the drafter."""

    enabled: bool = True
    file: Path | None = Field(
        default=None, description="where the page is written (inside the share, never state/); "
        "default: status-spt.html in the stages folder")
    issued_shown: int = Field(default=10, ge=0, description="last issued letters listed")
    open_shown: int = Field(default=200, ge=1, description="open cases listed at most")
    min_interval_seconds: float = Field(
        default=2.0, ge=0, description="seconds: a burst of changes is rendered once")


class WatchConfig(_Model):
    mode: Literal["auto", "inotify", "poll"] = "auto"
    poll_interval: float = Field(default=1.0, gt=0, description="seconds between polls")
    settle_seconds: float = Field(
        default=1.0, ge=0, description="seconds a file must rest before it is looked at")
    judge_after_seconds: float = Field(
        default=15.0, ge=0, description="seconds a file must rest before it is refused: copies "
        "over SMB stall for many seconds on Wi-Fi or a VPN (docs/windows-share.md)")
    incomplete_after_seconds: float = Field(
        default=120.0, ge=0, description="seconds a PDF without its %%EOF or a DOCX without "
        "its zip directory must rest before it is judged anyway (an abandoned copy)")
    rescan_seconds: float = Field(default=30.0, gt=0, description="seconds between full scans")
    reason_grace_seconds: float = Field(
        default=120.0, ge=0, description="seconds a return or cancellation waits for a written "
        "reason before it is recorded without one (a later reason is still forwarded)")


class ConverterConfig(_Model):
    mode: Literal["unoserver", "soffice"] = "unoserver"
    uno_python: Path = Path("/usr/bin/python3")
    soffice: str = "soffice"
    timeout: float = Field(default=60.0, gt=0, description="seconds per conversion")


class LimitsConfig(_Model):
    max_file_mb: float = Field(default=25.0, gt=0, description="megabytes per file")
    max_pages: int = Field(default=300, ge=1, description="pages per file")
    ocr_timeout: float = Field(default=120.0, gt=0, description="seconds of OCR per file")


class SignatureCheckConfig(_Model):
    """Limits of one check of a signed PDF from outside (an approver's file, an upload, ``spt
    verify`` of a file other than the one issued); see :mod:`pipeline.signing.bounded`."""

    seconds: float = Field(default=5.0, gt=0, le=120,
                           description="processor seconds per check (the check's own: its "
                                       "process is a fork of a warm check server)")
    memory_mb: int = Field(default=256, ge=128, le=4096, description="address space, MB")
    max_file_mb: float = Field(default=10.0, gt=0, le=200,
                               description="MB of a file checked (an approver: MB added)")
    max_revisions: int = Field(default=24, ge=4, le=1000)
    max_fields: int = Field(default=64, ge=8, le=10000)
    concurrent: int = Field(default=2, ge=1, le=16, description="checks at once per process")
    long_term_seconds: float = Field(
        default=15.0, gt=0, le=120,
        description="processor seconds of a long-term (B-LTA) validation, one per signature: "
                    "the web page's, run only on a file already recognised as an issued "
                    "letter, and what `spt verify --pada` adds to its check")

    def limits(self):
        from pipeline.signing.bounded import CheckLimits

        return CheckLimits(seconds=self.seconds, memory_mb=self.memory_mb,
                           max_bytes=int(self.max_file_mb * 1024 * 1024),
                           max_revisions=self.max_revisions, max_fields=self.max_fields)


class SmtpConfig(_Model):
    host: str
    port: int = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    user: str | None = None
    password: SecretRef | None = None
    retry_for_hours: float = Field(default=72.0, description="hours a mail is retried")


class ImapConfig(_Model):
    host: str
    port: int = 993
    security: Literal["tls", "starttls", "none"] = "tls"
    user: str
    password: SecretRef
    folder: str = "INBOX"
    processed_folder: str = "SPT/Diproses"
    rejected_folder: str = "SPT/Ditolak"
    allow_senders: list[str] = Field(default_factory=list)
    max_message_mb: float = Field(default=25.0, description="megabytes per message")
    poll_seconds: float = Field(default=30.0, description="seconds between polls")


class MailConfig(_Model):
    from_address: str = "spt@example.go.id"
    from_name: str = "Layanan SPT"
    smtp: SmtpConfig | None = None
    imap: ImapConfig | None = None
    approval_by_reply: bool = False
    receipt_reminder_hours: float = Field(
        default=24.0, description="hours between receipt reminders")
    share_path: str | None = Field(
        default=None, min_length=1,
        description="the stages folder as officials see it on their PC (e.g. \\\\server\\spt); "
        "stage mails name <share_path>\\<stage folder>")
    send_to_assignees: bool = Field(
        default=True, description="mail the issued SPT to each assignee with an address in "
        "pegawai.csv")
    receipt_first_reminder_hours: float = Field(
        default=8.0, gt=0, description="working hours the pemohon has, from the SPT's delivery, "
        "before the first receipt reminder")
    attach_review_pdf: bool = Field(
        default=True, description="attach the letter to review (and the invitation) to stage mails")
    attachment_max_mb: float = Field(
        default=10.0, gt=0,
        description="MB: attachments of one stage mail above this are left out (the mail says so)")


class PathsConfig(_Model):
    # The one folder to share with officials (SMB); holds inbox/ and stages/ and nothing
    # secret. Unset: the common parent of inbox and stages.
    shared: Path | None = None
    inbox: Path = Path("inbox")
    stages: Path = Path("stages")
    outbox: Path = Path("outbox")
    arsip: Path = Path("arsip")
    state: Path = Path("state")
    pki: Path = Path("pki")
    templates: Path = Path("templates")
    pegawai: Path = Path("pegawai.csv")


# --- [working_time] -------------------------------------------------------------


class WorkingTimeConfig(_Model):
    """``[working_time]`` in ``spt.toml``: office hours, holidays, and the reminder cadence.

    Every field is optional; the defaults are the usual hours of a regional
    government office in WIB (the time zone itself is ``agency.timezone``).
    """

    start: dt.time = Field(default=dt.time(8, 0), description="office opens (local time)")
    end: dt.time = Field(default=dt.time(16, 0), description="office closes (local time)")
    weekdays: list[int] = Field(
        default_factory=lambda: [0, 1, 2, 3, 4],
        description="working days, 0 = Senin (Monday) ... 6 = Minggu (Sunday)",
    )
    country: str = Field(default="ID", description="ISO country code for public holidays")
    subdivision: str | None = Field(default=None, description="province code, e.g. 'KB'")
    holiday_categories: list[str] = Field(
        default_factory=lambda: ["public", "government"],
        description="'public' = hari libur nasional; 'government' = cuti bersama ASN",
    )
    extra_holidays: list[dt.date] = Field(
        default_factory=list, description="further closed days (regional holidays, closures)"
    )
    reminder_interval_hours: float = Field(
        default=24.0, gt=0, description="at most one reminder per case, stage and kind this often"
    )
    supervisor_email: str | None = Field(
        default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="older name of [escalation] it_email (read when that is not set)",
    )

    @field_validator("start", "end")
    @classmethod
    def _local_time(cls, value: dt.time) -> dt.time:
        if value.tzinfo is not None:
            raise ValueError(
                "give a local time without offset, e.g. 08:00 (the zone is agency.timezone)"
            )
        return value

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if not value:
            raise ValueError("at least one working day is needed (0 = Senin ... 6 = Minggu)")
        bad = [d for d in value if not 0 <= d <= 6]
        if bad:
            raise ValueError(f"{bad} are not days: use 0 = Senin ... 6 = Minggu")
        return sorted(set(value))

    @model_validator(mode="after")
    def _coherent(self) -> WorkingTimeConfig:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end:%H:%M}) must be after start ({self.start:%H:%M})")
        calendar = (self.country, self.subdivision, tuple(self.holiday_categories))
        if calendar == DEFAULT_CALENDAR:
            return self
        try:
            import holidays  # here: importing it costs every command 70 ms and 8 MB

            holidays.country_holidays(self.country, subdiv=self.subdivision,
                                      categories=tuple(self.holiday_categories),
                                      language="id")
        except (NotImplementedError, ValueError, KeyError) as exc:
            raise ValueError(f"holidays for country '{self.country}': {exc}") from None
        return self


# --- [sop] ------------------------------------------------------------------------


class HandoverConfig(_Model):
    """The SOP's step 9: after signing, one official hands the SPT to the Umum."""

    enabled: bool = True
    stage: str = Field(default="kasubag", description="stage key of the official who hands over")
    mutu_baku: int | None = Field(default=10, ge=1, description="minutes")
    activity: str = (
        "Menyerahkan SPT yang telah ditandatangani kepada {umum} untuk diberi nomor dan dicap"
    )


class StepText(_Model):
    """Wording of one row, replacing the derived text (any field may be left out)."""

    activity: str | None = None
    kelengkapan: str | None = None
    output: str | None = None
    keterangan: str | None = None


class SopConfig(_Model):
    """``[sop]`` in ``spt.toml``: the identity of the SOP sheet. Defaults: the agency's sheet."""

    nomor: str = "000.8/1619.4/DISKOPUKM.A"
    nama: str = "Penerbitan Surat Perintah Tugas"
    tanggal_pembuatan: dt.date | None = dt.date(2023, 8, 31)
    tanggal_revisi: dt.date | None = None
    tanggal_efektif: dt.date | None = None
    disahkan_jabatan: str = "Kepala Dinas Koperasi, Usaha Kecil dan Menengah"
    disahkan_nama: str = ""
    disahkan_nip: str = ""
    unit: list[str] = Field(
        default_factory=lambda: ["Sekretariat", "Sub Bagian Umum dan Aparatur"],
        description="the organisational unit under the agency's name",
    )
    dasar_hukum: list[str] = Field(default_factory=lambda: [
        "Undang-Undang Nomor 5 Tahun 2014 tentang Aparatur Sipil Negara;",
        "Peraturan Gubernur Kalimantan Barat Nomor 125 Tahun 2021 tentang Kedudukan, Susunan "
        "Organisasi, Tugas dan Fungsi, serta Tata Kerja Dinas Koperasi, Usaha Kecil dan "
        "Menengah sebagaimana telah diubah terakhir dengan Peraturan Gubernur Kalimantan Barat "
        "Nomor 206 Tahun 2021;",
        "Peraturan Gubernur Kalimantan Barat Nomor 7 Tahun 2019 tentang Perjalanan Dinas atas "
        "Beban Anggaran Pendapatan dan Belanja Daerah Provinsi Kalimantan Barat.",
    ])
    kualifikasi_pelaksana: list[str] = Field(default_factory=lambda: [
        "Memahami alur dan prosedur pengiriman surat.",
    ])
    keterkaitan: list[str] = Field(default_factory=lambda: [
        "SOP Penanganan Surat Masuk;",
        "SOP Penanganan Surat Keluar;",
        "SOP Pengiriman Surat Keluar.",
    ])
    peralatan: list[str] = Field(default_factory=lambda: [
        "Lembar kerja;",
        "Alat tulis kantor;",
        "Komputer/laptop dan printer.",
    ])
    peringatan: list[str] = Field(default_factory=lambda: [
        "Apabila SOP ini tidak dilaksanakan, penyampaian informasi/surat akan terhambat.",
    ])
    pencatatan: list[str] = Field(default_factory=list)
    handover: HandoverConfig = HandoverConfig()
    columns: list[str] | None = Field(
        default=None,
        description="order of the role columns by key ('pemohon', stage keys, 'umum'); "
        "default: pemohon, the drafting stage, umum, then the other stages, as in the SOP",
    )
    role_labels: dict[str, str] = Field(
        default_factory=dict, description="column heading per key, e.g. asisten1 = 'Asisten I'"
    )
    steps: dict[str, StepText] = Field(
        default_factory=dict,
        description=f"wording per row: '{START_KEY}', a stage key, '{HANDOVER_KEY}', "
        "'umum' or 'pemohon'",
    )


# --- [delegation] -----------------------------------------------------------------


class DeputyKeyConfig(_Model):
    """The key of a deputy (Plh./Plt.) who is not an official of the chain with a key.

    A deputy always marks with their own key, never the absent official's. A deputy who is
    already a service-signed official of the chain (the Asisten standing in for the Sekda)
    uses that key and needs no entry here."""

    nip: str = Field(description="the deputy's NIP, as in pegawai.csv")
    signing_key: KeyConfig

    @field_validator("nip")
    @classmethod
    def _valid_nip(cls, value: str) -> str:
        try:
            return parse_nip(value).digits
        except InvalidNip as exc:
            raise ValueError(str(exc)) from None


class DelegationConfig(_Model):
    """``[delegation]``: Plh./Plt. (``spt delegasi``; docs/delegation.md)."""

    allow_next_stage_official: bool = Field(
        default=False, description="let a deputy be the next stage's official too (they would "
        "then mark the same letter twice in a row); refused by default")
    title_lines: dict[str, str] = Field(
        default_factory=dict, description="per stage key, the office as a deputy's signature "
        "block writes it after 'Plh.'/'Plt.' (e.g. sekda = \"SEKRETARIS DAERAH\"); default: "
        "the official's jabatan in capitals")
    deputy: list[DeputyKeyConfig] = Field(default_factory=list)


# --- [web] ------------------------------------------------------------------------


class WebConfig(_Model):
    """Settings of the verification page (``spt web``)."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    max_upload_mb: float = Field(default=10.0, gt=0, le=100, description="megabytes per upload")
    # Per client address; flask-limiter's memory storage: one process, counts lost on restart.
    rate_limit: str = Field(default="10/minute;100/hour",
                            description="uploads (POST /periksa, POST /v/<token>) per period")
    page_rate_limit: str = Field(default="120/minute;2000/hour",
                                 description="letter pages (GET /v/<token>) per period")
    # Behind a reverse proxy: take the client address from X-Forwarded-For (one hop).
    trust_proxy: bool = False
    threads: int = Field(default=16, ge=1, le=64, description="worker threads of the server: "
                         "pages, and uploads waiting for their bounded checks (pipeline.web.app)")

    @field_validator("rate_limit", "page_rate_limit")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        try:
            from limits import parse_many  # here: it imports asyncio (90 ms, 9 MB)

            parse_many(value)
        except ValueError:
            raise ValueError(
                f"'{value}' is not a rate limit (e.g. \"10/minute;100/hour\")"
            ) from None
        return value

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)


# --- [backup] ---------------------------------------------------------------------


class BackupConfig(_Model):
    """``spt cadangkan``: where backups go, how many are kept, when ``spt doctor`` warns."""

    # Where ``spt cadangkan`` writes when no DEST is given (the systemd timer's run).
    dir: Path | None = None
    # Retention: the newest this many complete backups in the destination are kept.
    keep_count: int = Field(default=14, ge=1, description="number of backups kept")
    # ``spt doctor`` warns when the last successful backup is older than this.
    max_age_hours: float = Field(default=26.0, gt=0, description="hours")
    # The timer's run includes the keys, encrypted with the passphrase from here.
    include_keys: bool = False
    keys_passphrase: SecretRef | None = None

    @model_validator(mode="after")
    def _passphrase(self) -> BackupConfig:
        if self.include_keys and self.keys_passphrase is None:
            raise ValueError("include_keys = true needs keys_passphrase = { file = ... }")
        return self


class Config(_Model):
    """The whole of ``spt.toml``, validated. Paths are absolute after :func:`load_config`."""

    root: Path = Path(".")
    agency: AgencyConfig = AgencyConfig()
    paths: PathsConfig = PathsConfig()
    numbering: NumberingConfig = NumberingConfig()
    letter: LetterConfig = LetterConfig()
    stage: Annotated[list[StageConfig], Field(min_length=2)]
    finalization: AutomaticStepConfig = AutomaticStepConfig(
        role="Pengadministrasi Umum",
        activity="memberi nomor surat keluar, membubuhkan cap dinas, mencatat di buku agenda, "
        "menyerahkan kepada pemohon",
        mutu_baku=10,
    )
    receipt: AutomaticStepConfig = AutomaticStepConfig(
        role="Pemohon", activity="menerima SPT dan menandatangani tanda terima", mutu_baku=5
    )
    seal: SealConfig | None = None
    trust: TrustConfig = TrustConfig()
    watch: WatchConfig = WatchConfig()
    converter: ConverterConfig = ConverterConfig()
    limits: LimitsConfig = LimitsConfig()
    signature_check: SignatureCheckConfig = SignatureCheckConfig()
    mail: MailConfig = MailConfig()
    escalation: EscalationConfig = EscalationConfig()
    board: BoardConfig = BoardConfig()
    working_time: WorkingTimeConfig = WorkingTimeConfig()
    sop: SopConfig = SopConfig()
    web: WebConfig = WebConfig()
    backup: BackupConfig = BackupConfig()
    delegation: DelegationConfig = DelegationConfig()

    @model_validator(mode="after")
    def _chain(self) -> Config:
        seen_keys: set[str] = set()
        seen_folders: set[str] = set()
        for i, stage in enumerate(self.stage):
            if stage.key in seen_keys:
                raise ValueError(f"stage[{i}]: duplicate key '{stage.key}'")
            if stage.folder in seen_folders:
                raise ValueError(f"stage[{i}]: duplicate folder '{stage.folder}'")
            seen_keys.add(stage.key)
            seen_folders.add(stage.folder)
        if self.stage[0].action is not Action.DRAFT:
            raise ValueError("stage[0]: the first stage must have action = \"draft\"")
        for i, stage in enumerate(self.stage[1:], start=1):
            if stage.action is Action.DRAFT:
                raise ValueError(f"stage[{i}]: only the first stage can have action = \"draft\"")
        for i, stage in enumerate(self.stage):
            sup = stage.supervisor
            if sup is None:
                continue
            below = [s.key for s in self.stage[: i + 1]
                     if s.person.email.lower() == sup.email.lower()]
            if below:
                raise ValueError(
                    f"stage[{i}].supervisor: {sup.email} is the official of stage "
                    f"'{below[0]}', not above '{stage.key}': an escalation must go up")
        if self.stage[-1].action is not Action.TANDATANGAN:
            raise ValueError(
                f"stage[{len(self.stage) - 1}]: the last stage is the signatory; "
                "its action must be \"tandatangan\""
            )
        unknown = sorted(set(self.delegation.title_lines) - seen_keys)
        if unknown:
            raise ValueError(f"delegation.title_lines: {', '.join(unknown)} is not a stage key")
        return self

    # --- derived -------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.agency.timezone)

    def path(self, p: Path) -> Path:
        return p if p.is_absolute() else (self.root / p)

    @property
    def inbox_dir(self) -> Path:
        return self.path(self.paths.inbox)

    @property
    def stages_dir(self) -> Path:
        return self.path(self.paths.stages)

    @property
    def shared_dir(self) -> Path:
        """The folder to share with officials (``paths.shared``, else the common parent of
        ``inbox`` and ``stages``)."""
        if self.paths.shared is not None:
            return self.path(self.paths.shared)
        return Path(os.path.commonpath([self.inbox_dir, self.stages_dir]))

    def secret_paths(self) -> list[tuple[str, Path]]:
        """Every file or folder that holds a secret: keys, passphrases, passwords, the
        database and its folder, the configuration. None may be inside the share."""
        found: list[tuple[str, Path]] = [
            ("spt.toml", self.root / CONFIG_NAME), ("state/", self.state_dir),
            ("pki/", self.path(self.paths.pki))]

        def key(label: str, k: KeyConfig | None) -> None:
            if k is None:
                return
            if k.pkcs12:
                found.append((f"kunci {label}", self.path(k.pkcs12)))
            for what, ref in (("frasa sandi", k.passphrase), ("PIN", k.pin)):
                if ref is not None and ref.file:
                    found.append((f"{what} {label}", self.path(ref.file)))

        for st in self.stage:
            key(st.key, st.signing_key)
        if self.seal is not None:
            key("cap dinas", self.seal.signing_key)
        for deputy in self.delegation.deputy:
            key(f"pengganti {deputy.nip}", deputy.signing_key)
        for name in ("smtp", "imap"):
            section = getattr(self.mail, name, None)
            ref = getattr(section, "password", None)
            if ref is not None and ref.file:
                found.append((f"sandi {name}", self.path(ref.file)))
        return found

    @property
    def outbox_dir(self) -> Path:
        return self.path(self.paths.outbox)

    @property
    def arsip_dir(self) -> Path:
        return self.path(self.paths.arsip)

    @property
    def state_dir(self) -> Path:
        return self.path(self.paths.state)

    @property
    def templates_dir(self) -> Path:
        return self.path(self.paths.templates)

    @property
    def pegawai_csv(self) -> Path:
        return self.path(self.paths.pegawai)

    def workflow(self) -> Workflow:
        """The chain as the pure core sees it; built once per configuration (it is frozen)."""
        return self._workflow

    @cached_property
    def _workflow(self) -> Workflow:
        stages = tuple(
            Stage(
                index=i,
                key=s.key,
                role=s.role,
                person=_person(s.person),
                action=s.action,
                mutu_baku_minutes=s.mutu_baku,
                folder=s.folder,
                signing=s.signing,
            )
            for i, s in enumerate(self.stage)
        )
        return Workflow(
            stages=stages,
            finalization=_step("umum", self.finalization),
            receipt=_step("pemohon", self.receipt),
        )


def _person(p: PersonConfig) -> Person:
    return Person(name=p.name, nip=p.nip, jabatan=p.jabatan, email=p.email, pangkat=p.pangkat)


def _step(key: str, s: AutomaticStepConfig) -> AutomaticStep:
    person = _person(s.person) if s.person else None
    return AutomaticStep(key, s.role, s.activity, s.mutu_baku, person)


def find_config(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--config`` if given, else ``$SPT_CONFIG``, else ``./spt.toml``."""
    if explicit:
        return Path(explicit)
    if os.environ.get(ENV_CONFIG):
        return Path(os.environ[ENV_CONFIG])
    return Path.cwd() / CONFIG_NAME


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate ``path``; raise :class:`ConfigError` naming every problem."""
    path = Path(path).absolute()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, [("", "file not found (create one with 'spt init')")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [("", f"not valid TOML: {exc}")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, [("", f"cannot read: {exc.__class__.__name__}")]) from None
    if "root" in raw:
        raise ConfigError(path, [("root", "not a setting: the workspace is the file's folder")])
    try:
        cfg = Config.model_validate({**raw, "root": path.parent})
    except ValidationError as exc:
        raise ConfigError(path, [_describe(err, raw) for err in exc.errors()]) from None
    return _absolutize(cfg)


def _describe(err: dict, raw: dict) -> tuple[str, str]:
    loc = list(err.get("loc", ()))
    key = ""
    node = raw
    for part in loc:
        if isinstance(part, int):
            key += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            key += ("." if key else "") + str(part)
            node = node.get(part) if isinstance(node, dict) else None
    msg = err.get("msg", "invalid")
    msg = msg.removeprefix("Value error, ")
    kind = err.get("type", "")
    if kind == "missing":
        msg = "required key is missing"
    elif kind == "extra_forbidden":
        msg = "unknown key (check its spelling)"
    elif kind == "enum":
        expected = err.get("ctx", {}).get("expected", "")
        msg = f"'{err.get('input')}' is not one of {expected}"
    return key, msg


def _absolutize(cfg: Config) -> Config:
    """Resolve every relative path against the workspace root, once."""

    def fix(model: BaseModel) -> BaseModel:
        updates = {}
        for name, value in model:
            if isinstance(value, Path) and name != "root" and not value.is_absolute():
                if name == "uno_python":
                    continue
                updates[name] = (cfg.root / value)
            elif isinstance(value, BaseModel):
                updates[name] = fix(value)
            elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
                updates[name] = [fix(v) for v in value]
            elif isinstance(value, list) and value and isinstance(value[0], Path):
                updates[name] = [v if v.is_absolute() else cfg.root / v for v in value]
        return model.model_copy(update=updates) if updates else model

    return fix(cfg)  # type: ignore[return-value]
