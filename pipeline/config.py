"""``spt.toml``: loading, validation, and the objects the rest of the code uses.

Validated once, at start-up: any error names the file, the key and what is
wrong, and nothing starts half-configured. Relative paths are resolved
against the folder holding ``spt.toml`` (the workspace root). Secrets are
never in this file: keys name an environment variable or a file that holds
the passphrase.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline.core.nip import InvalidNip, parse_nip
from pipeline.core.workflow import (
    Action,
    AutomaticStep,
    Person,
    SigningMode,
    Stage,
    Workflow,
)
from pipeline.ops.sop_flow import SopConfig
from pipeline.ops.worktime import WorkingTimeConfig
from pipeline.web.settings import WebConfig

CONFIG_NAME = "spt.toml"
ENV_CONFIG = "SPT_CONFIG"


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
    nip: str
    jabatan: str = Field(min_length=1)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    pangkat: str = ""

    @field_validator("nip")
    @classmethod
    def _valid_nip(cls, value: str) -> str:
        try:
            return parse_nip(value).digits
        except InvalidNip as exc:
            raise ValueError(str(exc)) from None


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

    @model_validator(mode="after")
    def _keys(self) -> StageConfig:
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
    mutu_baku: int | None = Field(default=None, ge=1)
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


class SealConfig(_Model):
    image: Path = Path("templates/cap-dinas.png")
    signing_key: KeyConfig


class TrustConfig(_Model):
    roots: list[Path] = Field(default_factory=list)
    tsa_url: str | None = None


class WatchConfig(_Model):
    mode: Literal["auto", "inotify", "poll"] = "auto"
    poll_interval: float = Field(default=1.0, gt=0)
    # A file that is not the published one is looked at once unchanged this long...
    settle_seconds: float = Field(default=1.0, ge=0)
    # ...and refused (or an inbox file set aside) only once unchanged this long: copies
    # over SMB stall for many seconds on Wi-Fi or a VPN (docs/windows-share.md).
    judge_after_seconds: float = Field(default=15.0, ge=0)
    # A PDF without its final %%EOF, a DOCX without its zip directory: still arriving;
    # judged anyway once unchanged this long (a copy that was abandoned).
    incomplete_after_seconds: float = Field(default=120.0, ge=0)
    rescan_seconds: float = Field(default=30.0, gt=0)
    # Seconds a return (or cancellation) waits for a written reason before it is recorded
    # without one; a reason written later is still forwarded.
    reason_grace_seconds: float = Field(default=120.0, ge=0)


class ConverterConfig(_Model):
    mode: Literal["unoserver", "soffice"] = "unoserver"
    uno_python: Path = Path("/usr/bin/python3")
    soffice: str = "soffice"
    timeout: float = Field(default=60.0, gt=0)


class LimitsConfig(_Model):
    max_file_mb: float = Field(default=25.0, gt=0)
    max_pages: int = Field(default=300, ge=1)
    ocr_timeout: float = Field(default=120.0, gt=0)


class SmtpConfig(_Model):
    host: str
    port: int = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    user: str | None = None
    password: SecretRef | None = None
    retry_for_hours: float = 72.0


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
    max_message_mb: float = 25.0
    poll_seconds: float = 30.0


class MailConfig(_Model):
    from_address: str = "spt@example.go.id"
    from_name: str = "Layanan SPT"
    smtp: SmtpConfig | None = None
    imap: ImapConfig | None = None
    approval_by_reply: bool = False
    receipt_reminder_hours: float = 24.0


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
    mail: MailConfig = MailConfig()
    working_time: WorkingTimeConfig = WorkingTimeConfig()
    sop: SopConfig = SopConfig()
    web: WebConfig = WebConfig()

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
        if self.stage[-1].action is not Action.TANDATANGAN:
            raise ValueError(
                f"stage[{len(self.stage) - 1}]: the last stage is the signatory; "
                "its action must be \"tandatangan\""
            )
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
