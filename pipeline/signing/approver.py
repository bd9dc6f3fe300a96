"""Checking a mark the official applied themselves (stages with ``signing = "approver"``).

Such an official downloads the PDF the service published, signs it in their
own software (Acrobat, a BSrE client, pyHanko), and moves it to
``disetujui/``. The service accepts it only if it is exactly the published
file plus that official's signature (DESIGN.md, "Which file to move"):

- the published bytes are untouched (the signature was appended as an
  incremental update, as every PDF signer does);
- every signature verifies (:func:`~pipeline.signing.verify.verify_pdf`), the
  new one covers the whole file, nothing forbidden was changed;
- exactly one new signature, in this stage's own field;
- made with the certificate configured for the stage (``certificate``), or, if
  the file cannot be read, by the configured person;
- the number, date and QR fields were not touched (they belong to the finalisation);
- the signature's revision is the only new one, and it changed nothing but that
  field's value, its signature dictionary and its widget's appearance (inside the
  field's existing rectangle) plus a writer's bookkeeping
  (:mod:`pipeline.signing.revisions`): no content stream, annotation, new field or
  ``/DocTimeStamp`` can ride along with an otherwise valid signature.

The check runs on plain values (:class:`ApproverSpec`), so that the service can run
it in a bounded child process (:mod:`pipeline.signing.bounded`) instead of in its
engine: :func:`check_in_child`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader

from pipeline.core.workflow import SigningMode, Stage, Workflow
from pipeline.signing.bounded import CheckLimits
from pipeline.signing.revisions import RevisionRule, revision_problems
from pipeline.signing.verify import collect_signatures, form_values, verify_pdf

if TYPE_CHECKING:
    from pipeline.config import Config


@dataclass(frozen=True)
class ApproverSpec:
    """What an approver's file is checked against, as plain values (crosses to a child)."""

    stage: Stage
    workflow: Workflow
    trust_roots: tuple[Path, ...]
    tz_name: str
    certificate: Path | None

    @classmethod
    def for_stage(cls, config: Config, stage: Stage) -> ApproverSpec:
        stage_cfg = next(s for s in config.stage if s.key == stage.key)
        return cls(stage=stage, workflow=config.workflow(),
                   trust_roots=tuple(config.trust.roots), tz_name=config.agency.timezone,
                   certificate=stage_cfg.certificate)


def check_approver_revision(
    *, published: bytes, submitted: bytes, stage: Stage, config: Config,
    limits: CheckLimits | None = None,
) -> list[str]:
    """What is wrong with ``submitted`` as ``published`` plus ``stage``'s own mark (empty: fine)."""
    return check_submitted(published, submitted, ApproverSpec.for_stage(config, stage), limits)


def check_in_child(published_path: str, submitted: bytes, spec: ApproverSpec,
                   limits: CheckLimits) -> list[str]:
    """:func:`check_submitted` as :func:`pipeline.signing.bounded.run_bounded` runs it."""
    return check_submitted(Path(published_path).read_bytes(), submitted, spec, limits)


def check_submitted(published: bytes, submitted: bytes, spec: ApproverSpec,
                    limits: CheckLimits | None = None) -> list[str]:
    """The checks of the module's docstring, on plain values."""
    stage = spec.stage
    if not submitted.startswith(published) or len(submitted) == len(published):
        return [
            "berkas bukan PDF yang dikirim layanan ditambah tanda tangan: isi aslinya berubah "
            "atau tidak ada tanda tangan baru (tandatangani tanpa mengubah dokumen)"
        ]
    if limits is not None and len(submitted) - len(published) > limits.max_bytes:
        return [f"tanda tangan menambah lebih dari {limits.max_bytes // (1024 * 1024)} MB pada "
                "berkas; tanda tangan yang wajar jauh lebih kecil"]
    published_revisions = PdfFileReader(io.BytesIO(published), strict=False).xrefs.total_revisions
    reader = PdfFileReader(io.BytesIO(submitted), strict=False)
    added = reader.xrefs.total_revisions - published_revisions
    if added != 1:
        return [f"berkas diubah sebelum ditandatangani atau sesudahnya: ada {added} revisi "
                "baru, sedangkan yang diterima hanya satu, yaitu tanda tangan Anda "
                "(tandatangani berkas asli tanpa menyunting atau menyimpannya ulang, dan "
                "tanpa menambahkan data validasi/LTV atau stempel waktu dokumen)"]
    changes = revision_problems(reader, published_revisions,
                                RevisionRule(signature_field=stage.field_name))
    report = verify_pdf(submitted, trust_roots=list(spec.trust_roots), workflow=spec.workflow,
                        tz=ZoneInfo(spec.tz_name), limits=limits)
    problems = [p for p in report.problems if not p.startswith("revisi ")]
    if changes:
        problems.append("tanda tangan Anda membawa perubahan lain pada dokumen, yang tidak "
                        "diizinkan (hanya kolom tanda tangan Anda sendiri yang boleh terisi): "
                        + "; ".join(changes))

    before = _signature_fields(published)
    new = [s for s in report.signatures if s.field_name not in before]
    if len(new) != 1 or len(report.signatures) != len(before) + 1:
        names = ", ".join(s.field_name for s in new) or "tidak ada"
        problems.append(f"harus ada tepat satu tanda tangan baru; ditemukan: {names}")
        return problems
    mark = new[0]
    revision = _revision_problem(published, submitted, mark.field_name)
    if revision:
        problems.append(revision)
    if mark.field_name != stage.field_name:
        problems.append(
            f"tanda tangan dibubuhkan di kolom {mark.field_name}, seharusnya di {stage.field_name}"
        )
    if stage.signing is SigningMode.APPROVER:
        problem = _certificate_problem(submitted, mark.field_name, spec)
        if problem:
            problems.append(problem)

    old_values = report_values(published)
    for name, value in report.form_values.items():
        if old_values.get(name) != value:
            problems.append(f"isian {name} diubah; nomor dan tanggal diisi oleh layanan")
    return problems


def report_values(pdf: bytes) -> dict[str, str | None]:
    """The text fields of ``pdf`` by name (the report fields: Nomor, Tanggal, ...)."""
    return form_values(PdfFileReader(io.BytesIO(pdf), strict=False))


def _signature_fields(pdf: bytes) -> set[str]:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    return {str(s.field_name) for s in collect_signatures(reader)[0]}


def _revision_problem(published: bytes, submitted: bytes, field_name: str) -> str | None:
    """The new signature must sign the very next revision after the published file.

    An extra revision in between (the document edited, then signed) would be signed
    content the earlier marks cannot always see: at the first marking stage there is no
    earlier signature whose change analysis would catch it. Revisions *after* the new
    signature (timestamps, validation data) are judged by that signature's own analysis.
    """
    published_revisions = PdfFileReader(io.BytesIO(published), strict=False).xrefs.total_revisions
    reader = PdfFileReader(io.BytesIO(submitted), strict=False)
    sig = next(s for s in collect_signatures(reader)[0] if s.field_name == field_name)
    if sig.signed_revision != published_revisions:
        return ("berkas diubah sebelum ditandatangani (ada revisi lain di antara berkas dari "
                "layanan dan tanda tangan Anda); tandatangani berkas asli tanpa menyuntingnya")
    return None


def _certificate_problem(pdf: bytes, field_name: str, spec: ApproverSpec) -> str | None:
    stage, certificate = spec.stage, spec.certificate
    if certificate is None:
        return None
    try:
        expected = next(iter(load_certs_from_pemder([str(certificate)])))
    except (OSError, ValueError, StopIteration):
        return f"sertifikat tahap ini ({certificate}) tidak dapat dibaca"
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    sig = next(s for s in collect_signatures(reader)[0] if s.field_name == field_name)
    if sig.signer_cert.dump() != expected.dump():
        return (
            "tanda tangan dibuat dengan sertifikat lain daripada yang terdaftar untuk "
            f"{stage.person.name} ({certificate.name})"
        )
    return None
