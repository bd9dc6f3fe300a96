"""Signing one existing field of a PDF, in one incremental revision: what marks and seal share.

Every signature the service makes is PAdES (``ETSI.CAdES.detached``), SHA-256,
into a field that :mod:`pipeline.pdf.prepare` created before the first
signature (``existing_fields_only``: a field created after signing upsets
stricter validators). The earlier revisions are left byte for byte as they
were, so every earlier signature stays valid.

Two speed-ups over pyHanko's defaults, both measured (see ``bench/signing.py``):
the space for the signature container is computed from the signer's
certificates instead of by a trial signature, and fonts are prepared once
(:mod:`pipeline.signing.appearance`).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.stamp import BaseStampStyle

from pipeline.signing.keys import LoadedSigner

TSA_TIMEOUT = 15  # seconds
# Room for the signature value, signed attributes and CMS structure beyond the certificates.
_CMS_OVERHEAD = 3072
# Room for a timestamp token (its own signature and the TSA's certificates).
_TSA_ALLOWANCE = 8192


class SigningFailed(Exception):
    """The PDF could not be signed. ``str()`` says why, in words for the officials and IT."""


class _TimedSigner(signers.PdfSigner):
    """A :class:`PdfSigner` whose signing time is the one given, not the machine's clock.

    The service's clock is injectable (tests, a fake start time); the time the
    appearance shows and the signature dictionary's ``/M`` must agree with it.
    A timestamp from a TSA, when configured, still records the TSA's own time.
    """

    def __init__(self, *args: Any, signing_time: dt.datetime, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._signing_time = signing_time

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._signing_time
        return session


def timestamper_for(tsa_url: str | None) -> TimeStamper | None:
    """An RFC 3161 client for ``tsa_url`` (``None``: no timestamp)."""
    return HTTPTimeStamper(tsa_url, timeout=TSA_TIMEOUT) if tsa_url else None


def reserved_size(signer: LoadedSigner, *, timestamped: bool) -> int:
    """Bytes to reserve for the hex-encoded CMS container, from the certificates it embeds."""
    certs = {c.dump() for c in signer.signer.cert_registry}
    certs.add(signer.certificate.dump())
    der = sum(len(c) for c in certs) + _CMS_OVERHEAD + (_TSA_ALLOWANCE if timestamped else 0)
    size = 2 * der
    return max(8192, (size + 1023) // 1024 * 1024)


def sign_field(
    pdf: bytes,
    *,
    field_name: str,
    signer: LoadedSigner,
    stamp_style: BaseStampStyle,
    text_params: dict[str, str] | None,
    reason: str,
    location: str | None,
    when: dt.datetime,
    timestamper: TimeStamper | None = None,
    docmdp: MDPPerm | None = None,
) -> bytes:
    """Sign the existing, empty field ``field_name`` of ``pdf``; the signed PDF's bytes.

    ``docmdp`` is the modification policy a locking field's signature sets (the
    seal: no changes); it must agree with the field's /Lock, or pyHanko warns
    and takes the stricter one.
    """
    if when.tzinfo is None:
        raise ValueError("the signing time needs a time zone (an aware datetime)")
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError) as exc:
        raise SigningFailed(f"berkas bukan PDF yang dapat dibaca ({exc})") from None
    _check_field(writer.prev, field_name)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        location=location,
        name=signer.holder,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        **({"docmdp_permissions": docmdp} if docmdp is not None else {}),
    )
    pdf_signer = _TimedSigner(
        meta, signer=signer.signer, timestamper=timestamper, stamp_style=stamp_style,
        signing_time=when,
    )
    reserve = reserved_size(signer, timestamped=timestamper is not None)
    out = io.BytesIO()
    try:
        try:
            pdf_signer.sign_pdf(
                writer, existing_fields_only=True, bytes_reserved=reserve, output=out,
                appearance_text_params=text_params,
            )
        except SigningError as exc:
            if "larger than expected" not in str(exc):
                raise
            # An unusually large timestamp token: let pyHanko measure with a trial signature.
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
            out = io.BytesIO()
            pdf_signer.sign_pdf(writer, existing_fields_only=True, output=out,
                                appearance_text_params=text_params)
    except SigningError as exc:
        raise SigningFailed(f"penandatanganan kolom {field_name} gagal: {exc}") from exc
    except Exception as exc:
        if exc.__class__.__name__ == "TimestampRequestError":
            raise SigningFailed(
                f"server cap waktu (TSA) tidak dapat dihubungi: {exc}"
            ) from exc
        raise
    return out.getvalue()


def _check_field(reader: PdfFileReader, field_name: str) -> None:
    """The field must exist, be a signature field, and be empty: say which if not."""
    for name, value, _ref in fields.enumerate_sig_fields(reader, filled_status=None):
        if name == field_name:
            if value is not None:
                raise SigningFailed(f"kolom tanda tangan {field_name} sudah ditandatangani")
            return
    raise SigningFailed(
        f"kolom tanda tangan {field_name} tidak ada di PDF (PDF belum disiapkan untuk tahap ini?)"
    )
