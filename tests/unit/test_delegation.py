"""Plh./Plt.: who holds a stage when, what may be set, and how the letter words it (pure)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.core import delegation as dl
from pipeline.core.delegation import Delegation, DelegationKind
from pipeline.core.workflow import Person
from pipeline.drafting.letter import LetterContext

ROOT = Path(__file__).resolve().parents[2]
WIB = dt.timezone(dt.timedelta(hours=7))
DAY = dt.datetime(2026, 12, 8, tzinfo=WIB)  # the Sekda's day of leave, 00:00 local
ASISTEN = Person(name="Dr. Rahmat Hidayat, S.H., M.H.", nip="196805141993031009",
                 jabatan="Asisten Pemerintahan dan Kesejahteraan Rakyat",
                 email="asisten1@kalbarprov.go.id", pangkat="Pembina Utama Madya")
KABID = Person(name="Drs. Yohanes Kristian, M.Si.", nip="196508091986031012",
               jabatan="Kepala Bidang Kelembagaan Koperasi",
               email="yohanes.k@diskopukm.kalbarprov.go.id", pangkat="Pembina Utama Muda")


@pytest.fixture(scope="module")
def config():
    return load_config(ROOT / "pipeline" / "resources" / "workspace" / "spt.toml")


@pytest.fixture(scope="module")
def wf(config):
    return config.workflow()


def leave(stage="sekda", deputy=ASISTEN, *, start=DAY, days=1, case=None, id=1,
          kind=DelegationKind.PLH, ended_at=None) -> Delegation:
    return Delegation(stage_key=stage, deputy=deputy, kind=kind, start=start,
                      end=start + dt.timedelta(days=days), case_id=case, id=id,
                      ended_at=ended_at)


# --- who holds the stage -----------------------------------------------------------------

def test_the_deputy_holds_the_stage_during_the_period_and_the_official_outside_it(wf):
    sekda = wf.stage("sekda")
    d = leave()
    assert dl.holder(sekda, DAY - dt.timedelta(seconds=1), "SPT-1", [d]) is None
    assert dl.holder(sekda, DAY, "SPT-1", [d]) is d
    assert dl.holder(sekda, DAY + dt.timedelta(hours=23, minutes=59), "SPT-1", [d]) is d
    assert dl.holder(sekda, DAY + dt.timedelta(days=1), "SPT-1", [d]) is None  # ends by itself
    held = dl.held_stage(sekda, DAY + dt.timedelta(hours=9), "SPT-1", [d])
    assert held.person == ASISTEN and held.acting.official == sekda.person
    assert held.key == "sekda" and held.field_name == sekda.field_name
    assert dl.held_stage(sekda, DAY + dt.timedelta(days=2), "SPT-1", [d]) == sekda


def test_an_early_end_gives_the_stage_back_at_that_moment(wf):
    sekda = wf.stage("sekda")
    d = leave(ended_at=DAY + dt.timedelta(hours=12))
    assert dl.holder(sekda, DAY + dt.timedelta(hours=11), None, [d]) is d
    assert dl.holder(sekda, DAY + dt.timedelta(hours=12), None, [d]) is None


def test_a_delegation_for_one_case_holds_only_that_case_and_comes_first(wf):
    sekda = wf.stage("sekda")
    general = leave(id=1)
    single = leave(deputy=KABID, case="SPT-2026-0007", id=2)
    at = DAY + dt.timedelta(hours=10)
    assert dl.holder(sekda, at, "SPT-2026-0007", [general, single]) is single
    assert dl.holder(sekda, at, "SPT-2026-0008", [general, single]) is general
    assert dl.holder(sekda, at, "SPT-2026-0008", [single]) is None


def test_only_the_delegated_stage_changes_in_the_held_chain(wf):
    at = DAY + dt.timedelta(hours=10)
    held = dl.held_workflow(wf, at, "SPT-1", [leave()])
    changed = [s.key for s, o in zip(held.stages, wf.stages, strict=True) if s != o]
    assert changed == ["sekda"]
    assert dl.held_workflow(wf, at + dt.timedelta(days=3), "SPT-1", [leave()]) is wf


# --- what may be set -----------------------------------------------------------------------

def test_a_plain_delegation_passes(wf):
    assert dl.check_new(wf, leave(), []) == []


def test_overlapping_delegations_of_one_stage_are_refused(wf):
    first = leave(id=1)
    later_same_day = leave(deputy=KABID, start=DAY + dt.timedelta(hours=12), id=None)
    problems = dl.check_new(wf, later_same_day, [first])
    assert len(problems) == 1 and "bertumpang tindih dengan pelimpahan #1" in problems[0]
    next_day = leave(deputy=KABID, start=DAY + dt.timedelta(days=1), id=None)
    assert dl.check_new(wf, next_day, [first]) == []  # [start, end): touching is not overlap
    other_stage = leave(stage="kasubag", deputy=KABID, id=None)
    assert dl.check_new(wf, other_stage, [first]) == []
    ended = leave(id=1, ended_at=DAY + dt.timedelta(hours=12))
    assert dl.check_new(wf, later_same_day, [ended]) == []


def test_a_case_delegation_overlapping_the_general_one_is_refused_two_cases_are_not(wf):
    general = leave(id=1)
    assert dl.check_new(wf, leave(deputy=KABID, case="SPT-1", id=None), [general])
    one = leave(deputy=KABID, case="SPT-1", id=3)
    assert dl.check_new(wf, leave(deputy=KABID, case="SPT-2", id=None), [one]) == []


def test_the_next_stage_official_is_refused_unless_configured(wf):
    gubernur = wf.stage("gubernur").person
    d = leave(deputy=gubernur)
    problems = dl.check_new(wf, d, [])
    assert len(problems) == 1 and "pejabat tahap berikutnya (Gubernur)" in problems[0]
    assert "allow_next_stage_official" in problems[0]
    assert dl.check_new(wf, d, [], allow_next_stage_official=True) == []


def test_the_official_themself_an_empty_period_and_unknown_or_drafting_stages_are_refused(wf):
    assert "pejabat tahap ini sendiri" in dl.check_new(
        wf, leave(deputy=wf.stage("sekda").person), [])[0]
    assert "sesudah awalnya" in dl.check_new(wf, leave(days=0), [])[0]
    assert "tidak ada dalam rantai" in dl.check_new(wf, leave(stage="bupati"), [])[0]
    assert "penyusunan draf" in dl.check_new(wf, leave(stage="kepegawaian"), [])[0]


# --- the letter's words --------------------------------------------------------------------

def test_title_line_and_record_of_who_acted(wf):
    held = dl.held_stage(wf.stage("sekda"), DAY, None, [leave()])
    assert dl.title_line(held, "Sekretaris Daerah") == "Plh. SEKRETARIS DAERAH"
    assert dl.title_line(held, "x", "SEKRETARIS DAERAH PROVINSI") == "Plh. SEKRETARIS DAERAH PROVINSI"
    assert dl.acting_phrase(held) == (
        "Dr. Rahmat Hidayat, S.H., M.H. sebagai Plh. Sekretaris Daerah")
    plt = dl.held_stage(wf.stage("sekda"), DAY, None, [leave(kind=DelegationKind.PLT)])
    assert dl.acting_role(plt) == "Plt. Sekretaris Daerah"
    assert dl.title_line(wf.stage("sekda"), "Sekretaris Daerah") == "SEKRETARIS DAERAH"


@pytest.mark.parametrize("name, bare", [
    ("Dr. Rahmat Hidayat, S.H., M.H.", "Rahmat Hidayat"),
    ("Dr. H. Sudirman Effendi, M.Si.", "H. Sudirman Effendi"),
    ("Drs. Agus Salim, M.Si.", "Agus Salim"),
    ("Prof. Dr. Ir. Budi", "Budi"),
    ("Rina Marlina", "Rina Marlina"),
])
def test_degrees_are_left_out(name, bare):
    assert dl.without_degrees(name) == bare


def test_article_44_a_plh_sekda_signs_without_degrees_nip_or_rank(config, wf):
    held = dl.held_workflow(wf, DAY, None, [leave(stage="gubernur", deputy=ASISTEN)])
    ctx = LetterContext.build(config=config, workflow=held, fields={}, assignees=[])
    assert ctx.signatory.title_line == "Plh. GUBERNUR KALIMANTAN BARAT"
    assert ctx.signatory.name == "Rahmat Hidayat"
    assert not ctx.signatory.show_nip


def test_a_plh_of_another_office_shows_their_own_nip_and_rank(config, wf):
    kadis = wf.stage("kasubag")
    assert dl.deputy_shows_nip(dl.held_stage(kadis, DAY, None, [leave("kasubag", KABID)]))


def test_the_paraf_row_of_a_delegated_stage_reads_plh(config, wf):
    held = dl.held_workflow(wf, DAY, None, [leave()])
    ctx = LetterContext.build(config=config, workflow=held, fields={}, assignees=[])
    rows = {r.field_name: r for r in ctx.paraf_rows}
    assert rows["TTD_sekda"].jabatan == "Plh. Sekretaris Daerah Provinsi Kalimantan Barat"
    assert rows["TTD_sekda"].name == ASISTEN.name
    assert rows["Paraf_kasubag"].jabatan == "Kepala Sub Bagian Administrasi dan Umum"
    plain = LetterContext.build(config=config, workflow=wf, fields={}, assignees=[])
    assert plain.signatory.title_line == "GUBERNUR KALIMANTAN BARAT"


def test_a_block_printed_for_someone_other_than_the_holder_is_found(config, wf):
    """The signatory's mark checks the printed block (pipeline.service.engine): a Plh. set
    after drafting, or a Plh. block when the official holds the stage again."""
    from pipeline.drafting.letter import signatory_block

    official = signatory_block(config, wf.signatory)
    deputy = signatory_block(config, dl.held_stage(wf.signatory, DAY, None,
                                                   [leave(stage="gubernur")]))
    printed_official = ("GUBERNUR KALIMANTAN\nBARAT,", "H. Sutarmidji")  # as pdfplumber reads
    printed_deputy = ("Plh. GUBERNUR KALIMANTAN BARAT,", "Rahmat Hidayat")
    assert dl.printed_block_differs(*printed_official, title=deputy.title_line,
                                    name=deputy.name, deputy=True)
    assert not dl.printed_block_differs(*printed_deputy, title=deputy.title_line,
                                        name=deputy.name, deputy=True)
    assert dl.printed_block_differs("Plh. GUBERNUR KALIMANTAN BARAT,", "Budi Santoso",
                                    title=deputy.title_line, name=deputy.name, deputy=True)
    # The official again: a Plh./Plt. block is someone else's; his own, as drafted, is his.
    assert dl.printed_block_differs(*printed_deputy, title=official.title_line,
                                    name=official.name, deputy=False)
    assert dl.printed_block_differs("Plt. GUBERNUR KALIMANTAN BARAT,", "Rahmat Hidayat",
                                    title=official.title_line, name=official.name,
                                    deputy=False)
    assert not dl.printed_block_differs(*printed_official, title=official.title_line,
                                        name=official.name, deputy=False)
