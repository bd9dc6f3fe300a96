"""Applying a stage's mark to a case's current PDF (and checking approver-applied ones)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from pipeline.config import Config
from pipeline.core.workflow import Stage, Workflow
from pipeline.folders.atomic import sha256_bytes
from pipeline.folders.layout import Workspace
from pipeline.store.cases import CaseRecord

log = logging.getLogger("spt.signer")


class MarkSigner:
    def __init__(self, config: Config, workflow: Workflow, ws: Workspace, keyring):
        self.config = config
        self.workflow = workflow
        self.ws = ws
        self.keyring = keyring
        self._timestamper = None

    def timestamper(self):
        """The configured timestamper (TSA URL or the demo's in-process key), made once."""
        if self._timestamper is None and (self.config.trust.tsa_url
                                          or self.config.trust.tsa_key is not None):
            from pipeline.signing.ltv import timestamper_for_config

            self._timestamper = timestamper_for_config(self.config)
        return self._timestamper

    def mark(self, case: CaseRecord, stage: Stage, base_sha256: str, *, when: dt.datetime) -> str:
        """Sign ``base_sha256``'s PDF with ``stage``'s person's key; the new file's hash."""
        from pipeline.signing.marks import MarkAppearance, apply_mark

        pdf = self.ws.case_file(case.id, base_sha256, "pdf").read_bytes()
        signer = self._signer_of(stage)
        self._refuse_revoked(stage, signer)
        signed = apply_mark(
            pdf,
            field_name=stage.field_name,
            signer=signer,
            appearance=MarkAppearance.for_stage(stage, self.config),
            when=when,
            timestamper=self.timestamper(),
        )
        return self.ws.keep(case.id, signed, "pdf")

    def can_mark_for(self, nip: str) -> bool:
        """Whether the running service holds a deputy's key (loaded at start-up)."""
        from pipeline.signing.keys import deputy_key_label

        label = deputy_key_label(self.config, nip)
        return label is not None and label in self.keyring

    def _signer_of(self, stage: Stage):
        """The key of whoever holds ``stage``: a Plh./Plt. marks with their own key, never the
        absent official's (``stage`` as held: pipeline.service.holders)."""
        if stage.acting is not None:
            return self.keyring.deputy_signer(self.config, stage.person.nip)
        return self.keyring.signer(stage.key)

    def read_checked(self, path: Path, sha256: str) -> bytes | None:
        """``path``'s bytes if they still hash to ``sha256`` (what is checked is what is kept)."""
        return _read_as(path, sha256)

    def _refuse_revoked(self, stage: Stage, signer) -> None:
        """Ask the CA before every mark: a revoked key is never used (SigningFailed)."""
        from pipeline.signing.revocation import check_signer
        from pipeline.signing.signature import SigningFailed

        status = check_signer(self.config, signer.label, signer)
        log.info("revocation check before the mark of %s: %s", stage.key,
                 "revoked" if status.revoked else f"unknown ({status.unknown})"
                 if status.unknown else "good")
        if status.revoked:
            raise SigningFailed(status.message)

    def keep_approver_file(self, case: CaseRecord, path: Path, sha256: str) -> str:
        """Keep the checked file; ``FileChanged`` if it is no longer the one checked."""
        data = _read_as(path, sha256)
        if data is None:
            raise FileChanged(f"{path.name} changed after it was checked")
        return self.ws.keep(case.id, data, "pdf")


class FileChanged(Exception):
    """An official's file changed between being checked and being used (it is looked at again)."""


def _read_as(path: Path, sha256: str) -> bytes | None:
    """``path``'s bytes (never through a link) if they still hash to ``sha256``."""
    from pipeline.untrusted.reading import read_untrusted

    data = read_untrusted(path, 200 * 1024 * 1024)
    return data if sha256_bytes(data) == sha256 else None
