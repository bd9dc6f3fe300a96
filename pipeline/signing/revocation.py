"""Is a signer's certificate revoked? Asked at start-up, by ``spt doctor``, and before every mark.

The CA's answer (CRL or OCSP, fetched from the URLs in the certificate with the
``[trust]`` timeouts, or the configured local CRLs) decides:

- **revoked**: the service refuses to start, ``spt doctor`` reports a problem, and a
  mark is refused (:class:`~pipeline.signing.signature.SigningFailed`): the official's
  file stays in ``disetujui/`` and is tried again, so nothing moves forward with a
  revoked key. IT replaces the key (a new certificate from the CA) and restarts.
- **unknown** (the CA cannot be reached): a warning only. The mark is made; the letter
  is not issued until finalisation has the validation data for every signature, which
  would reveal a revocation then (:mod:`pipeline.signing.ltv`).

An approver's own signature (``signing = "approver"``) is asked about when their signed
file is accepted (:func:`check_approver_mark`, after the bounded check passed): revoked
is refused with a note; unknown is refused only with ``[trust] long_term`` off, when no
finalisation would ask again (:func:`approver_problem`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from pyhanko_certvalidator import CertificateValidator
from pyhanko_certvalidator.errors import (
    InsufficientRevinfoError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)


@dataclass(frozen=True)
class RevocationStatus:
    label: str
    holder: str
    revoked: bool
    unknown: str | None = None      # why the status could not be had
    detail: str | None = None

    @property
    def message(self) -> str:
        if self.revoked:
            return (f"sertifikat {self.holder} ({self.label}) telah DICABUT oleh penerbitnya"
                    + (f": {self.detail}" if self.detail else "")
                    + "; kunci ini tidak boleh dipakai untuk paraf/tanda tangan")
        if self.unknown:
            return (f"status pencabutan sertifikat {self.holder} ({self.label}) belum dapat "
                    f"diperiksa: {self.unknown}")
        return f"sertifikat {self.holder} ({self.label}) tidak dicabut"


def approver_problem(status: RevocationStatus, *, unknown_refused: bool) -> str | None:
    """Why an approver's signed file is refused for its certificate's status (None: not).

    Revoked: always. Unknown (the CA cannot be reached): only when ``unknown_refused``
    (nothing later would reveal a revocation: ``[trust] long_term`` off); with long-term
    data on, finalisation needs revocation data for every signature before issuing."""
    if status.revoked:
        return (f"tanda tangan Anda dibuat dengan sertifikat yang telah DICABUT oleh "
                f"penerbitnya ({status.holder})"
                + (f": {status.detail}" if status.detail else "")
                + ". Tanda tangan dengan sertifikat itu tidak diterima; minta sertifikat baru "
                "kepada penerbit (mis. BSrE), lalu tandatangani lagi berkas dari layanan")
    if status.unknown and unknown_refused:
        return (f"status pencabutan sertifikat Anda ({status.holder}) belum dapat diperiksa "
                f"pada penerbitnya: {status.unknown}. Berkas belum dapat diterima; pindahkan "
                "lagi berkas yang sudah ditandatangani ke disetujui/ beberapa saat lagi")
    return None


def check_approver_mark(config, stage_key: str, holder: str, submitted: bytes,
                        field_name: str) -> RevocationStatus | None:
    """The revocation status of the certificate that made the signature in ``field_name``
    of ``submitted`` (None if there is no such signature: the check already said so).

    Called after the bounded check accepted the file (:mod:`pipeline.service.approvals`),
    in a worker thread, never in the engine: asking the CA takes network time
    (``[trust]`` timeouts and attempts), not the file's."""
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    from pipeline.signing.ltv import LtvSettings

    reader = PdfFileReader(io.BytesIO(submitted), strict=False)
    sig = next((s for s in reader.embedded_signatures if s.field_name == field_name), None)
    if sig is None:
        return None
    settings = LtvSettings.from_config(config)
    people = {stage_key: (holder, sig.signer_cert, list(sig.other_embedded_certs))}
    return asyncio.run(_check_all(settings, people))[0]


def check_signers(config, signers: dict, *, approvers: bool = False) -> list[RevocationStatus]:
    """The revocation status of each loaded signer (``KeyRing.signers``), and with
    ``approvers`` also of every approver-signed stage's configured certificate."""
    from pipeline.signing.ltv import LtvSettings

    settings = LtvSettings.from_config(config)
    people = {label: (s.holder, s.certificate, _chain(s)) for label, s in signers.items()}
    if approvers:
        people.update(_approver_certificates(config))
    return asyncio.run(_check_all(settings, people))


def _chain(loaded) -> list:
    return [c for c in loaded.signer.cert_registry if c.dump() != loaded.certificate.dump()]


def _approver_certificates(config) -> dict:
    """Approver-signed stages' certificates (officials who sign with their own key)."""
    from pyhanko.keys import load_cert_from_pemder

    from pipeline.core.workflow import Action, SigningMode

    out = {}
    for stage in config.stage:
        if (stage.action is Action.DRAFT or stage.signing is not SigningMode.APPROVER
                or stage.certificate is None):
            continue
        try:
            cert = load_cert_from_pemder(str(config.path(stage.certificate)))
        except (OSError, ValueError):
            continue  # the key ring's check reports an unreadable certificate
        out[stage.key] = (stage.person.name, cert, [])
    return out


def check_signer(config, label: str, signer) -> RevocationStatus:
    return check_signers(config, {label: signer})[0]


async def _check_all(settings, people: dict) -> list[RevocationStatus]:
    from pipeline.signing.ltv import _close

    out = []
    context = settings.context()
    try:
        for label, (holder, cert, chain) in people.items():
            out.append(await _check_one(context, label, holder, cert, chain))
    finally:
        await _close(context)
    return out


async def _check_one(context, label: str, holder: str, cert, chain) -> RevocationStatus:
    validator = CertificateValidator(cert, intermediate_certs=chain, validation_context=context)
    try:
        await validator.async_validate_usage(key_usage=set())
    except RevokedError as exc:
        return RevocationStatus(label, holder, True, detail=str(exc)[:200])
    except (InsufficientRevinfoError, PathBuildingError) as exc:
        return RevocationStatus(label, holder, False, unknown=str(exc)[:200])
    except PathValidationError as exc:
        if "revoked" in str(exc).lower():
            return RevocationStatus(label, holder, True, detail=str(exc)[:200])
        return RevocationStatus(label, holder, False, unknown=str(exc)[:200])
    except (TimeoutError, OSError) as exc:
        return RevocationStatus(label, holder, False, unknown=str(exc)[:200])
    return RevocationStatus(label, holder, False)
