"""The SOP as data: who acts at which stage, with which mark, in what standard time.

A :class:`Workflow` is built from the configuration (see :mod:`pipeline.config`)
and never changes while the service runs. Stage 0 is always the drafting stage
(the SOP's *Pengadministrasi Kepegawaian*); every later stage reviews and marks
the draft; the last stage's signature is the letter's official signature.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.core.delegation import Acting


class Action(enum.StrEnum):
    """What a stage does when it agrees."""

    DRAFT = "draft"              # prepares the draft; no mark
    PARAF = "paraf"              # reviewer's initials (coordination mark)
    TANDATANGAN = "tandatangan"  # signature (coordination, or the official one if last)


class SigningMode(enum.StrEnum):
    """Who applies the stage's digital mark."""

    SERVICE = "service"    # the service signs with the person's key when the file is moved
    APPROVER = "approver"  # the official signs the PDF themselves, then moves it


@dataclass(frozen=True)
class Person:
    name: str
    nip: str
    jabatan: str
    email: str
    pangkat: str = ""


@dataclass(frozen=True)
class Stage:
    index: int
    key: str                      # e.g. "kasubag"; stable identifier used in the store
    role: str                     # e.g. "Kepala Sub Bagian Administrasi dan Umum"
    person: Person
    action: Action
    mutu_baku_minutes: int | None
    folder: str                   # e.g. "02-kasubag"
    signing: SigningMode = SigningMode.SERVICE
    # Set on a stage as *held* (pipeline.core.delegation.held_stage): ``person`` is then
    # the deputy (Plh./Plt.) acting for ``acting.official``.
    acting: Acting | None = None

    @property
    def marks(self) -> bool:
        return self.action is not Action.DRAFT

    @property
    def field_name(self) -> str:
        """Name of this stage's signature field in the PDF."""
        return f"{'Paraf' if self.action is Action.PARAF else 'TTD'}_{self.key}"


@dataclass(frozen=True)
class AutomaticStep:
    """A step of the SOP the service performs itself (numbering, receipt)."""

    key: str
    role: str
    activity: str
    mutu_baku_minutes: int | None
    person: Person | None = None


@dataclass(frozen=True)
class Workflow:
    stages: tuple[Stage, ...]
    finalization: AutomaticStep = field(
        default_factory=lambda: AutomaticStep(
            "umum", "Pengadministrasi Umum",
            "memberi nomor, cap dinas, mencatat di buku agenda", 10,
        )
    )
    receipt: AutomaticStep = field(
        default_factory=lambda: AutomaticStep(
            "pemohon", "Pemohon", "menerima SPT dan menandatangani tanda terima", 5,
        )
    )

    def __post_init__(self) -> None:
        if len(self.stages) < 2:
            raise ValueError("a workflow needs a drafting stage and at least one signing stage")
        if self.stages[0].action is not Action.DRAFT:
            raise ValueError("the first stage must be the drafting stage (action 'draft')")
        for i, stage in enumerate(self.stages):
            if stage.index != i:
                raise ValueError(f"stage {stage.key} has index {stage.index}, expected {i}")
            if i > 0 and stage.action is Action.DRAFT:
                raise ValueError(f"only the first stage drafts; stage {stage.key} cannot")
        if self.stages[-1].action is not Action.TANDATANGAN:
            raise ValueError("the last stage must sign (action 'tandatangan'): it is the signatory")

    @property
    def drafting(self) -> Stage:
        return self.stages[0]

    @property
    def signatory(self) -> Stage:
        return self.stages[-1]

    @property
    def reviewers(self) -> tuple[Stage, ...]:
        """Stages that mark the draft, signatory included."""
        return self.stages[1:]

    @property
    def last_index(self) -> int:
        return len(self.stages) - 1

    def stage(self, key_or_index: str | int) -> Stage:
        if isinstance(key_or_index, int):
            return self.stages[key_or_index]
        for stage in self.stages:
            if stage.key == key_or_index:
                return stage
        raise KeyError(key_or_index)

    def by_folder(self, folder: str) -> Stage | None:
        for stage in self.stages:
            if stage.folder == folder:
                return stage
        return None
