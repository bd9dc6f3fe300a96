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
  made by that stage's configured person;
- with a workflow, the letter has exactly the fields an SPT of that chain has
  (a signature field per marking stage, ``Cap_Dinas``, ``Nomor``, ``Tanggal``,
  ``QR``): any other field, and any document timestamp, is a failure;
- with a workflow, every revision from the first signature on changed only what
  it was allowed to (:mod:`pipeline.signing.revisions`): a mark only its own
  field, the finalisation only the number, date and QR fields, after the seal
  only validation data. pyHanko's modification level alone lets a signer hide
  or replace text inside their own revision (a "shadow attack").

The form values (``Nomor``, ``Tanggal``, ``QR``) are read too, so the caller
can compare them with the register.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo

from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields as pdf_fields
from pyhanko.sign.diff_analysis import (
    CatalogModificationRule,
    DocInfoRule,
    DSSCompareRule,
    FormUpdatingRule,
    GenericFieldModificationRule,
    MetadataUpdateRule,
    ModificationLevel,
    ObjectStreamRule,
    SigFieldCreationRule,
    SigFieldModificationRule,
    StandardDiffPolicy,
    XrefStreamRule,
)
from pyhanko.sign.validation.pdf_embedded import (
    EmbeddedPdfSignature,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import CertificateValidator, ValidationContext

from pipeline.core.delegation import Delegation
from pipeline.core.workflow import Workflow
from pipeline.pdf.review import DRAF_FIELD, is_draf_field
from pipeline.signing.bounded import CheckLimits, CheckRefused, structure_problem
from pipeline.signing.keys import SIGNING_KEY_USAGE, names_match
from pipeline.signing.pdfsig import PdfsigResult, PdfsigUnavailable, pdfsig_check
from pipeline.signing.revisions import RevisionRule, field_refs, revision_problems
from pipeline.signing.seal import SEAL_FIELD

__all__ = ["PdfsigResult", "PdfsigUnavailable", "SignatureReport", "VerificationReport",
           "pdfsig_check", "verify_pdf"]

SEAL_ROLE = "Cap Dinas"
DEFAULT_TZ = ZoneInfo("Asia/Pontianak")
FORM_FIELDS = ("Nomor", "Tanggal", "QR")
# Text fields the numbering revision fills (issue 18 added the claim beside the QR code and
# the Lampiran's number and date); it also empties every review band ``Draf_<page>``.
ISSUE_FIELDS = (*FORM_FIELDS, "Keterangan", "Nomor_Lampiran", "Tanggal_Lampiran")
_ALLOWED_AFTER = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES,
                  ModificationLevel.FORM_FILLING)

# pyHanko's default policy, except that a form field's appearance stream may not be
# rewritten in place (only replaced by a new stream). Stricter (an in-place rewrite is a
# shadow-attack vector), and needed for long-term letters: with in-place updates allowed,
# pyHanko 0.38 lists every filled field's appearance as "updated" in any revision after
# the seal, so the DSS and the archive timestamp after the seal's lock were rated OTHER
# (docs/signing.md, "Letters that verify in ten years").
SPT_DIFF_POLICY = StandardDiffPolicy(
    global_rules=[
        CatalogModificationRule(),
        DocInfoRule().as_qualified(ModificationLevel.LTA_UPDATES),
        XrefStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
        ObjectStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
        DSSCompareRule().as_qualified(ModificationLevel.LTA_UPDATES),
        MetadataUpdateRule().as_qualified(ModificationLevel.LTA_UPDATES),
    ],
    form_rule=FormUpdatingRule(field_rules=[
        SigFieldCreationRule(),
        SigFieldModificationRule(),
        GenericFieldModificationRule(allow_in_place_appearance_stream_changes=False),
    ]),
)


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
    certificate_ours: bool              # the signer's certificate chains to our roots (even when
                                        # the signed bytes changed and nothing else is checked)
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

    @classmethod
    def from_dict(cls, data: dict) -> SignatureReport:
        """The report :meth:`to_dict` wrote (from a bounded check's JSON answer)."""
        values = {k: data[k] for k in cls.__dataclass_fields__}
        when = values["signing_time"]
        values["signing_time"] = dt.datetime.fromisoformat(when) if when else None
        values["problems"] = tuple(values["problems"])
        return cls(**values)


@dataclass(frozen=True)
class VerificationReport:
    """Every signature of a PDF, the form values, and the verdict."""

    signatures: tuple[SignatureReport, ...]
    form_values: dict[str, str | None]
    unsigned_fields: tuple[str, ...]
    missing: tuple[str, ...]            # workflow fields (and the seal) not yet signed
    problems: tuple[str, ...] = field(default=())
    # With ``at``: each signature's long-term verdict at that date (pipeline.signing.longterm).
    long_term: tuple = field(default=())
    long_term_at: dt.datetime | None = None
    # The newest archive timestamp's certificate expires then: renew before (spt perpanjang).
    archive_until: dt.datetime | None = None
    # Signed with DEMO certificates (spt init --demo); set by the bounded check's child,
    # which alone parses a file from outside (pipeline.signing.demo_pki.demo_signed).
    demo: bool = False

    @property
    def ok(self) -> bool:
        """Every signature holds and nothing forbidden happened after any of them."""
        return bool(self.signatures) and not self.problems

    @property
    def document_problems(self) -> tuple[str, ...]:
        """Problems of the document itself (fields, revisions), not of one signature."""
        own = tuple(f"{s.field_name}: " for s in self.signatures)
        return tuple(p for p in self.problems if not p.startswith(own))

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
            "demo": self.demo,
            **({"long_term_at": self.long_term_at.isoformat(),
                "long_term": [r.to_dict() for r in self.long_term],
                "archive_until": self.archive_until.isoformat() if self.archive_until else None}
               if self.long_term_at is not None else {}),
        }

    @classmethod
    def from_dict(cls, data: dict) -> VerificationReport:
        """The report :meth:`to_dict` wrote (from a bounded check's JSON answer)."""
        from pipeline.signing.longterm import LongTermResult

        return cls(
            signatures=tuple(SignatureReport.from_dict(s) for s in data["signatures"]),
            form_values=dict(data["form_values"]),
            unsigned_fields=tuple(data["unsigned_fields"]),
            missing=tuple(data["missing"]),
            problems=tuple(data["problems"]),
            long_term=tuple(LongTermResult.from_dict(r) for r in data.get("long_term", ())),
            long_term_at=_when(data.get("long_term_at")),
            archive_until=_when(data.get("archive_until")),
            demo=bool(data.get("demo", False)),
        )


def _when(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def verify_in_child(pdf: bytes, trust_roots: list[str], workflow: Workflow | None,
                    tz_name: str, moment: str | None, at: str | None,
                    delegations: tuple[Delegation, ...], case_id: str | None,
                    limits: CheckLimits) -> dict:
    """:func:`verify_pdf` as :func:`pipeline.signing.bounded.run_bounded` runs it (times as
    ISO strings: the answer and the arguments cross as plain data)."""
    report = verify_pdf(pdf, trust_roots=[Path(p) for p in trust_roots], workflow=workflow,
                        tz=ZoneInfo(tz_name),
                        moment=dt.datetime.fromisoformat(moment) if moment else None,
                        at=dt.datetime.fromisoformat(at) if at else None,
                        delegations=delegations, case_id=case_id, limits=limits)
    from pipeline.signing.demo_pki import demo_signed

    return replace(report, demo=demo_signed(pdf)).to_dict()


def verify_pdf(
    pdf: bytes,
    *,
    trust_roots: list[Path],
    workflow: Workflow | None = None,
    tz: ZoneInfo = DEFAULT_TZ,
    moment: dt.datetime | None = None,
    at: dt.datetime | None = None,
    delegations: Sequence[Delegation] = (),
    case_id: str | None = None,
    limits: CheckLimits | None = None,
) -> VerificationReport:
    """Check every signature of ``pdf`` against ``trust_roots`` (see the module's rules).

    ``moment`` is the time at which certificates must be valid (default: now).
    ``at``: also judge, from the file's own validation data, whether every signature
    still verifies on that date (PAdES long-term validation); a signature that does not
    is a problem ("tidak dapat diverifikasi pada ..."), and the cryptographic checks are
    then made at the signing time instead of now (certificates may have expired by then).
    Never raises for a bad PDF: the report says what is wrong. With ``limits``, a file
    with more revisions or fields than that raises :class:`CheckRefused` before any
    signature is validated (the cost of validation grows with their product).

    ``delegations`` (the store's, for the letter's case ``case_id``): a stage's mark by its
    Plh./Plt. is the right person's when it was made during their delegation; its role then
    reads ``Plh. <role>``.
    """
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        if limits is not None:
            hit = structure_problem(reader, limits)
            if hit is not None:
                raise CheckRefused(*hit)
        embedded, stamps, broken = collect_signatures(reader)
    except CheckRefused:
        raise
    except Exception as exc:  # any parse failure is a verdict, not a crash
        return VerificationReport((), {}, (), (), (f"PDF tidak dapat dibaca: {exc}",))

    roots = []
    problems: list[str] = [f"{name}: isi kolom tanda tangan rusak dan tidak dapat dibaca"
                           for name in broken]
    for path in trust_roots:
        try:
            roots += list(load_certs_from_pemder([str(path)]))
        except (OSError, ValueError):
            problems.append(f"sertifikat akar {path} tidak dapat dibaca")
    stages = {s.field_name: s for s in workflow.reviewers} if workflow else {}

    dss = _dss_data(reader)
    statuses = asyncio.run(_validate_all(embedded, roots, moment, dss))
    reports: list[SignatureReport] = []
    for i, (sig, (status, ours)) in enumerate(zip(embedded, statuses, strict=True)):
        last = i == len(embedded) - 1
        reports.append(_report(sig, status, ours, stages, workflow is not None, last, tz,
                               at=at, delegations=delegations, case_id=case_id))
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
        # First: they say what was done to the letter; the signatures' problems follow from it.
        problems[:0] = _structure_problems(reader, embedded, stamps, wanted, roots)
    long_term: tuple = ()
    archive_until = None
    if at is not None and embedded:
        from pipeline.signing.longterm import validate_at
        from pipeline.signing.ltv import archive_timestamps

        long_term = tuple(validate_at(pdf, roots, at, diff_policy=SPT_DIFF_POLICY))
        archive = archive_timestamps(pdf)
        archive_until = archive[-1][1] if archive else None
        day = at.astimezone(tz).strftime("%d-%m-%Y")
        problems += [
            f"{r.field_name}: tidak dapat diverifikasi pada {day} dari data di dalam berkas "
            f"({r.status}: {r.reason}); surat tanpa data validasi jangka panjang (LTV) "
            "tidak dapat dibuktikan setelah sertifikatnya kedaluwarsa"
            for r in long_term if not r.ok
        ]
    return VerificationReport(
        signatures=tuple(reports),
        form_values=form_values(reader),
        unsigned_fields=unsigned,
        missing=missing,
        problems=tuple(problems),
        long_term=long_term,
        long_term_at=at,
        archive_until=archive_until,
    )


def collect_signatures(reader: PdfFileReader) -> tuple[list, list, list[str]]:
    """The regular signatures and the document timestamps in signing order, and the names of
    filled signature fields that cannot be read at all (pyHanko's own collection stops at the
    first one, and skips a signature whose SubFilter it does not know)."""
    regular, stamps, broken = [], [], []
    for name, _value, sig_field in pdf_fields.enumerate_sig_fields(reader, filled_status=True):
        try:
            sig = EmbeddedPdfSignature(reader, sig_field, name)
            _ = sig.signed_revision
        except Exception:
            broken.append(str(name))
            continue
        (stamps if sig.sig_object_type == "/DocTimeStamp" else regular).append(sig)
    return (sorted(regular, key=lambda s: s.signed_revision),
            sorted(stamps, key=lambda s: s.signed_revision), broken)


def is_letter_field(name: str, signature_fields) -> bool:
    """Whether ``name`` is a field an SPT of the chain has: a signature field per marking
    stage, the seal, the number, date and QR code, and the review marks and Lampiran
    fields of :mod:`pipeline.pdf.review` and :mod:`pipeline.pdf.fields` (issue 18)."""
    return (name in signature_fields or name == SEAL_FIELD or name in ISSUE_FIELDS
            or is_draf_field(name))


def _structure_problems(reader: PdfFileReader, embedded, stamps, signature_fields: list[str],
                        roots=()) -> list[str]:
    """Fields beyond an SPT's own, document timestamps other than the archive timestamps
    after the seal (issue 23), and revisions that changed more than they were allowed to
    (see the module's rules)."""
    problems: list[str] = []
    try:
        present = field_refs(reader.root["/AcroForm"])
    except KeyError:
        present = {}
    seal = _seal_revision(embedded)
    archive = [s for s in stamps if seal is not None and _revision_of(s) > seal]
    archive_names = {str(s.field_name) for s in archive}
    unexpected = sorted(n for n in present
                        if not is_letter_field(n, signature_fields) and n not in archive_names)
    if unexpected:
        problems.append("kolom yang bukan bagian dari surat ini: " + ", ".join(unexpected[:10]))
    for stamp in stamps:
        if stamp not in archive:
            problems.append(f"{stamp.field_name}: stempel waktu dokumen (/DocTimeStamp) yang "
                            "tidak dibubuhkan oleh layanan ini")
    problems += asyncio.run(_archive_problems(archive, roots))
    problems += [f"revisi {r + 1}: {p}" for r, p in revision_report(reader, embedded, archive)]
    return problems


def _revision_of(sig) -> int:
    try:
        return sig.signed_revision
    except Exception:
        return -1


def _seal_revision(embedded) -> int | None:
    return next((_revision_of(s) for s in embedded if str(s.field_name) == SEAL_FIELD), None)


async def _archive_problems(stamps, roots) -> list[str]:
    """Each archive timestamp after the seal must be intact, valid and from a TSA whose
    certificate chains to our roots: a timestamp anyone can make proves nothing."""
    problems = []
    for stamp in stamps:
        name = str(stamp.field_name)
        context = ValidationContext(trust_roots=list(roots), allow_fetching=False,
                                    revocation_mode="soft-fail")
        try:
            status = await async_validate_pdf_timestamp(stamp, validation_context=context,
                                                        diff_policy=SPT_DIFF_POLICY)
        except Exception as exc:
            problems.append(f"{name}: stempel waktu dokumen tidak dapat diperiksa "
                            f"({type(exc).__name__})")
            continue
        if not (status.intact and status.valid):
            problems.append(f"{name}: stempel waktu dokumen tidak utuh atau tidak sah")
        elif not status.trusted:
            problems.append(f"{name}: stempel waktu dokumen bukan dari server cap waktu "
                            "(TSA) yang dipercaya")
    return problems


def revision_report(reader: PdfFileReader, embedded, archive=()) -> list[tuple[int, str]]:
    """Every revision from the first signature on, held to its rule.

    A revision holding a signature may fill only that signature's field; one without,
    after the last mark and before the seal, only the number, date, QR, Lampiran and
    review-mark fields; one between two marks nothing; after the seal only validation
    data (``/DSS``) and, in the revision of an archive timestamp (``archive``: the
    ``/DocTimeStamp`` signatures after the seal), that timestamp's new invisible field.
    """
    by_revision: dict[int, str] = {}
    for sig in embedded:
        try:
            by_revision[sig.signed_revision] = str(sig.field_name)
        except Exception:
            continue
    if not by_revision:
        return []
    stamped = {_revision_of(s): str(s.field_name) for s in archive}
    seal = next((r for r, name in by_revision.items() if name == SEAL_FIELD), None)
    last_mark = max((r for r, name in by_revision.items() if name != SEAL_FIELD), default=-1)
    found: list[tuple[int, str]] = []
    for revision in range(min(by_revision), reader.xrefs.total_revisions):
        if revision in by_revision:
            rule = RevisionRule(signature_field=by_revision[revision])
        elif seal is not None and revision > seal:
            rule = RevisionRule(validation_data=True, timestamp_field=stamped.get(revision))
        elif revision > last_mark:  # after the last mark, before the seal: the number
            rule = RevisionRule(text_fields=frozenset(ISSUE_FIELDS), refill_pattern=DRAF_FIELD)
        else:                       # between two marks: nothing at all
            rule = RevisionRule()
        try:
            found += [(revision, p) for p in revision_problems(reader, revision, rule)]
        except Exception as exc:  # an unreadable revision is a failure, not a crash
            found.append((revision, f"revisi tidak dapat dibaca ({type(exc).__name__})"))
    return found


def _dss_data(reader):
    """The DSS's certificates, CRLs and OCSP responses (empty lists without a DSS)."""
    from pipeline.signing.ltv import dss_contents

    try:
        return dss_contents(reader)
    except Exception:  # an unreadable DSS: validate without it (it proves nothing)
        return [], [], []


async def _validate_all(embedded, roots, moment, dss=([], [], [])):
    """Validate every signature in one event loop (pyHanko's sync wrapper starts one each).

    The DSS's CRLs and OCSP responses are used: a certificate they show revoked before
    the signature was made fails (revocation data the letter carries is evidence).
    """
    certs, crls, ocsps = dss
    results = []
    for sig in embedded:
        context = ValidationContext(
            trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail", moment=moment,
            other_certs=certs, crls=crls, ocsps=ocsps,
        )
        try:
            status = await async_validate_pdf_signature(
                sig, signer_validation_context=context, key_usage_settings=SIGNING_KEY_USAGE,
                diff_policy=SPT_DIFF_POLICY,
            )
        except Exception as exc:  # malformed signature: report, don't crash
            status = exc
        ours = not isinstance(status, Exception) and bool(status.trusted)
        if not ours:
            ours = await _certificate_ours(sig, roots, moment)
        results.append((status, ours))
    return results


async def _certificate_ours(sig, roots, moment) -> bool:
    """Whether the signer's certificate chains to our roots, judged on its own: pyHanko does
    not validate the certificate of a signature whose signed bytes changed."""
    try:
        context = ValidationContext(trust_roots=roots, allow_fetching=False,
                                    revocation_mode="soft-fail", moment=moment)
        validator = CertificateValidator(sig.signer_cert, intermediate_certs=list(
            sig.other_embedded_certs), validation_context=context)
        await validator.async_validate_usage(set())
    except Exception:
        return False
    return True


def _report(sig, status, ours: bool, stages, with_workflow: bool, last: bool,
            tz: ZoneInfo, at: dt.datetime | None = None,
            delegations: Sequence[Delegation] = (),
            case_id: str | None = None) -> SignatureReport:
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
            intact=False, valid=False, trusted=False, certificate_ours=ours,
            modification_level=None, coverage=None,
            whole_file=False, bottom_line=False,
            problems=(f"tanda tangan tidak dapat diperiksa: {status}",),
        )

    problems: list[str] = []
    if not status.intact:
        problems.append("isi yang ditandatangani telah berubah (tidak utuh)")
    if not status.valid:
        problems.append("tanda tangan tidak sah secara kriptografis")
    revoked = getattr(status, "revocation_details", None)
    if revoked is not None:
        problems.append(_revoked_reason(revoked, tz))
    elif (not status.trusted and not (at is not None and _expired_only(sig))
          and not (ours and not status.intact)):
        # (a changed signature of our own certificate is already said to be not intact)
        problems.append(_untrusted_reason(sig, at))
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
    # Only validation data and document timestamps (LTA_UPDATES) may follow the last one.
    if last and not whole and level is not ModificationLevel.LTA_UPDATES:
        problems.append("tanda tangan terakhir tidak mencakup seluruh berkas")
    ts = status.timestamp_validity
    when = ts.timestamp if ts is not None else status.signer_reported_dt
    if with_workflow:
        if role is None:
            problems.append("kolom ini bukan bagian dari alur SPT")
        elif stage is not None and not names_match(signer, stage.person.name):
            deputy = _deputy_of(stage, signer, when, delegations, case_id)
            if deputy is not None:
                role = f"{deputy.kind.prefix} {stage.role}"
            else:
                problems.append(f"ditandatangani oleh '{signer}', bukan oleh "
                                f"{stage.person.name} ({stage.role})")

    return SignatureReport(
        field_name=name,
        signer=signer,
        role=role,
        signing_time=when.astimezone(tz) if when is not None else None,
        timestamped=ts is not None,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        certificate_ours=ours,
        modification_level=level.name if level is not None else None,
        coverage=status.coverage.name if status.coverage is not None else None,
        whole_file=whole,
        bottom_line=bool(status.bottom_line),
        problems=tuple(problems),
    )


def _deputy_of(stage, signer: str, when: dt.datetime | None,
               delegations: Sequence[Delegation], case_id: str | None) -> Delegation | None:
    """The delegation under which ``signer`` marked ``stage`` at ``when``, if any."""
    if when is None:
        return None
    for d in delegations:
        if (d.stage_key == stage.key and d.case_id in (None, case_id)
                and d.start <= when < d.until and names_match(signer, d.deputy.name)):
            return d
    return None


def _revoked_reason(details, tz: ZoneInfo) -> str:
    """The revocation the letter's own data (or the CA) shows, with its date and reason."""
    when = getattr(details, "revocation_date", None)
    reason = getattr(details, "revocation_reason", None)
    whose = "otoritas penerbit" if getattr(details, "ca_revoked", False) else "penanda tangan"
    text = f"sertifikat {whose} telah dicabut"
    if when is not None:
        text += f" sejak {when.astimezone(tz):%d-%m-%Y %H:%M %Z}"
    if reason is not None:
        text += f" (alasan: {getattr(reason, 'native', reason)})"
    return text + "; tanda tangan yang dibuat setelahnya tidak sah"


def _expired_only(sig) -> bool:
    """Whether the signer's certificate has expired by now (then the long-term check judges)."""
    try:
        not_after = sig.signer_cert["tbs_certificate"]["validity"]["not_after"].native
    except Exception:
        return False
    return not_after < dt.datetime.now(dt.UTC)


def _untrusted_reason(sig, at: dt.datetime | None = None) -> str:
    """Why the signer's certificate is not trusted, as precisely as the certificate tells."""
    try:
        validity = sig.signer_cert["tbs_certificate"]["validity"]
        not_before = validity["not_before"].native
        not_after = validity["not_after"].native
    except Exception:
        not_before = not_after = None
    now = at or dt.datetime.now(dt.UTC)
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
