"""The case state machine: given a case's state and what an official did, decide.

Pure: no I/O, no clock. The service turns folder moves (and email replies)
into events, asks :func:`decide` what they mean, performs the effects the
decision names (sign, convert, publish) and finally calls :func:`apply` with
the hashes those effects produced.

The SOP's rules, in one place:

* agreeing moves a case one stage forward; the last stage's agreement sends
  it to finalisation (number, seal, agenda);
* returning moves it back exactly one stage, from the first reviewer back to
  drafting too; the drafting stage cannot return;
* agreeing again after a return, with the file unchanged, moves it forward
  without a second mark;
* an edited draft (a DOCX with a new hash) is a new version, which must
  collect every mark again from the first reviewer on;
* only the file the service published for the stage (same hash) is accepted;
* a case is cancelled (``batal``) by the drafter from the drafting stage, or by IT at
  any stage, as long as it is not yet signed (numbering has not begun); a cancelled
  case accepts nothing any more.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace

from pipeline.core.workflow import SigningMode, Stage, Workflow


class Status(enum.StrEnum):
    IN_CHAIN = "in_chain"        # at one of the workflow's stages
    FINALIZING = "finalizing"    # signed by the signatory; number, seal, agenda pending
    ISSUED = "issued"            # sent to the pemohon; waiting for the receipt
    CLOSED = "closed"            # receipt recorded (SOP step 11)
    CANCELLED = "cancelled"


# How people read a status (Indonesian), beside the enum so every view says it the same way.
STATUS_LABEL: dict[Status, str] = {           # a column in ``spt status``
    Status.IN_CHAIN: "dalam proses",
    Status.FINALIZING: "penomoran",
    Status.ISSUED: "terbit (menunggu tanda terima)",
    Status.CLOSED: "selesai",
    Status.CANCELLED: "dibatalkan",
}
STATUS_PHRASE: dict[Status, str] = {          # "kasus SPT-2026-0007 <phrase>" (not at a stage)
    Status.FINALIZING: "sedang diberi nomor",
    Status.ISSUED: "sudah diterbitkan",
    Status.CLOSED: "sudah selesai",
    Status.CANCELLED: "sudah dibatalkan",
}


@dataclass(frozen=True)
class CaseState:
    status: Status
    stage: int
    version: int
    docx_sha256: str
    pdf_sha256: str
    marked: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def opened(cls, docx_sha256: str, pdf_sha256: str) -> CaseState:
        """A new case: version 1 of the draft, at the drafting stage."""
        return cls(Status.IN_CHAIN, 0, 1, docx_sha256, pdf_sha256, frozenset())


# --- events -----------------------------------------------------------------

@dataclass(frozen=True)
class DraftSubmitted:
    """The drafter moved the DOCX into ``disetujui/``.

    ``problems`` lists what is wrong with the draft's content (empty Kepada
    table, invalid or unknown NIP), found by the adapter that read the DOCX.
    """

    docx_sha256: str
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Agreed:
    """A reviewer moved the PDF into ``disetujui/``."""

    stage: int
    file_sha256: str
    # For stages with approver-applied signatures: the file is the published one
    # plus the approver's own signature, already checked by the adapter.
    approver_signature_problems: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Returned:
    """A reviewer moved the PDF into ``dikembalikan/`` with a reason."""

    stage: int
    file_sha256: str
    reason: str


@dataclass(frozen=True)
class CancelRequested:
    """The case should be cancelled: by the drafter moving its file into ``batal/``
    (``stage`` is the stage whose folder it was, 0), or by IT (``stage`` ``None``)."""

    stage: int | None
    reason: str


Event = DraftSubmitted | Agreed | Returned | CancelRequested


# --- decisions --------------------------------------------------------------

class RefusalCode(enum.StrEnum):
    NOT_IN_CHAIN = "not_in_chain"
    WRONG_STAGE = "wrong_stage"
    FILE_CHANGED = "file_changed"
    DRAFT_INVALID = "draft_invalid"
    CANNOT_RETURN_DRAFT = "cannot_return_draft"
    APPROVER_SIGNATURE = "approver_signature"
    CANNOT_CANCEL = "cannot_cancel"


@dataclass(frozen=True)
class Refusal:
    code: RefusalCode
    message: str  # Indonesian, for the official's galat note


@dataclass(frozen=True)
class Advance:
    """Move forward from ``from_stage`` to ``to_stage`` (``None``: to finalisation)."""

    from_stage: int
    to_stage: int | None
    new_version: bool = False
    mark: Stage | None = None          # the service must apply this stage's mark
    approver_marked: Stage | None = None  # the official applied the mark themselves

    @property
    def finalize(self) -> bool:
        return self.to_stage is None


@dataclass(frozen=True)
class GoBack:
    from_stage: int
    to_stage: int
    reason: str


@dataclass(frozen=True)
class Cancel:
    """Cancel the case at ``from_stage``: it leaves every folder and is never issued."""

    from_stage: int
    reason: str


Decision = Refusal | Advance | GoBack | Cancel


def decide(workflow: Workflow, state: CaseState, event: Event) -> Decision:
    """What ``event`` means for a case in ``state``; never mutates anything."""
    if isinstance(event, CancelRequested):
        return _cancel(workflow, state, event)
    if state.status is not Status.IN_CHAIN:
        return Refusal(RefusalCode.NOT_IN_CHAIN, _not_in_chain(state))

    acting = 0 if isinstance(event, DraftSubmitted) else event.stage
    if acting != state.stage:
        here = workflow.stages[state.stage]
        return Refusal(
            RefusalCode.WRONG_STAGE,
            f"Berkas ini tidak sedang berada di tahap {workflow.stages[acting].role}; "
            f"saat ini kasus berada di tahap {here.role} (folder {here.folder}).",
        )

    if isinstance(event, DraftSubmitted):
        if event.problems:
            return Refusal(
                RefusalCode.DRAFT_INVALID,
                "Draf belum dapat diteruskan:\n" + "\n".join(f"- {p}" for p in event.problems),
            )
        return Advance(0, _next(workflow, 0), new_version=event.docx_sha256 != state.docx_sha256)

    if isinstance(event, Returned):
        if event.stage == 0:
            return Refusal(
                RefusalCode.CANNOT_RETURN_DRAFT,
                "Tahap penyusunan draf tidak dapat mengembalikan berkas. Perbaiki draf "
                "lalu pindahkan ke folder disetujui; jika SPT ini tidak diperlukan, "
                "pindahkan berkasnya ke folder batal dengan alasannya.",
            )
        if event.file_sha256 != state.pdf_sha256:
            return Refusal(RefusalCode.FILE_CHANGED, _changed(workflow, state))
        return GoBack(event.stage, event.stage - 1, event.reason.strip() or "tanpa alasan")

    stage = workflow.stages[event.stage]
    if event.approver_signature_problems is not None:
        if event.approver_signature_problems:
            return Refusal(
                RefusalCode.APPROVER_SIGNATURE,
                "Tanda tangan elektronik pada berkas tidak dapat diterima:\n"
                + "\n".join(f"- {p}" for p in event.approver_signature_problems),
            )
        return Advance(event.stage, _next(workflow, event.stage), approver_marked=stage)
    if event.file_sha256 != state.pdf_sha256:
        return Refusal(RefusalCode.FILE_CHANGED, _changed(workflow, state))
    already = stage.key in state.marked
    if not already and stage.signing is SigningMode.APPROVER:
        return Refusal(
            RefusalCode.APPROVER_SIGNATURE,
            f"Tahap {stage.role} ditandatangani sendiri oleh pejabat: berkas belum memuat "
            "tanda tangan elektronik Anda. Tandatangani berkas lalu pindahkan ke disetujui.",
        )
    return Advance(event.stage, _next(workflow, event.stage), mark=None if already else stage)


def _cancel(workflow: Workflow, state: CaseState, event: CancelRequested) -> Decision:
    if state.status is Status.CANCELLED:
        return Refusal(RefusalCode.NOT_IN_CHAIN, _not_in_chain(state))
    if state.status is not Status.IN_CHAIN:
        return Refusal(RefusalCode.CANNOT_CANCEL, (
            "SPT ini sudah ditandatangani (penomoran sudah dimulai) sehingga tidak dapat "
            "dibatalkan; surat yang sudah terbit hanya dapat dicabut (spt revoke)."))
    if event.stage is not None and event.stage != 0:
        return Refusal(RefusalCode.CANNOT_CANCEL, (
            "Pembatalan melalui folder batal hanya dapat dilakukan pada tahap penyusunan "
            "draf; pada tahap lain, kembalikan berkas atau minta TI membatalkannya."))
    if event.stage is not None and state.stage != 0:
        here = workflow.stages[state.stage]
        return Refusal(RefusalCode.WRONG_STAGE, (
            f"Kasus ini tidak lagi berada di tahap penyusunan draf; saat ini di tahap "
            f"{here.role} (folder {here.folder})."))
    return Cancel(state.stage, event.reason.strip() or "tanpa alasan")


def apply(
    workflow: Workflow,
    state: CaseState,
    decision: Advance | GoBack | Cancel,
    *,
    pdf_sha256: str | None = None,
    docx_sha256: str | None = None,
) -> CaseState:
    """The state after ``decision`` took effect.

    ``pdf_sha256`` is the hash of the file the effects produced (the newly
    converted version, or the file after the new mark); ``docx_sha256`` the
    drafter's DOCX when the decision made a new version.
    """
    if isinstance(decision, GoBack):
        return replace(state, stage=decision.to_stage)
    if isinstance(decision, Cancel):
        return replace(state, status=Status.CANCELLED)

    marked = state.marked
    version, docx = state.version, state.docx_sha256
    if decision.new_version:
        if docx_sha256 is None or pdf_sha256 is None:
            raise ValueError("a new version needs the new DOCX and PDF hashes")
        version, docx, marked = version + 1, docx_sha256, frozenset()
    if decision.mark is not None or decision.approver_marked is not None:
        if pdf_sha256 is None:
            raise ValueError("a mark changes the PDF: its new hash is required")
        marker = decision.mark or decision.approver_marked
        marked = marked | {marker.key}
    pdf = pdf_sha256 if pdf_sha256 is not None else state.pdf_sha256
    if decision.finalize:
        return replace(state, status=Status.FINALIZING, stage=workflow.last_index + 1,
                       version=version, docx_sha256=docx, pdf_sha256=pdf, marked=marked)
    return replace(state, stage=decision.to_stage, version=version, docx_sha256=docx,
                   pdf_sha256=pdf, marked=marked)


def issued(state: CaseState, final_pdf_sha256: str) -> CaseState:
    if state.status is not Status.FINALIZING:
        raise ValueError(f"only a finalising case can be issued, not one {state.status}")
    return replace(state, status=Status.ISSUED, pdf_sha256=final_pdf_sha256)


def received(state: CaseState) -> CaseState:
    if state.status is not Status.ISSUED:
        raise ValueError(f"only an issued case can be received, not one {state.status}")
    return replace(state, status=Status.CLOSED)


def cancelled(state: CaseState) -> CaseState:
    if state.status in (Status.ISSUED, Status.CLOSED):
        raise ValueError("an issued letter cannot be cancelled; revoke it instead")
    return replace(state, status=Status.CANCELLED)


def _next(workflow: Workflow, stage: int) -> int | None:
    return None if stage == workflow.last_index else stage + 1


def _changed(workflow: Workflow, state: CaseState) -> str:
    return (
        "Berkas yang dipindahkan tidak sama dengan berkas yang diterbitkan sistem untuk tahap "
        f"{workflow.stages[state.stage].role} (isi berkas telah berubah). Gunakan berkas asli "
        "yang ada di folder tahap ini; perubahan isi hanya dapat dilakukan oleh penyusun draf "
        "melalui pengembalian."
    )


def _not_in_chain(state: CaseState) -> str:
    return {
        Status.FINALIZING: "Kasus ini sudah ditandatangani dan sedang diberi nomor.",
        Status.ISSUED: "SPT untuk kasus ini sudah diterbitkan.",
        Status.CLOSED: "Kasus ini sudah selesai.",
        Status.CANCELLED: "Kasus ini sudah dibatalkan.",
    }.get(state.status, "Kasus ini tidak sedang dalam proses.")
