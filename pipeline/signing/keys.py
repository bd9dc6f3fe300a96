"""The key ring: every signer the service needs, loaded and checked once, at start-up.

Loading a PKCS#12 file costs tens of milliseconds (key derivation from the
passphrase) and a PKCS#11 token needs a session; both happen once here, not
per mark. More importantly, every way a key can be unusable is found *before*
the service starts, and reported together, each problem naming the stage and
what to fix:

- key file missing or unreadable, or open to group/others;
- passphrase (or PIN) missing: variable unset, file absent, file open to
  group/others;
- passphrase wrong (the file cannot be decrypted) or PIN wrong;
- certificate expired or not yet valid (and, as a warning, expiring within
  :data:`EXPIRY_WARNING`);
- certificate issued to someone else than the configured person (another
  name, or another NIP in its serialNumber), or, for the seal, not to the agency;
- certificate chain not ending at one of ``trust.roots``;
- key usage not fit for signing; private key not matching the certificate.

Passphrases and PINs live only in local variables while a key is opened; no
message, log line or exception carries them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import load_der_x509_certificate
from pyhanko.keys import load_certs_from_pemder
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import Signer, SimpleSigner
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    InvalidCertificateError,
    PathBuildingError,
    PathValidationError,
)

from pipeline.config import SEAL_LABEL, Config, KeyConfig
from pipeline.core.workflow import Action, SigningMode
from pipeline.signing.passphrases import SecretUnavailable, loose_permissions, read_secret

log = logging.getLogger("spt.signing.keys")

EXPIRY_WARNING = dt.timedelta(days=30)
# The key usages a signing certificate may carry (any one suffices), as pyHanko's validator
# and the ETSI profiles expect of a signature or seal certificate.
SIGNING_KEY_USAGE = KeyUsageConstraints(key_usage={"non_repudiation", "digital_signature"})
_SELF_TEST = b"spt: uji kunci saat mulai"


@dataclass(frozen=True)
class KeyProblem:
    """One reason a key cannot be used."""

    label: str       # stage key, or "cap_dinas"
    holder: str      # the configured person's name, or the agency
    message: str

    def __str__(self) -> str:
        who = "cap dinas" if self.label == SEAL_LABEL else f"tahap '{self.label}'"
        return f"{who} ({self.holder}): {self.message}"


class KeyRingError(Exception):
    """Some keys are unusable. ``str()`` lists every problem for IT; it never holds a secret."""

    def __init__(self, problems: list[KeyProblem]):
        self.problems = problems
        super().__init__(problems)

    def __str__(self) -> str:
        lines = ["Kunci penanda tangan tidak dapat dipakai:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


@dataclass(frozen=True)
class LoadedSigner:
    """A key ready to sign with, and what the rest of the code needs to know about it."""

    label: str
    holder: str                       # configured name of the person (or the agency)
    signer: Signer                    # pyHanko signer: SimpleSigner or PKCS11Signer
    certificate: asn1_x509.Certificate
    kind: Literal["pkcs12", "pkcs11"]
    location: str | None = None       # the agency's city: the signature's /Location

    @property
    def subject_cn(self) -> str:
        return _common_name(self.certificate)

    @property
    def not_after(self) -> dt.datetime:
        return self.certificate.not_valid_after


@dataclass
class KeyRing:
    """Every service signer, by stage key (and the seal under ``"cap_dinas"``)."""

    signers: dict[str, LoadedSigner]
    warnings: list[str] = field(default_factory=list)
    _sessions: list = field(default_factory=list, repr=False)

    @classmethod
    def load(cls, config: Config, *, now: dt.datetime | None = None,
             deputy_names: dict[str, str] | None = None) -> KeyRing:
        """Load and check every configured key; raise :class:`KeyRingError` naming each problem.

        ``deputy_names``: the names of ``[[delegation.deputy]]`` keys' holders by NIP (from
        pegawai.csv when not given), which their certificates must carry."""
        now = now or dt.datetime.now(dt.UTC)
        if deputy_names is None:
            deputy_names = _deputy_names(config)
        problems: list[KeyProblem] = []
        ring = cls(signers={})
        roots, root_problems = _load_roots(config.trust.roots)
        for message in root_problems:
            problems.append(KeyProblem("trust", "trust.roots", message))

        for label, holder, nip, key_cfg, is_seal in _configured_keys(config, deputy_names):
            loader = _SignerLoader(label, holder, is_seal, config.agency.name, roots, now, nip)
            loaded = loader.load(key_cfg, ring._sessions, location=config.agency.city)
            problems += loader.problems
            ring.warnings += loader.warnings
            if loaded is not None and not loader.problems:
                ring.signers[label] = loaded

        for stage in config.stage:
            if stage.action is not Action.DRAFT and stage.signing is SigningMode.APPROVER:
                assert stage.certificate is not None
                loader = _SignerLoader(
                    stage.key, stage.person.name, False, config.agency.name, roots, now,
                    stage.person.nip,
                )
                loader.check_certificate_file(stage.certificate)
                problems += loader.problems
                ring.warnings += loader.warnings

        if problems:
            ring.close()
            raise KeyRingError(problems)
        for warning in ring.warnings:
            log.warning("%s", warning)
        log.info("key ring loaded: %s", ", ".join(sorted(ring.signers)))
        return ring

    def signer(self, stage_key: str) -> LoadedSigner:
        """The signer of stage ``stage_key`` (service-signed stages only)."""
        return self._loaded(stage_key, "tidak ada kunci layanan untuk tahap ini")

    def deputy_signer(self, config: Config, nip: str) -> LoadedSigner:
        """The deputy's own key (Plh./Plt.): never the absent official's."""
        label = deputy_key_label(config, nip)
        if label is None or label not in self.signers:
            raise KeyRingError([KeyProblem(DEPUTY_PREFIX + nip, nip,
                                           "pengganti ini tidak mempunyai kunci layanan")])
        return self.signers[label]

    def seal_signer(self) -> LoadedSigner:
        """The agency's electronic seal (cap dinas)."""
        return self._loaded(SEAL_LABEL, "kunci cap dinas tidak dikonfigurasi ([seal])")

    def _loaded(self, label: str, missing: str) -> LoadedSigner:
        """The signer ``label``, or a :class:`KeyRingError` saying ``missing``."""
        try:
            return self.signers[label]
        except KeyError:
            raise KeyRingError([KeyProblem(label, "?", missing)]) from None

    def __contains__(self, label: object) -> bool:
        return label in self.signers

    def close(self) -> None:
        """Close PKCS#11 sessions (PKCS#12 keys need nothing)."""
        while self._sessions:
            session = self._sessions.pop()
            try:
                session.close()
            except Exception:  # closing is best effort
                log.debug("closing a PKCS#11 session failed", exc_info=True)


# --- name rules -------------------------------------------------------------------

_TITLE_PREFIX = re.compile(r"^(?:[A-Za-z]{1,5}\.\s*)+")


def normalize_name(name: str) -> str:
    """Case- and spacing-insensitive form of a name."""
    return " ".join(name.replace(",", ", ").split()).casefold()


def bare_name(name: str) -> str:
    """A person's name without academic titles, normalised.

    ``"Dr. H. Sudirman Effendi, M.Si."`` → ``"sudirman effendi"``.

    Certificates issued by a CA often carry the name without titles; the name
    before the first comma, less leading abbreviations ending in a dot
    (``Dr.``, ``Ir.``, ``Drs.``, ``H.``), is the person.
    """
    core = name.split(",", 1)[0]
    core = _TITLE_PREFIX.sub("", core.strip())
    return normalize_name(core)


def names_match(certificate_cn: str, configured: str) -> bool:
    """Whether a certificate's CN names the configured person (titles optional)."""
    if normalize_name(certificate_cn) == normalize_name(configured):
        return True
    bare = bare_name(configured)
    return bool(bare) and bare_name(certificate_cn) == bare


def seal_names_agency(certificate: asn1_x509.Certificate, agency: str) -> bool:
    """A seal certificate must carry the agency's name in its CN.

    The organisation (O) is not enough: every official's personal certificate
    from the same agency carries it too, and must not pass for the seal.
    """
    return normalize_name(agency) in normalize_name(_common_name(certificate))


# --- loading ----------------------------------------------------------------------


def _configured_keys(config: Config, deputy_names: dict[str, str] | None = None,
                     ) -> Iterator[tuple[str, str, str, KeyConfig, bool]]:
    """(label, holder, NIP, key, is_seal) of every key the service signs with."""
    for stage in config.stage:
        if stage.action is Action.DRAFT or stage.signing is not SigningMode.SERVICE:
            continue
        assert stage.signing_key is not None
        yield stage.key, stage.person.name, stage.person.nip, stage.signing_key, False
    if config.seal is not None:
        yield SEAL_LABEL, config.agency.name, "", config.seal.signing_key, True
    for deputy in config.delegation.deputy:
        name = (deputy_names or {}).get(deputy.nip, deputy.nip)
        yield DEPUTY_PREFIX + deputy.nip, name, deputy.nip, deputy.signing_key, False


# --- deputies (Plh./Plt.) -------------------------------------------------------------

DEPUTY_PREFIX = "pengganti:"


def deputy_key_label(config: Config, nip: str) -> str | None:
    """Which key ring entry a deputy marks with: their ``[[delegation.deputy]]`` key, else
    the key of the chain's service-signed stage they are the official of; ``None``: none."""
    if any(d.nip == nip for d in config.delegation.deputy):
        return DEPUTY_PREFIX + nip
    for stage in config.stage:
        if (stage.action is not Action.DRAFT and stage.signing is SigningMode.SERVICE
                and stage.person.nip and stage.person.nip == nip):
            return stage.key
    return None


def _deputy_names(config: Config) -> dict[str, str]:
    if not config.delegation.deputy:
        return {}
    from pipeline.directory import DirectoryError, EmployeeDirectory

    try:
        directory = EmployeeDirectory.load(config.pegawai_csv)
    except DirectoryError:
        return {}
    return {e.nip: e.nama for e in directory.employees}


def check_deputy_key(config: Config, nip: str, name: str, start: dt.datetime,
                     end: dt.datetime) -> list[str]:
    """Why the deputy ``nip`` (``name``) cannot mark from ``start`` to ``end``: no key, a key
    that does not open, a certificate for someone else or not valid over the whole period.
    Empty: usable. Asked when a delegation is set and by ``spt doctor``, so that it is never
    found out at signing time."""
    label = deputy_key_label(config, nip)
    if label is None:
        return [f"{name} tidak mempunyai kunci penanda tangan: tambahkan [[delegation.deputy]] "
                f"nip = \"{nip}\" dengan signing_key di spt.toml (docs/delegation.md)"]
    if label.startswith(DEPUTY_PREFIX):
        key_cfg = next(d.signing_key for d in config.delegation.deputy if d.nip == nip)
    else:
        key_cfg = next(s.signing_key for s in config.stage if s.key == label)
    assert key_cfg is not None
    roots, root_problems = _load_roots(config.trust.roots)
    problems = list(root_problems)
    sessions: list = []
    try:
        for moment in (start, end - dt.timedelta(seconds=1)):
            loader = _SignerLoader(label, name, False, config.agency.name, roots, moment, nip)
            loader.load(key_cfg, sessions, location=config.agency.city)
            problems += [p.message for p in loader.problems if p.message not in problems]
            if loader.problems:
                break
    finally:
        for session in sessions:
            try:
                session.close()
            except Exception:
                log.debug("closing a PKCS#11 session failed", exc_info=True)
    return problems


def _read_certificates(path: Path, what: str) -> tuple[list[asn1_x509.Certificate], str | None]:
    """The certificates in a PEM/DER file, or none and what is wrong (``what``: "sertifikat")."""
    try:
        certs = list(load_certs_from_pemder([str(path)]))
    except FileNotFoundError:
        return [], f"{what} {path} tidak ditemukan"
    except (OSError, ValueError) as exc:
        return [], f"{what} {path} tidak dapat dibaca ({exc.__class__.__name__})"
    if not certs:
        return [], f"{path} tidak berisi sertifikat"
    return certs, None


def _load_roots(paths: list[Path]) -> tuple[list[asn1_x509.Certificate], list[str]]:
    roots: list[asn1_x509.Certificate] = []
    problems: list[str] = []
    if not paths:
        problems.append("tidak ada sertifikat akar tepercaya (trust.roots kosong)")
    for path in paths:
        certs, problem = _read_certificates(path, "sertifikat akar")
        if problem:
            problems.append(problem)
        roots += certs
    return roots, problems


@dataclass
class _SignerLoader:
    """Loads one key and collects what is wrong with it."""

    label: str
    holder: str
    is_seal: bool
    agency: str
    roots: list[asn1_x509.Certificate]
    now: dt.datetime
    nip: str = ""
    problems: list[KeyProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def problem(self, message: str) -> None:
        self.problems.append(KeyProblem(self.label, self.holder, message))

    def load(self, key_cfg: KeyConfig, sessions: list, *,
             location: str | None = None) -> LoadedSigner | None:
        if key_cfg.pkcs12 is not None:
            signer = self._load_pkcs12(key_cfg)
            kind: Literal["pkcs12", "pkcs11"] = "pkcs12"
        else:
            signer = self._load_pkcs11(key_cfg, sessions)
            kind = "pkcs11"
        if signer is None:
            return None
        cert = signer.signing_cert
        self.check_certificate(cert, list(signer.cert_registry))
        self._self_test(signer, cert)
        return LoadedSigner(self.label, self.holder, signer, cert, kind, location)

    def _load_pkcs12(self, key_cfg: KeyConfig) -> Signer | None:
        assert key_cfg.pkcs12 is not None and key_cfg.passphrase is not None
        path = Path(key_cfg.pkcs12)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            self.problem(f"berkas kunci {path} tidak ditemukan")
            return None
        except OSError as exc:
            self.problem(f"berkas kunci {path} tidak dapat dibaca ({exc.strerror})")
            return None
        loose = loose_permissions(path)
        if loose:
            self.problem(f"berkas kunci {loose}")
        try:
            passphrase = read_secret(key_cfg.passphrase)
        except SecretUnavailable as exc:
            self.problem(str(exc))
            return None
        if loose:
            return None
        try:
            return SimpleSigner.load_pkcs12_data(data, (), passphrase=passphrase.encode("utf-8"))
        except ValueError:
            self.problem(
                f"berkas kunci {path} tidak dapat dibuka: kata sandi salah atau berkas rusak"
            )
            return None
        finally:
            del passphrase

    def _load_pkcs11(self, key_cfg: KeyConfig, sessions: list) -> Signer | None:
        assert key_cfg.pkcs11_module is not None and key_cfg.pin is not None
        module = Path(key_cfg.pkcs11_module)
        if not module.is_file():
            self.problem(f"modul PKCS#11 {module} tidak ditemukan")
            return None
        try:
            from pyhanko.config.pkcs11 import TokenCriteria
            from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
        except ImportError:
            self.problem(
                "dukungan PKCS#11 belum terpasang (paket python-pkcs11; pyHanko[pkcs11])"
            )
            return None
        try:
            pin = read_secret(key_cfg.pin)
        except SecretUnavailable as exc:
            self.problem(f"PIN: {exc}")
            return None
        try:
            session = open_pkcs11_session(
                str(module), token_criteria=TokenCriteria(label=key_cfg.pkcs11_token),
                user_pin=pin,
            )
        except Exception as exc:  # python-pkcs11 raises many kinds
            self.problem(_describe_pkcs11_error(exc, key_cfg.pkcs11_token))
            return None
        finally:
            del pin
        sessions.append(session)
        signer = PKCS11Signer(
            session,
            cert_label=key_cfg.pkcs11_cert_label or key_cfg.pkcs11_key_label,
            key_label=key_cfg.pkcs11_key_label or key_cfg.pkcs11_cert_label,
            other_certs_to_pull=None,
        )
        try:
            asyncio.run(signer.ensure_objects_loaded())
        except Exception as exc:
            what = key_cfg.pkcs11_key_label or key_cfg.pkcs11_cert_label or "?"
            self.problem(
                f"kunci/sertifikat '{what}' tidak ditemukan di token "
                f"'{key_cfg.pkcs11_token}' ({exc.__class__.__name__})"
            )
            return None
        # Hash in software, then sign the digest with the token's raw mechanism (CKM_ECDSA,
        # CKM_RSA_PKCS): SoftHSM2 and many tokens lack the combined hash-and-sign ones
        # (CKM_ECDSA_SHA256 failed with MechanismInvalid on SoftHSM 2.6).
        signer.use_raw_mechanism = signer.signing_cert.public_key.algorithm in ("ec", "rsa")
        return signer

    def check_certificate_file(self, path: Path) -> None:
        """Approver-signed stages: the certificate the official will sign with."""
        certs, problem = _read_certificates(path, "sertifikat")
        if problem:
            self.problem(problem)
            return
        self.check_certificate(certs[0], certs[1:])

    def check_certificate(
        self, cert: asn1_x509.Certificate, others: list[asn1_x509.Certificate]
    ) -> None:
        not_before, not_after = cert.not_valid_before, cert.not_valid_after
        if self.now < not_before:
            self.problem(f"sertifikat belum berlaku (berlaku mulai {_day(not_before)})")
        elif self.now > not_after:
            self.problem(f"sertifikat sudah kedaluwarsa pada {_day(not_after)}")
        elif not_after - self.now < EXPIRY_WARNING:
            who = "cap dinas" if self.is_seal else f"tahap '{self.label}'"
            self.warnings.append(
                f"{who} ({self.holder}): sertifikat akan kedaluwarsa pada {_day(not_after)}"
            )
        cn = _common_name(cert)
        if self.is_seal:
            if not seal_names_agency(cert, self.agency):
                self.problem(
                    f"sertifikat cap dinas diterbitkan untuk '{cn}', bukan untuk {self.agency}"
                )
        else:
            if not names_match(cn, self.holder):
                self.problem(
                    f"sertifikat diterbitkan untuk '{cn}', bukan untuk '{self.holder}' "
                    "seperti dalam konfigurasi"
                )
            serial = str(cert.subject.native.get("serial_number", ""))
            if self.nip and len(serial) == 18 and serial.isdigit() and serial != self.nip:
                self.problem(
                    f"NIP dalam sertifikat ({serial}) berbeda dari NIP dalam konfigurasi "
                    f"({self.nip})"
                )
        try:
            SIGNING_KEY_USAGE.validate(cert)
        except InvalidCertificateError:
            self.problem("penggunaan kunci sertifikat tidak untuk tanda tangan (nonRepudiation)")
        if self.roots:
            self._check_chain(cert, others)

    def _check_chain(
        self, cert: asn1_x509.Certificate, others: list[asn1_x509.Certificate]
    ) -> None:
        context = ValidationContext(
            trust_roots=self.roots, allow_fetching=False, revocation_mode="soft-fail",
            # The validity window is reported on its own (above): check the chain inside it.
            moment=min(max(self.now, cert.not_valid_before), cert.not_valid_after),
        )
        validator = CertificateValidator(cert, intermediate_certs=others,
                                         validation_context=context)
        try:
            asyncio.run(validator.async_validate_path())
        except PathBuildingError:
            self.problem(
                "rantai sertifikat tidak berujung pada sertifikat akar tepercaya (trust.roots); "
                f"penerbit: '{cert.issuer.native.get('common_name', '?')}'"
            )
        except PathValidationError as exc:
            self.problem(
                "rantai sertifikat tidak dapat divalidasi terhadap sertifikat akar tepercaya "
                f"(trust.roots): {exc}"
            )

    def _self_test(self, signer: Signer, cert: asn1_x509.Certificate) -> None:
        """Sign a few bytes and check them with the certificate: do key and certificate match?"""
        try:
            raw = asyncio.run(signer.async_sign_raw(_SELF_TEST, "sha256"))
            public_key = load_der_x509_certificate(cert.dump()).public_key()
            if isinstance(public_key, ec.EllipticCurvePublicKey):
                public_key.verify(raw, _SELF_TEST, ec.ECDSA(hashes.SHA256()))
            elif isinstance(public_key, rsa.RSAPublicKey):
                mech = signer.get_signature_mechanism_for_digest("sha256")
                pad = (padding.PSS(padding.MGF1(hashes.SHA256()), 32)
                       if mech.signature_algo == "rsassa_pss" else padding.PKCS1v15())
                public_key.verify(raw, _SELF_TEST, pad, hashes.SHA256())
        except (SigningError, ValueError, TypeError) as exc:
            self.problem(f"uji tanda tangan gagal ({exc.__class__.__name__})")
        except Exception as exc:  # cryptography's InvalidSignature, token errors
            self.problem(
                f"kunci privat tidak cocok dengan sertifikat atau tidak dapat menandatangani "
                f"({exc.__class__.__name__})"
            )


def _describe_pkcs11_error(exc: Exception, token: str | None) -> str:
    name = exc.__class__.__name__
    if name == "PinIncorrect":
        return f"PIN token '{token}' salah"
    if name == "PinLocked":
        return f"PIN token '{token}' terkunci"
    if "No token" in str(exc) or name == "NoSuchToken":
        return f"token '{token}' tidak ditemukan"
    return f"token '{token}' tidak dapat dibuka ({name})"


def _common_name(cert: asn1_x509.Certificate) -> str:
    return str(cert.subject.native.get("common_name", ""))


def _day(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
