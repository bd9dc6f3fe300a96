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
- the number, date and QR fields were not touched (they belong to the finalisation).
"""

from __future__ import annotations

import io

from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader

from pipeline.config import Config
from pipeline.core.workflow import SigningMode, Stage
from pipeline.signing.verify import form_values, verify_pdf


def check_approver_revision(
    *, published: bytes, submitted: bytes, stage: Stage, config: Config
) -> list[str]:
    """What is wrong with ``submitted`` as ``published`` plus ``stage``'s own mark (empty: fine)."""
    if not submitted.startswith(published) or len(submitted) == len(published):
        return [
            "berkas bukan PDF yang dikirim layanan ditambah tanda tangan: isi aslinya berubah "
            "atau tidak ada tanda tangan baru (tandatangani tanpa mengubah dokumen)"
        ]
    report = verify_pdf(submitted, trust_roots=config.trust.roots, workflow=config.workflow(),
                        tz=config.tz)
    problems = list(report.problems)

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
        problem = _certificate_problem(submitted, mark.field_name, config, stage)
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
    return {str(s.field_name) for s in reader.embedded_regular_signatures}


def _revision_problem(published: bytes, submitted: bytes, field_name: str) -> str | None:
    """The new signature must sign the very next revision after the published file.

    An extra revision in between (the document edited, then signed) would be signed
    content the earlier marks cannot always see: at the first marking stage there is no
    earlier signature whose change analysis would catch it. Revisions *after* the new
    signature (timestamps, validation data) are judged by that signature's own analysis.
    """
    published_revisions = PdfFileReader(io.BytesIO(published), strict=False).xrefs.total_revisions
    reader = PdfFileReader(io.BytesIO(submitted), strict=False)
    sig = next(s for s in reader.embedded_regular_signatures if s.field_name == field_name)
    if sig.signed_revision != published_revisions:
        return ("berkas diubah sebelum ditandatangani (ada revisi lain di antara berkas dari "
                "layanan dan tanda tangan Anda); tandatangani berkas asli tanpa menyuntingnya")
    return None


def _certificate_problem(pdf: bytes, field_name: str, config: Config, stage: Stage) -> str | None:
    stage_cfg = next(s for s in config.stage if s.key == stage.key)
    if stage_cfg.certificate is None:
        return None
    try:
        expected = next(iter(load_certs_from_pemder([str(stage_cfg.certificate)])))
    except (OSError, ValueError, StopIteration):
        return f"sertifikat tahap ini ({stage_cfg.certificate}) tidak dapat dibaca"
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    sig = next(s for s in reader.embedded_regular_signatures if s.field_name == field_name)
    if sig.signer_cert.dump() != expected.dump():
        return (
            "tanda tangan dibuat dengan sertifikat lain daripada yang terdaftar untuk "
            f"{stage.person.name} ({stage_cfg.certificate.name})"
        )
    return None
