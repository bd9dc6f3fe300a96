"""Checking an SPT's signatures: who signed, in which role, and whether everything still holds.

For every signature: the field, the signer (certificate CN), the role it
stands for in the workflow (the stage whose field it is, or the cap dinas),
the signing time in the agency's zone, and pyHanko's verdicts: intact (the
signed bytes are unchanged), valid (the cryptography checks out), trusted
(the chain ends at one of the given roots), the modification level of what
came after, and the coverage.

The overall ``ok`` is deliberately stricter than any single flag (VERIFIED.md:
pyHanko keeps ``valid=True`` for a signature whose bytes changed):

- every signature intact, valid, trusted, and its ``bottom_line`` true (which
  includes the DocMDP/lock check: a re-filled number after the seal fails
  here);
- nothing after any signature beyond form filling and further signatures
  (modification level at most ``FORM_FILLING``);
- the last signature covers the whole file;
- with a workflow: each signature sits in a field of the workflow and was
  made by that stage's configured person.

The form values (``Nomor``, ``Tanggal``, ``QR``) are read too, so the caller
can compare them with the register.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from dataclasses import asdict, dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields as pdf_fields
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from pipeline.core.workflow import Workflow
from pipeline.signing.keys import SIGNING_KEY_USAGE, names_match
from pipeline.signing.pdfsig import PdfsigResult, PdfsigUnavailable, pdfsig_check
from pipeline.signing.seal import SEAL_FIELD

__all__ = ["PdfsigResult", "PdfsigUnavailable", "SignatureReport", "VerificationReport",
           "pdfsig_check", "verify_pdf"]

SEAL_ROLE = "Cap Dinas"
DEFAULT_TZ = ZoneInfo("Asia/Pontianak")
FORM_FIELDS = ("Nomor", "Tanggal", "QR")
_ALLOWED_AFTER = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES,
                  ModificationLevel.FORM_FILLING)


@dataclass(frozen=True)
class SignatureReport:
    """One signature, as checked."""

    field_name: str
    signer: str                         # certificate subject CN
    role: str | None                    # the stage's role, "Cap Dinas", or None (unknown field)
    signing_time: dt.datetime | None    # in the agency's zone; the TSA's time when timestamped
    timestamped: bool
    intact: bool
    valid: bool
    trusted: bool
    modification_level: str | None      # NONE / LTA_UPDATES / FORM_FILLING / ANNOTATIONS / OTHER
    coverage: str | None                # ENTIRE_FILE / ENTIRE_REVISION / …
    whole_file: bool
    bottom_line: bool
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        data = asdict(self)
        data["signing_time"] = self.signing_time.isoformat() if self.signing_time else None
        data["problems"] = list(self.problems)
        data["ok"] = self.ok
        return data


@dataclass(frozen=True)
class VerificationReport:
    """Every signature of a PDF, the form values, and the verdict."""

    signatures: tuple[SignatureReport, ...]
    form_values: dict[str, str | None]
    unsigned_fields: tuple[str, ...]
    missing: tuple[str, ...]            # workflow fields (and the seal) not yet signed
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Every signature holds and nothing forbidden happened after any of them."""
        return bool(self.signatures) and not self.problems

    @property
    def complete(self) -> bool:
        """``ok``, and every stage of the workflow and the seal have signed (an issued SPT)."""
        return self.ok and not self.missing

    @property
    def nomor(self) -> str | None:
        return self.form_values.get("Nomor")

    @property
    def tanggal(self) -> str | None:
        return self.form_values.get("Tanggal")

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "complete": self.complete,
            "signatures": [s.to_dict() for s in self.signatures],
            "form_values": dict(self.form_values),
            "unsigned_fields": list(self.unsigned_fields),
            "missing": list(self.missing),
            "problems": list(self.problems),
        }


def verify_pdf(
    pdf: bytes,
    *,
    trust_roots: list[Path],
    workflow: Workflow | None = None,
    tz: ZoneInfo = DEFAULT_TZ,
    moment: dt.datetime | None = None,
) -> VerificationReport:
    """Check every signature of ``pdf`` against ``trust_roots`` (see the module's rules).

    ``moment`` is the time at which certificates must be valid (default: now).
    Never raises for a bad PDF: the report says what is wrong.
    """
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_regular_signatures)
    except Exception as exc:  # any parse failure is a verdict, not a crash
        return VerificationReport((), {}, (), (), (f"PDF tidak dapat dibaca: {exc}",))

    roots = []
    problems: list[str] = []
    for path in trust_roots:
        try:
            roots += list(load_certs_from_pemder([str(path)]))
        except (OSError, ValueError):
            problems.append(f"sertifikat akar {path} tidak dapat dibaca")
    stages = {s.field_name: s for s in workflow.reviewers} if workflow else {}

    statuses = asyncio.run(_validate_all(embedded, roots, moment))
    reports: list[SignatureReport] = []
    for i, (sig, status) in enumerate(zip(embedded, statuses, strict=True)):
        last = i == len(embedded) - 1
        reports.append(_report(sig, status, stages, workflow is not None, last, tz))
    for rep in reports:
        problems += [f"{rep.field_name}: {p}" for p in rep.problems]
    if not embedded:
        problems.append("PDF tidak memuat tanda tangan elektronik")

    unsigned = tuple(
        name for name, value, _ in pdf_fields.enumerate_sig_fields(reader, filled_status=None)
        if value is None
    )
    signed_names = {r.field_name for r in reports}
    missing: tuple[str, ...] = ()
    if workflow is not None:
        wanted = [s.field_name for s in workflow.reviewers] + [SEAL_FIELD]
        missing = tuple(n for n in wanted if n not in signed_names)
    return VerificationReport(
        signatures=tuple(reports),
        form_values=form_values(reader),
        unsigned_fields=unsigned,
        missing=missing,
        problems=tuple(problems),
    )


async def _validate_all(embedded, roots, moment):
    """Validate every signature in one event loop (pyHanko's sync wrapper starts one each)."""
    results = []
    for sig in embedded:
        context = ValidationContext(
            trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail", moment=moment,
        )
        try:
            status = await async_validate_pdf_signature(
                sig, signer_validation_context=context, key_usage_settings=SIGNING_KEY_USAGE,
            )
        except Exception as exc:  # malformed signature: report, don't crash
            status = exc
        results.append(status)
    return results


def _report(sig, status, stages, with_workflow: bool, last: bool, tz: ZoneInfo) -> SignatureReport:
    name = str(sig.field_name)
    try:
        signer = str(sig.signer_cert.subject.native.get("common_name", ""))
    except Exception:
        signer = ""
    stage = stages.get(name)
    role = SEAL_ROLE if name == SEAL_FIELD else (stage.role if stage else None)
    if isinstance(status, Exception):
        return SignatureReport(
            field_name=name, signer=signer, role=role, signing_time=None, timestamped=False,
            intact=False, valid=False, trusted=False, modification_level=None, coverage=None,
            whole_file=False, bottom_line=False,
            problems=(f"tanda tangan tidak dapat diperiksa: {status}",),
        )

    problems: list[str] = []
    if not status.intact:
        problems.append("isi yang ditandatangani telah berubah (tidak utuh)")
    if not status.valid:
        problems.append("tanda tangan tidak sah secara kriptografis")
    if not status.trusted:
        problems.append(_untrusted_reason(sig))
    level = status.modification_level
    if level is None or level not in _ALLOWED_AFTER:
        problems.append(
            "dokumen diubah setelah tanda tangan ini dengan cara yang tidak diizinkan"
            + (f" ({_diff_reason(status)})" if _diff_reason(status) else "")
        )
    elif not status.bottom_line and status.intact and status.valid and status.trusted:
        # Only then is the lock (DocMDP) the reason: bottom_line also folds in trust.
        problems.append("perubahan setelah tanda tangan ini melanggar kuncian dokumen (DocMDP)")
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if last and not whole:
        problems.append("tanda tangan terakhir tidak mencakup seluruh berkas")
    if with_workflow:
        if role is None:
            problems.append("kolom ini bukan bagian dari alur SPT")
        elif stage is not None and not names_match(signer, stage.person.name):
            problems.append(
                f"ditandatangani oleh '{signer}', bukan oleh {stage.person.name} ({stage.role})"
            )

    ts = status.timestamp_validity
    when = ts.timestamp if ts is not None else status.signer_reported_dt
    return SignatureReport(
        field_name=name,
        signer=signer,
        role=role,
        signing_time=when.astimezone(tz) if when is not None else None,
        timestamped=ts is not None,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        modification_level=level.name if level is not None else None,
        coverage=status.coverage.name if status.coverage is not None else None,
        whole_file=whole,
        bottom_line=bool(status.bottom_line),
        problems=tuple(problems),
    )


def _untrusted_reason(sig) -> str:
    """Why the signer's certificate is not trusted, as precisely as the certificate tells."""
    try:
        validity = sig.signer_cert["tbs_certificate"]["validity"]
        not_before = validity["not_before"].native
        not_after = validity["not_after"].native
    except Exception:
        not_before = not_after = None
    now = dt.datetime.now(dt.UTC)
    if not_after is not None and not_after < now:
        return f"sertifikat penanda tangan sudah kedaluwarsa (berlaku sampai {not_after:%d-%m-%Y})"
    if not_before is not None and not_before > now:
        return f"sertifikat penanda tangan belum berlaku (mulai {not_before:%d-%m-%Y})"
    return ("sertifikat penanda tangan tidak tepercaya: tidak diterbitkan oleh otoritas "
            "sertifikat yang diakui (atau telah dicabut)")


def _diff_reason(status) -> str:
    result = status.diff_result
    if isinstance(result, Exception):
        return str(result)[:200]
    return ""


def form_values(reader: PdfFileReader) -> dict[str, str | None]:
    """The text fields of the PDF by name, their values as text (``None``: empty)."""
    values: dict[str, str | None] = {}
    try:
        form_fields = reader.root["/AcroForm"]["/Fields"]
    except KeyError:
        return values
    for ref in form_fields:
        fld = ref.get_object()
        if fld.get("/FT") != "/Tx":
            continue
        value = fld.get("/V")
        values[str(fld.get("/T"))] = None if value is None else str(value)
    for name in FORM_FIELDS:
        values.setdefault(name, None)
    return values
