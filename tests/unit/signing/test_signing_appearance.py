"""What a mark shows: Indonesian date and time in the agency's zone, the person, the role."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from pipeline.core.workflow import Action
from pipeline.signing.appearance import FONT_DIRS, SANS, MarkAppearance, format_when, prepared_font

WHEN = dt.datetime(2026, 5, 12, 3, 5, tzinfo=dt.UTC)


@pytest.mark.parametrize(("zone", "expected"), [
    ("Asia/Pontianak", "12 Mei 2026 10.05 WIB"),
    ("Asia/Jakarta", "12 Mei 2026 10.05 WIB"),
    ("Asia/Makassar", "12 Mei 2026 11.05 WITA"),
    ("Asia/Jayapura", "12 Mei 2026 12.05 WIT"),
])
def test_format_when_in_the_agency_zone(zone, expected):
    assert format_when(WHEN, ZoneInfo(zone)) == expected


def test_format_when_crosses_midnight_in_local_time():
    late = dt.datetime(2026, 12, 31, 18, 30, tzinfo=dt.UTC)
    assert format_when(late, ZoneInfo("Asia/Pontianak")) == "1 Januari 2027 01.30 WIB"


def test_naive_time_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        format_when(dt.datetime(2026, 5, 12, 10, 0), ZoneInfo("Asia/Pontianak"))


def test_for_stage_paraf_and_signature(config):
    wf = config.workflow()
    paraf = MarkAppearance.for_stage(wf.stage("sekretaris"), config)
    assert paraf.action is Action.PARAF
    assert paraf.reason == "Paraf Sekretaris"
    assert paraf.location == "Pontianak"
    # The role is in the Paraf table's row already; the box holds the name and the time.
    assert paraf.text(WHEN) == "Drs. Agus Salim, M.Si.\n12 Mei 2026 10.05 WIB"
    # A reviewer who signs (tanda tangan koordinasi) has a paraf row: the same look.
    sekda = MarkAppearance.for_stage(wf.stage("sekda"), config)
    assert sekda.action is Action.TANDATANGAN and sekda.paraf_look
    assert sekda.reason == "Tanda tangan Sekretaris Daerah"
    assert sekda.text(WHEN) == "Dr. H. Sudirman\nEffendi, M.Si.\n12 Mei 2026 10.05 WIB"
    assert sekda.stamp_style() is paraf.stamp_style()
    ttd = MarkAppearance.for_stage(wf.stage("gubernur"), config)
    assert ttd.reason == "Tanda tangan Gubernur" and not ttd.paraf_look
    assert ttd.text(WHEN).startswith("Ditandatangani secara\nelektronik oleh\nH. Arif Rahman")
    with pytest.raises(ValueError):
        MarkAppearance.for_stage(wf.drafting, config)


def test_prepared_font_is_rescaled_to_1000_units_per_em():
    from io import BytesIO

    from fontTools.ttLib import TTFont

    path = next((d / n for n in SANS for d in FONT_DIRS if (d / n).is_file()), None)
    if path is None:
        pytest.skip("no Liberation/DejaVu font installed")
    data = prepared_font(path)
    assert data is not None
    font = TTFont(BytesIO(data))
    assert font["head"].unitsPerEm == 1000
    assert ord("é") in font.getBestCmap()
