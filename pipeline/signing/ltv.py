"""Validation data in the letter itself: PAdES B-LT, B-LTA and archive timestamp renewal.

An issued SPT backs travel claims and audits for years, longer than any signer's
certificate lives. After the seal, :func:`add_long_term_data` gathers, for every
signature in the file (and every timestamp inside them), the certificate chain and the
CRLs or OCSP responses that show each certificate was good, writes them into the
document security store (DSS) in one incremental revision (B-LT), and then covers the
whole file with an RFC 3161 document timestamp (B-LTA) when a timestamper is
configured. :func:`renew_archive_timestamp` later adds the newest timestamp's own
validation data and a fresh timestamp on top, before that timestamp's certificate
expires (`spt perpanjang`).

The seal's lock (DocMDP "no changes") permits exactly these two kinds of update: pyHanko
rates them ``LTA_UPDATES``, which :mod:`pipeline.signing.verify` accepts.

Fetching is bounded: every HTTP request has ``fetch_timeout_seconds``, and a failed
gathering is retried ``fetch_attempts`` times (tenacity, short exponential waits). What
cannot be had is :class:`ValidationDataUnavailable` (temporary: the caller waits and
tries again later); a revoked certificate is :class:`CertificateRevoked` (definitive).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms, pem
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper, TimestampDSSContentSettings
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore, collect_validation_info
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import (
    InsufficientRevinfoError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

log = logging.getLogger("spt.ltv")

# The document timestamp's field; a renewal adds "Arsip_2", "Arsip_3", ...
ARCHIVE_FIELD = "Arsip"
_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")
_TS_RESERVE = 16384


class ValidationDataUnavailable(Exception):
    """Validation data or a timestamp could not be had now (a CA or TSA unreachable).

    Temporary: the letter waits and the step is tried again. ``str()`` says why, in
    Indonesian, for ``spt status`` and the log.
    """


class CertificateRevoked(Exception):
    """A certificate in the letter is revoked: the letter must not be issued as it is."""


@dataclass(frozen=True)
class LtvSettings:
    """Where validation data comes from; built from ``[trust]`` by :meth:`from_config`."""

    roots: tuple[asn1_x509.Certificate, ...]
    crls: tuple[asn1_crl.CertificateList, ...] = ()
    fetch: bool = True
    timeout_seconds: float = 10.0
    attempts: int = 3
    retry_wait_seconds: float = 0.5

    @classmethod
    def from_config(cls, config) -> LtvSettings:
        trust = config.trust
        roots = tuple(load_certs_from_pemder([str(config.path(p)) for p in trust.roots]))
        crls = tuple(load_crl(config.path(p)) for p in trust.crls)
        return cls(roots=roots, crls=crls, fetch=trust.fetch_validation_data,
                   timeout_seconds=trust.fetch_timeout_seconds, attempts=trust.fetch_attempts)

    def context(self, *, moment: dt.datetime | None = None,
                extra_certs=(), extra_crls=(), extra_ocsps=(),
                fetch: bool | None = None) -> ValidationContext:
        """A validation context: revocation data required wherever a certificate names it."""
        fetch = self.fetch if fetch is None else fetch
        backend = None
        if fetch:
            from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

            backend = AIOHttpFetcherBackend(per_request_timeout=self.timeout_seconds)
        context = ValidationContext(
            trust_roots=list(self.roots), other_certs=list(extra_certs),
            crls=[*self.crls, *extra_crls], ocsps=list(extra_ocsps),
            allow_fetching=fetch, fetcher_backend=backend,
            revocation_mode="hard-fail", moment=moment,
        )
        context._spt_backend = backend  # ours to close (see _close)
        return context


def load_crl(path: Path) -> asn1_crl.CertificateList:
    data = Path(path).read_bytes()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return asn1_crl.CertificateList.load(data)


def timestamper_for_config(config) -> TimeStamper | None:
    """The configured timestamper: the TSA's URL, else the in-process key, else none."""
    trust = config.trust
    if trust.tsa_url:
        return HTTPTimeStamper(trust.tsa_url, timeout=trust.fetch_timeout_seconds)
    if trust.tsa_key is not None:
        return local_timestamper(config, trust.tsa_key)
    return None


def local_timestamper(config, key_cfg) -> TimeStamper:
    """An RFC 3161 timestamper signing with our own TSA key (the demo: works offline)."""
    from cryptography.hazmat.primitives.serialization import pkcs12
    from pyhanko.sign.timestamps import DummyTimeStamper

    from pipeline.signing.passphrases import read_secret

    data = Path(key_cfg.pkcs12).read_bytes()
    secret = read_secret(key_cfg.passphrase)
    key, cert, extra = pkcs12.load_key_and_certificates(data, secret.encode())
    from cryptography.hazmat.primitives import serialization
    from pyhanko.keys import load_private_key_from_pemder_data

    der_cert = asn1_x509.Certificate.load(
        cert.public_bytes(serialization.Encoding.DER))
    der_key = load_private_key_from_pemder_data(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption()), passphrase=None)
    chain = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
             for c in extra or ()]
    return DummyTimeStamper(tsa_cert=der_cert, tsa_key=der_key, certs_to_embed=chain)


def add_long_term_data(pdf: bytes, settings: LtvSettings,
                       timestamper: TimeStamper | None) -> bytes:
    """``pdf`` with a DSS for every signature (B-LT) and, with ``timestamper``, a document
    timestamp over everything (B-LTA). Retried; raises :class:`ValidationDataUnavailable`
    or :class:`CertificateRevoked`."""
    return _retrying(settings)(lambda: asyncio.run(_add(pdf, settings, timestamper)))()


def renew_archive_timestamp(pdf: bytes, settings: LtvSettings, timestamper: TimeStamper) -> bytes:
    """``pdf`` with the validation data of its newest timestamp and a new timestamp on top."""
    return _retrying(settings)(lambda: asyncio.run(_renew(pdf, settings, timestamper)))()


def archive_timestamps(pdf: bytes) -> list[tuple[dt.datetime | None, dt.datetime]]:
    """Every document timestamp: (its time, its TSA certificate's end of validity)."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    out = []
    for ts in reader.embedded_timestamp_signatures:
        cert = ts.signer_cert
        not_after = cert["tbs_certificate"]["validity"]["not_after"].native
        try:
            when = ts.signed_data["encap_content_info"]["content"].parsed["gen_time"].native
        except Exception:
            when = None
        out.append((when, not_after))
    return out


def dss_contents(reader) -> tuple[list, list, list]:
    """The DSS's certificates, CRLs and OCSP responses, decoded (empty without a DSS)."""
    from asn1crypto import ocsp as asn1_ocsp
    from pyhanko.pdf_utils.generic import DecodePurpose

    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except Exception:  # no DSS, or an unreadable one
        return [], [], []
    certs = list(dss.load_certs())
    crls = [asn1_crl.CertificateList.load(ref.get_object().read_data(DecodePurpose.CRL))
            for ref in dss.crls]
    ocsps = [asn1_ocsp.OCSPResponse.load(
        ref.get_object().read_data(DecodePurpose.OCSP_RESPONSE)) for ref in dss.ocsps]
    return certs, crls, ocsps


def has_long_term_data(pdf: bytes) -> bool:
    """Whether the file carries a DSS with revocation data (B-LT or more)."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except Exception:
        return False
    return bool(dss.crls or dss.ocsps)


# --- internals ----------------------------------------------------------------------


def _retrying(settings: LtvSettings):
    return retry(
        retry=retry_if_exception_type(ValidationDataUnavailable),
        stop=stop_after_attempt(settings.attempts),
        wait=wait_exponential(multiplier=settings.retry_wait_seconds, max=5),
        reraise=True,
    )


async def _add(pdf: bytes, settings: LtvSettings, timestamper: TimeStamper | None) -> bytes:
    context = settings.context()
    try:
        paths = []
        for signed_data in signature_containers(pdf):
            paths += await _collect_cms(signed_data, context)
        with_dss = _with_dss(pdf, context, paths)
        if timestamper is None:
            return with_dss
        return await _timestamp(with_dss, context, timestamper, ARCHIVE_FIELD)
    finally:
        await _close(context)


async def _renew(pdf: bytes, settings: LtvSettings, timestamper: TimeStamper) -> bytes:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    certs, crls, ocsps = dss_contents(reader)
    context = settings.context(extra_certs=certs, extra_crls=crls, extra_ocsps=ocsps)
    try:
        stamps = reader.embedded_timestamp_signatures
        paths = []
        for ts in stamps[-1:]:
            paths += await _collect(ts, context)
        name = f"{ARCHIVE_FIELD}_{len(stamps) + 1}"
        return await _timestamp(_with_dss(pdf, context, paths), context, timestamper, name)
    finally:
        await _close(context)


def _with_dss(pdf: bytes, context: ValidationContext, paths: list) -> bytes:
    """``pdf`` with an incremental update adding ``paths``' certificates and revocation
    data (from ``context``) to its DSS."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    DocumentSecurityStore.supply_dss_in_writer(writer, None, validation_context=context,
                                               paths=paths)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def _close(context: ValidationContext) -> None:
    """Release the context's HTTP session, and the fetcher backend we gave it."""
    await context.aclose()
    backend = getattr(context, "_spt_backend", None)
    if backend is not None:
        await backend.close()


def signature_containers(pdf: bytes) -> list[cms.SignedData]:
    """The CMS SignedData of every signature and document timestamp in ``pdf``.

    Found from each ``/ByteRange``: the gap it leaves is the hex ``/Contents``. pyHanko's
    ``embedded_signatures`` tokenises every reserved hex string character by character
    (about 0.3 s for a letter's eight signatures, most of a finalisation's LTV step);
    this reads the same bytes with ``bytes.fromhex``. Only for collecting validation
    data of a file we just made: verification always goes through pyHanko's reader.
    """
    out: list[cms.SignedData] = []
    seen: set[tuple[int, int]] = set()
    for m in _BYTE_RANGE.finditer(pdf):
        _, gap_start, gap_end, _ = (int(g) for g in m.groups())
        if (gap_start, gap_end) in seen or not 0 < gap_start < gap_end <= len(pdf):
            continue
        seen.add((gap_start, gap_end))
        hex_digits = pdf[gap_start:gap_end].strip(b"<> \r\n")
        try:
            info = cms.ContentInfo.load(bytes.fromhex(hex_digits.decode("ascii")), strict=False)
            if info["content_type"].native == "signed_data":
                out.append(info["content"])
        except (ValueError, TypeError):
            continue  # not a signature container: pyHanko's verification will say so
    return out


async def _collect_cms(signed_data: cms.SignedData, context: ValidationContext):
    """Validate the signer's chain and every timestamp's (pyHanko's collect_validation_info,
    for a bare CMS): the validation context keeps the revocation data it fetched."""
    from pyhanko.sign.general import extract_certificate_info
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
    from pyhanko_certvalidator import CertificateValidator

    paths = []

    async def validate(sd) -> None:
        info = extract_certificate_info(sd)
        who = _cn(info.signer_cert)
        validator = CertificateValidator(info.signer_cert, intermediate_certs=info.other_certs,
                                         validation_context=context)
        paths.append(await _guarded(validator.async_validate_usage(key_usage=set()), who))

    await validate(signed_data)
    signer_info = signed_data["signer_infos"][0]
    for signed in (False, True):
        for tst in extract_tst_data_iter(signer_info, signed=signed):
            await validate(tst)
    return paths


async def _guarded(coro, who: str):
    try:
        return await coro
    except RevokedError as exc:
        raise CertificateRevoked(f"sertifikat {who} telah dicabut: {exc}") from exc
    except (InsufficientRevinfoError, PathBuildingError) as exc:
        raise ValidationDataUnavailable(
            f"data validasi (CRL/OCSP) untuk sertifikat {who} belum dapat diambil: {exc}"
        ) from exc
    except PathValidationError as exc:
        if "revoked" in str(exc).lower():
            raise CertificateRevoked(f"sertifikat {who} telah dicabut: {exc}") from exc
        raise ValidationDataUnavailable(
            f"sertifikat {who} belum dapat divalidasi: {exc}") from exc
    except (TimeoutError, OSError) as exc:
        raise ValidationDataUnavailable(
            f"server CRL/OCSP untuk sertifikat {who} tidak dapat dihubungi: {exc}") from exc


def _cn(cert) -> str:
    try:
        return str(cert.subject.native.get("common_name", "")) or "penanda tangan"
    except Exception:
        return "penanda tangan"


async def _collect(sig, context: ValidationContext):
    """pyHanko's collection for an embedded signature, its errors in our terms."""
    return await _guarded(collect_validation_info(sig, context), _who(sig))


async def _timestamp(pdf: bytes, context: ValidationContext, timestamper: TimeStamper,
                     field_name: str) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    out = io.BytesIO()
    try:
        await PdfTimeStamper(timestamper, field_name=field_name).async_timestamp_pdf(
            writer, "sha256", validation_context=context, bytes_reserved=_TS_RESERVE,
            output=out,
            dss_settings=TimestampDSSContentSettings(include_vri=False, update_before_ts=True),
        )
    except RevokedError as exc:
        raise CertificateRevoked(f"sertifikat server cap waktu (TSA) dicabut: {exc}") from exc
    except Exception as exc:
        if exc.__class__.__name__ in ("TimestampRequestError", "ClientError",
                                      "InsufficientRevinfoError", "PathBuildingError") \
                or isinstance(exc, (OSError, asyncio.TimeoutError, PathValidationError)):
            raise ValidationDataUnavailable(
                f"cap waktu dokumen (TSA) belum dapat dibuat: {exc}") from exc
        raise
    return out.getvalue()


def _who(sig) -> str:
    try:
        return str(sig.signer_cert.subject.native.get("common_name", "")) or "penanda tangan"
    except Exception:
        return "penanda tangan"
