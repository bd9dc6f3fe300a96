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
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from pyhanko_certvalidator import CertificateValidator
from pyhanko_certvalidator.errors import (
    InsufficientRevinfoError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)

log = logging.getLogger("spt.revocation")


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


def check_signers(config, signers: dict) -> list[RevocationStatus]:
    """The revocation status of each loaded signer (``KeyRing.signers``)."""
    from pipeline.signing.ltv import LtvSettings

    settings = LtvSettings.from_config(config)
    return asyncio.run(_check_all(settings, signers))


def check_signer(config, label: str, signer) -> RevocationStatus:
    return check_signers(config, {label: signer})[0]


async def _check_all(settings, signers: dict) -> list[RevocationStatus]:
    from pipeline.signing.ltv import _close

    out = []
    context = settings.context()
    try:
        for label, loaded in signers.items():
            out.append(await _check_one(context, label, loaded))
    finally:
        await _close(context)
    return out


async def _check_one(context, label: str, loaded) -> RevocationStatus:
    holder = loaded.holder
    chain = [c for c in loaded.signer.cert_registry if c.dump() != loaded.certificate.dump()]
    validator = CertificateValidator(loaded.certificate, intermediate_certs=chain,
                                     validation_context=context)
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
