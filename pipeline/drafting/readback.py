"""The invitation's fields as the drafter's letter shows them, read back from the DOCX.

The case's fields (the agenda's subject, the verification page) were what the
extraction read from the invitation; the drafter may have corrected any of them
in the letter, or filled what could not be read. When the draft starts the chain,
the engine records what the letter says instead (:func:`shown_fields`): the
citation in the last "Dasar" item (``Surat <pengirim> Nomor <nomor> tanggal
<tanggal> hal <hal>.``) and the event in the first "Untuk" item (``menghadiri
<acara> pada tanggal <dates>[, pukul <waktu>], bertempat di <tempat>;``). A part
the drafter rewrote beyond these shapes is left as recorded.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pipeline.core.dates_id import MONTHS
from pipeline.drafting.assignees import AssigneeError, _open_body
from pipeline.drafting.check import _PLACEHOLDER, _STOP_DASAR, _STOP_UNTUK, section_items

_MONTH = {m.lower(): i for i, m in enumerate(MONTHS, start=1)}
_DATE = re.compile(r"^(\d{1,2})(?:\s+([A-Za-z]+))?(?:\s+(\d{4}))?$")
_CITATION = re.compile(
    r"^Surat (?P<pengirim>.+?) Nomor (?P<nomor>\S+) tanggal (?P<tanggal>\d{1,2} \w+ \d{4}) "
    r"hal (?P<hal>.+?)[.;]?$")
_ATTEND = re.compile(
    r"^menghadiri (?P<acara>.+?) pada tanggal (?P<dates>.+?)(?:, pukul (?P<waktu>.+?))?, "
    r"bertempat di (?P<tempat>.+?)[.;]?$")


def parse_long_date(text: str) -> dt.date | None:
    """``5 Desember 2026`` -> a date; ``None`` if it is not one."""
    m = _DATE.match(" ".join(text.split()))
    if not m or not m.group(2) or not m.group(3):
        return None
    month = _MONTH.get(m.group(2).lower())
    try:
        return dt.date(int(m.group(3)), month, int(m.group(1))) if month else None
    except ValueError:
        return None


def parse_range(text: str) -> tuple[dt.date, dt.date] | None:
    """``3 s.d. 5 Desember 2026``, ``30 November s.d. 2 Desember 2026``, ``5 Desember 2026``."""
    parts = [p.strip() for p in re.split(r"\bs\.d\.?", text)]
    end = parse_long_date(parts[-1])
    if end is None or len(parts) > 2:
        return None
    if len(parts) == 1:
        return end, end
    m = _DATE.match(" ".join(parts[0].split()))
    if not m:
        return None
    month = _MONTH.get((m.group(2) or "").lower(), end.month)
    year = int(m.group(3)) if m.group(3) else end.year
    try:
        start = dt.date(year, month, int(m.group(1)))
    except ValueError:
        return None
    return (start, end) if start <= end else None


def shown_fields(docx: Path) -> dict[str, str]:
    """The fields the letter shows (only those it shows in the expected shape)."""
    try:
        body = _open_body(Path(docx))
    except AssigneeError:
        return {}
    out: dict[str, str] = {}
    for item in reversed(section_items(body, "Dasar", _STOP_DASAR) or []):
        m = _CITATION.match(item)
        if m:
            out.update(pengirim=m["pengirim"], nomor=m["nomor"], hal=m["hal"])
            day = parse_long_date(m["tanggal"])
            if day is not None:
                out["tanggal"] = day.isoformat()
            break
    untuk = section_items(body, "Untuk", _STOP_UNTUK) or []
    m = _ATTEND.match(untuk[0]) if untuk else None
    if m:
        out.update(acara=m["acara"], tempat=m["tempat"])
        if m["waktu"]:
            out["waktu"] = m["waktu"]
        dates = parse_range(m["dates"])
        if dates is not None:
            out["tanggal_mulai"], out["tanggal_selesai"] = (d.isoformat() for d in dates)
    return {k: v for k, v in out.items() if not _PLACEHOLDER.search(v)}  # hints are no values
