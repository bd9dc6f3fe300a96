"""Every transition of the case state machine (the SOP's rules)."""

import pytest

from pipeline.core.machine import (
    Advance,
    Agreed,
    CaseState,
    DraftSubmitted,
    GoBack,
    Refusal,
    RefusalCode,
    Returned,
    Status,
    apply,
    cancelled,
    decide,
    issued,
    received,
)
from pipeline.core.workflow import Action, Person, SigningMode, Stage, Workflow


def _stage(i, key, action, signing=SigningMode.SERVICE):
    person = Person(f"Pejabat {key}", "196508091986031012", key, f"{key}@x.go.id")
    return Stage(i, key, key.title(), person, action, 10, f"{i + 1:02d}-{key}", signing)


@pytest.fixture
def wf():
    return Workflow((
        _stage(0, "kepegawaian", Action.DRAFT),
        _stage(1, "kasubag", Action.PARAF),
        _stage(2, "sekretaris", Action.PARAF),
        _stage(3, "gubernur", Action.TANDATANGAN),
    ))


def at(stage, marked=(), status=Status.IN_CHAIN, version=1):
    return CaseState(status, stage, version, "docx1", "pdf1", frozenset(marked))


def test_new_case_is_at_drafting_with_version_one():
    s = CaseState.opened("d", "p")
    assert (s.status, s.stage, s.version, s.marked) == (Status.IN_CHAIN, 0, 1, frozenset())


def test_unchanged_draft_moves_to_first_reviewer_same_version(wf):
    d = decide(wf, at(0), DraftSubmitted("docx1"))
    assert d == Advance(0, 1, new_version=False)
    s = apply(wf, at(0), d)
    assert (s.stage, s.version, s.pdf_sha256) == (1, 1, "pdf1")


def test_edited_draft_is_a_new_version_and_clears_every_mark(wf):
    state = at(0, marked={"kasubag", "sekretaris"})
    d = decide(wf, state, DraftSubmitted("docx2"))
    assert d.new_version and d.to_stage == 1 and d.mark is None
    s = apply(wf, state, d, pdf_sha256="pdf2", docx_sha256="docx2")
    assert (s.stage, s.version, s.docx_sha256, s.pdf_sha256, s.marked) == (
        1, 2, "docx2", "pdf2", frozenset())


def test_new_version_needs_the_new_hashes(wf):
    d = decide(wf, at(0), DraftSubmitted("docx2"))
    with pytest.raises(ValueError):
        apply(wf, at(0), d)


def test_draft_with_problems_is_refused_and_stays(wf):
    d = decide(wf, at(0), DraftSubmitted("docx2", ("Tabel Kepada kosong",)))
    assert isinstance(d, Refusal) and d.code is RefusalCode.DRAFT_INVALID
    assert "Tabel Kepada kosong" in d.message


def test_agreeing_marks_and_moves_one_stage_forward(wf):
    d = decide(wf, at(1), Agreed(1, "pdf1"))
    assert d == Advance(1, 2, mark=wf.stages[1])
    s = apply(wf, at(1), d, pdf_sha256="pdf1+k")
    assert (s.stage, s.pdf_sha256, s.marked) == (2, "pdf1+k", frozenset({"kasubag"}))


def test_a_mark_needs_the_signed_file_hash(wf):
    d = decide(wf, at(1), Agreed(1, "pdf1"))
    with pytest.raises(ValueError):
        apply(wf, at(1), d)


def test_last_stage_agreeing_goes_to_finalisation(wf):
    state = at(3, marked={"kasubag", "sekretaris"})
    d = decide(wf, state, Agreed(3, "pdf1"))
    assert d.finalize and d.mark == wf.stages[3]
    s = apply(wf, state, d, pdf_sha256="signed")
    assert s.status is Status.FINALIZING and s.marked == {"kasubag", "sekretaris", "gubernur"}


def test_returning_goes_back_exactly_one_stage(wf):
    for stage in (1, 2, 3):
        d = decide(wf, at(stage), Returned(stage, "pdf1", "salah tanggal"))
        assert d == GoBack(stage, stage - 1, "salah tanggal")
        assert apply(wf, at(stage), d).stage == stage - 1


def test_first_reviewer_returns_to_drafting(wf):
    d = decide(wf, at(1), Returned(1, "pdf1", "NIP keliru"))
    assert apply(wf, at(1), d).stage == 0


def test_return_without_reason_records_tanpa_alasan(wf):
    d = decide(wf, at(2), Returned(2, "pdf1", "  "))
    assert d.reason == "tanpa alasan"


def test_return_keeps_marks(wf):
    state = at(2, marked={"kasubag"})
    s = apply(wf, state, decide(wf, state, Returned(2, "pdf1", "x")))
    assert s.marked == {"kasubag"} and s.stage == 1


def test_drafting_stage_cannot_return(wf):
    d = decide(wf, at(0), Returned(0, "docx1", "x"))
    assert isinstance(d, Refusal) and d.code is RefusalCode.CANNOT_RETURN_DRAFT


def test_agreeing_again_after_a_return_does_not_mark_twice(wf):
    state = at(1, marked={"kasubag"})
    d = decide(wf, state, Agreed(1, "pdf1"))
    assert d == Advance(1, 2, mark=None)
    s = apply(wf, state, d)
    assert s.stage == 2 and s.pdf_sha256 == "pdf1" and s.marked == {"kasubag"}


def test_round_trip_return_to_drafting_then_unchanged_keeps_marks(wf):
    s = at(2, marked={"kasubag"})
    s = apply(wf, s, decide(wf, s, Returned(2, "pdf1", "a")))       # to kasubag
    s = apply(wf, s, decide(wf, s, Returned(1, "pdf1", "b")))       # to drafting
    d = decide(wf, s, DraftSubmitted("docx1"))                      # unchanged
    s = apply(wf, s, d)
    assert s.stage == 1 and s.marked == {"kasubag"}
    d = decide(wf, s, Agreed(1, "pdf1"))
    assert d.mark is None and d.to_stage == 2


def test_changed_file_is_refused_for_agree_and_return(wf):
    for event in (Agreed(1, "tampered"), Returned(1, "tampered", "x")):
        d = decide(wf, at(1), event)
        assert isinstance(d, Refusal) and d.code is RefusalCode.FILE_CHANGED


def test_file_of_another_stage_is_refused(wf):
    d = decide(wf, at(1), Agreed(2, "pdf1"))
    assert isinstance(d, Refusal) and d.code is RefusalCode.WRONG_STAGE
    assert "02-kasubag" in d.message


@pytest.mark.parametrize("status", [Status.FINALIZING, Status.ISSUED, Status.CLOSED,
                                    Status.CANCELLED])
def test_nothing_moves_a_case_that_left_the_chain(wf, status):
    d = decide(wf, at(3, status=status), Agreed(3, "pdf1"))
    assert isinstance(d, Refusal) and d.code is RefusalCode.NOT_IN_CHAIN


def test_approver_stage_needs_their_own_signature(wf):
    approver_wf = Workflow((
        wf.stages[0],
        _stage(1, "kasubag", Action.PARAF, SigningMode.APPROVER),
        _stage(2, "gubernur", Action.TANDATANGAN),
    ))
    d = decide(approver_wf, at(1), Agreed(1, "pdf1"))
    assert isinstance(d, Refusal) and d.code is RefusalCode.APPROVER_SIGNATURE
    d = decide(approver_wf, at(1), Agreed(1, "signed-by-them", ("tanda tangan bukan milik X",)))
    assert isinstance(d, Refusal) and "bukan milik X" in d.message
    d = decide(approver_wf, at(1), Agreed(1, "signed-by-them", ()))
    assert d == Advance(1, 2, approver_marked=approver_wf.stages[1])
    s = apply(approver_wf, at(1), d, pdf_sha256="signed-by-them")
    assert s.marked == {"kasubag"} and s.pdf_sha256 == "signed-by-them"


def test_issue_receive_cancel():
    s = at(3, status=Status.FINALIZING)
    s = issued(s, "final")
    assert s.status is Status.ISSUED and s.pdf_sha256 == "final"
    assert received(s).status is Status.CLOSED
    with pytest.raises(ValueError):
        cancelled(s)
    with pytest.raises(ValueError):
        issued(at(1), "x")
    assert cancelled(at(1)).status is Status.CANCELLED


def test_workflow_shape_is_checked():
    with pytest.raises(ValueError, match="first stage"):
        Workflow((_stage(0, "a", Action.PARAF), _stage(1, "b", Action.TANDATANGAN)))
    with pytest.raises(ValueError, match="last stage must sign"):
        Workflow((_stage(0, "a", Action.DRAFT), _stage(1, "b", Action.PARAF)))
    with pytest.raises(ValueError):
        Workflow((_stage(0, "a", Action.DRAFT),))


def test_cancel_batal():
    from pipeline.core.machine import Cancel, CancelRequested

    w = Workflow((
        _stage(0, "kepegawaian", Action.DRAFT),
        _stage(1, "kasubag", Action.PARAF),
        _stage(2, "gubernur", Action.TANDATANGAN),
    ))
    # The drafter, from batal/ at the drafting stage.
    d = decide(w, at(0), CancelRequested(0, "Bukan undangan.  "))
    assert d == Cancel(0, "Bukan undangan.")
    assert apply(w, at(0), d).status is Status.CANCELLED
    # batal/ only works at drafting; a case that moved on is refused there.
    d = decide(w, at(1), CancelRequested(0, "x"))
    assert isinstance(d, Refusal) and d.code is RefusalCode.WRONG_STAGE
    # IT, at any stage before numbering.
    assert decide(w, at(2, marked={"kasubag"}), CancelRequested(None, "Acara batal")) == Cancel(
        2, "Acara batal")
    for status in (Status.FINALIZING, Status.ISSUED, Status.CLOSED):
        d = decide(w, at(3, status=status), CancelRequested(None, "x"))
        assert isinstance(d, Refusal) and d.code is RefusalCode.CANNOT_CANCEL
    d = decide(w, at(0, status=Status.CANCELLED), CancelRequested(None, "x"))
    assert isinstance(d, Refusal) and d.code is RefusalCode.NOT_IN_CHAIN
    # A cancelled case accepts nothing.
    d = decide(w, at(0, status=Status.CANCELLED), DraftSubmitted("docx1"))
    assert isinstance(d, Refusal) and "dibatalkan" in d.message
