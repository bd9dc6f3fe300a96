"""Applying a stage's mark to a case's current PDF (and checking approver-applied ones)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.config import Config
from pipeline.core.workflow import Stage, Workflow
from pipeline.folders.atomic import sha256_bytes, write_atomic
from pipeline.folders.layout import Workspace
from pipeline.store.cases import CaseRecord


class MarkSigner:
    def __init__(self, config: Config, workflow: Workflow, ws: Workspace, keyring):
        self.config = config
        self.workflow = workflow
        self.ws = ws
        self.keyring = keyring

    def mark(self, case: CaseRecord, stage: Stage, base_sha256: str, *, when: dt.datetime) -> str:
        """Sign ``base_sha256``'s PDF with ``stage``'s person's key; the new file's hash."""
        from pipeline.signing.marks import MarkAppearance, apply_mark

        pdf = self.ws.case_file(case.id, base_sha256, "pdf").read_bytes()
        signed = apply_mark(
            pdf,
            field_name=stage.field_name,
            signer=self.keyring.signer(stage.key),
            appearance=MarkAppearance.for_stage(stage, self.config),
            when=when,
            tsa_url=self.config.trust.tsa_url,
        )
        return self._keep(case, signed)

    def check_approver_signature(self, case: CaseRecord, stage: Stage, path: Path) -> list[str]:
        """Problems with a PDF the official signed themselves (empty: acceptable)."""
        from pipeline.signing.approver import check_approver_revision

        published = self.ws.case_file(case.id, case.state.pdf_sha256, "pdf").read_bytes()
        return check_approver_revision(
            published=published, submitted=path.read_bytes(), stage=stage, config=self.config,
        )

    def keep_approver_file(self, case: CaseRecord, path: Path) -> str:
        return self._keep(case, path.read_bytes())

    def _keep(self, case: CaseRecord, data: bytes) -> str:
        sha = sha256_bytes(data)
        target = self.ws.case_file(case.id, sha, "pdf")
        if not target.exists():
            write_atomic(target, data)
        return sha
