"""Making a case's draft: read the invitation, render the SPT, convert it, prepare its fields.

Runs in a worker thread (OCR and LibreOffice take time) and touches no
database: it returns the hashes of the files it stored under
``state/cases/<case>/files/``, and the engine records them.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config import Config
from pipeline.convert import Converter
from pipeline.core.workflow import Workflow
from pipeline.drafting.letter import LetterContext, render_draft
from pipeline.folders.atomic import sha256_bytes, write_atomic
from pipeline.folders.layout import Workspace
from pipeline.pdf.prepare import prepare_for_signing

log = logging.getLogger(__name__)

FIELD_KEYS = ("nomor", "tanggal", "hal", "pengirim", "acara", "tanggal_mulai",
              "tanggal_selesai", "waktu", "tempat")


@dataclass(frozen=True)
class DraftFiles:
    docx_sha256: str
    pdf_sha256: str
    fields: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def read_invitation(source: Path, limits) -> tuple[dict[str, Any], list[str]]:
    """The invitation's fields (``None`` where unreadable) and notes for the drafter."""
    from pipeline.extract import ExtractionRefused, ExtractLimits, extract

    try:
        result = extract(source, limits=ExtractLimits.from_config(limits))
    except ExtractionRefused as exc:
        return dict.fromkeys(FIELD_KEYS), [str(exc)]
    except Exception:  # never let a bad invitation stop the drafting of its case
        log.exception("extraction failed for %s", source.name)
        return dict.fromkeys(FIELD_KEYS), [
            "Isi surat undangan tidak dapat dibaca otomatis; lengkapi isian secara manual."
        ]
    return dict(result.fields), list(result.notes)


class DraftMaker:
    def __init__(self, config: Config, workflow: Workflow, ws: Workspace, converter: Converter):
        self.config = config
        self.workflow = workflow
        self.ws = ws
        self.converter = converter

    def first_draft(
        self, case_id: str, source: Path, assignees: list[dict[str, Any]],
        fields: dict[str, Any] | None = None,
    ) -> DraftFiles:
        notes: list[str] = []
        if fields is None:
            fields, notes = read_invitation(source, self.config.limits)
        ctx = LetterContext.build(
            config=self.config, workflow=self.workflow, fields=fields, assignees=assignees,
        )
        with tempfile.TemporaryDirectory(dir=self.ws.state, prefix=".draft-") as tmp:
            docx = Path(tmp) / f"{case_id}.docx"
            render_draft(self.config.letter.template, ctx, docx)
            docx_sha = self._keep(case_id, docx.read_bytes(), "docx")
            pdf_sha = self._convert_and_prepare(case_id, docx, Path(tmp))
        return DraftFiles(docx_sha, pdf_sha, fields, tuple(notes))

    def new_version(self, case_id: str, docx: Path) -> tuple[str, str]:
        """The drafter's edited DOCX becomes a version: (docx hash, prepared PDF hash)."""
        data = docx.read_bytes()
        docx_sha = self._keep(case_id, data, "docx")
        with tempfile.TemporaryDirectory(dir=self.ws.state, prefix=".draft-") as tmp:
            local = Path(tmp) / f"{case_id}.docx"
            local.write_bytes(data)
            pdf_sha = self._convert_and_prepare(case_id, local, Path(tmp))
        return docx_sha, pdf_sha

    def _convert_and_prepare(self, case_id: str, docx: Path, tmp: Path) -> str:
        pdf = tmp / f"{case_id}.pdf"
        self.converter.convert(docx, pdf)
        prepared = prepare_for_signing(pdf.read_bytes(), self.workflow)
        return self._keep(case_id, prepared, "pdf")

    def _keep(self, case_id: str, data: bytes, ext: str) -> str:
        sha = sha256_bytes(data)
        target = self.ws.case_file(case_id, sha, ext)
        if not target.exists():
            write_atomic(target, data)
        return sha
