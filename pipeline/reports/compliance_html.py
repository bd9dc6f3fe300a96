"""``spt report --html DIR``: one page a head of office reads at a glance.

``DIR/index.html`` has inline CSS and no external resources; its four
charts are matplotlib PNGs beside it (``waktu-per-tahap.png``,
``dalam-mutu-baku.png``, ``terbit-per-bulan.png``, ``pengembalian.png``), so
the folder can be copied to a share or mailed as a zip and opens anywhere.
Labels are Indonesian. Charts are drawn on plain :class:`matplotlib.figure.Figure`
objects (no pyplot state), so this is safe to call from any thread.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from pipeline.reports.compliance import (
    Report,
    StageStats,
    format_date,
    format_minutes,
    format_share,
    report_for_config,
    step_label,
)

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.core.workflow import Workflow

CHARTS = {
    "time": "waktu-per-tahap.png",
    "share": "dalam-mutu-baku.png",
    "issued": "terbit-per-bulan.png",
    "returns": "pengembalian.png",
}
GOOD, FAIR, POOR, NONE = "#2e7d32", "#f9a825", "#c62828", "#9e9e9e"
BLUE, LIGHT_BLUE, INK = "#1f4e79", "#9dc3e6", "#222222"
TARGET_SHARE = 0.8
_PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2f5597", "#843c0c",
            "#375623", "#7f6000", "#404040")


def write_html(config: Config, out_dir: Path, since: dt.date | None = None,
               until: dt.date | None = None, *, now: dt.datetime | None = None) -> Path:
    """Write ``out_dir/index.html`` with its charts beside it; return the page's path."""
    report = report_for_config(config, since, until, now)
    return render_report_page(config, report, Path(out_dir))


def render_report_page(config: Config, report: Report, out_dir: Path) -> Path:
    """Write the charts and ``index.html`` into ``out_dir``; return the page."""
    out_dir.mkdir(parents=True, exist_ok=True)
    workflow = config.workflow()
    labels = {s.key: step_label(s, workflow) for s in report.stages}
    day = report.calendar.minutes_per_day
    _time_chart(report.stages, labels, day, out_dir / CHARTS["time"])
    _share_chart(report.stages, labels, out_dir / CHARTS["share"])
    _issued_chart(report, out_dir / CHARTS["issued"])
    _returns_chart(report, labels, out_dir / CHARTS["returns"])
    page = out_dir / "index.html"
    page.write_text(_page(config, report, workflow, labels), encoding="utf-8")
    return page


# --- charts -----------------------------------------------------------------------


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    fig.set_facecolor("white")
    return fig


def _tidy(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_color("#888888")
    ax.spines["bottom"].set_color("#888888")
    ax.tick_params(colors="#333333", labelsize=9)


def _wrap(text: str, width: int = 34) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


_DURATION_TICKS = ((1, "1 mnt"), (5, "5 mnt"), (10, "10 mnt"), (30, "30 mnt"), (60, "1 jam"),
                   (240, "4 jam"), (480, "1 hari"), (2400, "1 minggu"), (9600, "1 bulan"))


def _time_chart(stages: list[StageStats], labels: dict[str, str], day: float, path: Path) -> None:
    """Median (bar) and 90th percentile (thin bar) per step, the mutu baku as a red marker."""
    fig = _figure(8.6, 0.55 * len(stages) + 1.6)
    ax = fig.add_subplot()
    y = list(range(len(stages)))[::-1]
    values = [v for s in stages for v in (s.median, s.p90, s.standard) if v]
    top = max(values, default=60) * 2.2
    for yi, s in zip(y, stages, strict=True):
        if s.p90:
            ax.barh(yi, s.p90, height=0.62, color=LIGHT_BLUE, zorder=2)
        if s.median:
            ax.barh(yi, s.median, height=0.34, color=BLUE, zorder=3)
            ax.text(max(s.p90 or 0, s.median) * 1.08, yi, format_minutes(s.median, day),
                    va="center", fontsize=8.5, color=INK, zorder=5)
        else:
            ax.text(1.05, yi, "belum ada data", va="center", fontsize=8.5, color="#777777")
        if s.standard:
            ax.plot([s.standard, s.standard], [yi - 0.42, yi + 0.42], color=POOR, lw=2.4,
                    zorder=4, solid_capstyle="butt")
    ax.set_xscale("log")
    ax.set_xlim(1, top)
    ticks = [t for t in _DURATION_TICKS if t[0] <= top]
    ax.xaxis.set_major_locator(FixedLocator([t[0] for t in ticks]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: dict(ticks).get(round(v), "")))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_yticks(y, [_wrap(labels[s.key]) for s in stages])
    ax.grid(axis="x", color="#dddddd", zorder=0)
    ax.set_xlabel("waktu jam kerja (skala logaritmik)", fontsize=9, color="#333333")
    _tidy(ax)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=BLUE, label="median"),
                       Patch(color=LIGHT_BLUE, label="persentil ke-90"),
                       Line2D([], [], color=POOR, lw=2.4, label="mutu baku")],
              loc="lower right", fontsize=8, frameon=False, ncols=3,
              bbox_to_anchor=(1.0, 1.0))
    fig.savefig(path)


def _share_colour(share: float | None) -> str:
    if share is None:
        return NONE
    if share >= TARGET_SHARE:
        return GOOD
    return FAIR if share >= 0.5 else POOR


def _share_chart(stages: list[StageStats], labels: dict[str, str], path: Path) -> None:
    """Share of stays within the mutu baku per step, coloured against the 80 % target."""
    fig = _figure(8.6, 0.5 * len(stages) + 1.3)
    ax = fig.add_subplot()
    y = list(range(len(stages)))[::-1]
    for yi, s in zip(y, stages, strict=True):
        share = s.within_share
        if share is None:
            why = "tanpa mutu baku" if s.standard is None else "belum ada data"
            ax.text(1, yi, why, va="center", fontsize=8.5, color="#777777")
            continue
        ax.barh(yi, share * 100, height=0.55, color=_share_colour(share), zorder=2)
        ax.text(share * 100 + 1.5, yi, f"{format_share(share)}  ({s.within}/{s.stays})",
                va="center", fontsize=8.5, color=INK)
    ax.axvline(TARGET_SHARE * 100, color="#555555", lw=1, ls="--", zorder=1)
    ax.text(TARGET_SHARE * 100, len(stages) - 0.45, "sasaran 80%", fontsize=8, color="#555555",
            ha="center", va="bottom")
    ax.set_xlim(0, 118)
    ax.set_xticks([0, 20, 40, 60, 80, 100], ["0%", "20%", "40%", "60%", "80%", "100%"])
    ax.set_ylim(-0.6, len(stages) - 0.1)
    ax.set_yticks(y, [_wrap(labels[s.key]) for s in stages])
    ax.grid(axis="x", color="#eeeeee", zorder=0)
    _tidy(ax)
    fig.savefig(path)


def _issued_chart(report: Report, path: Path) -> None:
    fig = _figure(8.6, 3.2)
    ax = fig.add_subplot()
    x = list(range(len(report.months)))
    counts = [m.issued for m in report.months]
    bars = ax.bar(x, counts, color=BLUE, width=0.65, zorder=2)
    ax.bar_label(bars, labels=[str(c) if c else "" for c in counts], fontsize=8.5, padding=2)
    _finish_monthly(fig, ax, report, tallest=max(counts, default=0), ylabel="SPT terbit",
                    path=path)


def _returns_chart(report: Report, labels: dict[str, str], path: Path) -> None:
    """Returns per month, stacked by the stage that returned the draft."""
    fig = _figure(8.6, 4.0)
    ax = fig.add_subplot()
    x = list(range(len(report.months)))
    keys = [s.key for s in report.stages if any(m.returns.get(s.key) for m in report.months)]
    bottom = [0] * len(x)
    for i, key in enumerate(keys):
        heights = [m.returns.get(key, 0) for m in report.months]
        ax.bar(x, heights, bottom=bottom, width=0.65, color=_PALETTE[i % len(_PALETTE)],
               label=labels[key], zorder=2)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    if keys:
        ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12),
                  ncols=min(3, len(keys)))
    else:
        ax.text(0.5, 0.5, "Tidak ada pengembalian dalam periode ini", transform=ax.transAxes,
                ha="center", va="center", fontsize=10, color="#555555")
    _finish_monthly(fig, ax, report, tallest=max(bottom, default=0), ylabel="pengembalian",
                    path=path)


def _finish_monthly(fig, ax, report: Report, *, tallest: int, ylabel: str, path: Path) -> None:
    """The month axis, whole-number counts up to ``tallest`` with room above, and the file."""
    ax.set_xticks(list(range(len(report.months))), [m.short_label for m in report.months],
                  fontsize=8.5)
    ax.set_ylim(0, tallest * 1.2 + 1)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.grid(axis="y", color="#eeeeee", zorder=0)
    _tidy(ax)
    fig.savefig(path)


# --- the page -----------------------------------------------------------------------

_CSS = """
body{font-family:"Segoe UI",Arial,"Liberation Sans",sans-serif;color:#222;margin:0;
 background:#f4f5f7}
main{max-width:980px;margin:0 auto;padding:24px 28px 40px;background:#fff}
header{border-bottom:3px solid #1f4e79;padding-bottom:10px;margin-bottom:18px}
header .gov{font-size:13px;letter-spacing:.04em;color:#555;text-transform:uppercase}
h1{font-size:22px;margin:4px 0 2px;color:#1f4e79}
h2{font-size:17px;margin:28px 0 8px;color:#1f4e79;border-bottom:1px solid #ddd;
 padding-bottom:4px}
.meta{font-size:13px;color:#555}
.tiles{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin:18px 0 6px}
.tile{border:1px solid #ddd;border-radius:6px;padding:12px 14px;background:#fafbfc}
.tile .v{font-size:28px;font-weight:700;color:#1f4e79;line-height:1.1}
.tile .l{font-size:12.5px;color:#555;margin-top:4px}
.tile.bad .v{color:#c62828}.tile.ok .v{color:#2e7d32}
img{max-width:100%;height:auto;display:block;margin:6px 0}
table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0}
th,td{border:1px solid #d0d4da;padding:5px 8px;text-align:right;vertical-align:top}
th{background:#eef2f7;font-weight:600}
td:first-child,th:first-child{text-align:left}
tr.late td{background:#fdecea}
.note{font-size:12px;color:#555;line-height:1.5}
.pill{display:inline-block;padding:0 6px;border-radius:8px;color:#fff;font-size:12px}
@media print{body{background:#fff}main{padding:0}}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _tile(value: str, label: str, tone: str = "") -> str:
    return (f'<div class="tile {tone}"><div class="v">{_e(value)}</div>'
            f'<div class="l">{_e(label)}</div></div>')


def _page(config: Config, report: Report, workflow: Workflow, labels: dict[str, str]) -> str:
    day = report.calendar.minutes_per_day
    cal = report.calendar
    now_local = report.now.astimezone(config.tz)
    share = report.within_share
    tiles = "".join((
        _tile(str(report.issued), "SPT terbit dalam periode"),
        _tile(format_share(share), "tahap selesai dalam mutu baku",
              "" if share is None else ("ok" if share >= TARGET_SHARE else "bad")),
        _tile(str(report.overdue_now), "kasus terlambat saat ini",
              "bad" if report.overdue_now else "ok"),
        _tile(format_minutes(report.lead_time_median, day),
              "median waktu proses, surat masuk s.d. SPT terbit (jam kerja)"),
    ))
    rows = []
    for s in report.stages:
        share_s = s.within_share
        late = s.overdue_now or (share_s is not None and share_s < TARGET_SHARE)
        pill = (f'<span class="pill" style="background:{_share_colour(share_s)}">'
                f"{_e(format_share(share_s))}</span> {s.within}/{s.stays}"
                if share_s is not None else "-")
        rows.append(
            f'<tr class="{"late" if late else ""}"><td>{_e(labels[s.key])}</td>'
            f"<td>{_e(f'{s.standard} menit' if s.standard else '-')}</td><td>{s.cases}</td>"
            f"<td>{_e(format_minutes(s.median, day))}</td><td>{_e(format_minutes(s.p90, day))}</td>"
            f"<td>{pill}</td><td>{s.overdue_now}</td>"
            f"<td>{s.delegated if s.delegated else '-'}</td></tr>"
        )
    delegated = "".join(
        f"<li>{_e(d.deputy.name)} sebagai {_e(d.kind.prefix)} "
        f"{_e(labels.get(d.stage_key, d.stage_key))}"
        f"{_e(f', hanya kasus {d.case_id}' if d.case_id else '')}: "
        f"{_e(format_date(d.start.astimezone(config.tz).date()))} s.d. "
        f"{_e(format_date((d.until - dt.timedelta(seconds=1)).astimezone(config.tz).date()))}</li>"
        for d in report.delegations)
    delegated_html = (f"<h2>Pelimpahan (Plh./Plt.) dalam periode ini</h2><ul>{delegated}</ul>"
                      if delegated else "")
    keys = [s.key for s in report.stages if any(m.returns.get(s.key) for m in report.months)]
    month_head = "".join(f"<th>{_e(labels[k])}</th>" for k in keys)
    month_rows = "".join(
        f"<tr><td>{_e(m.label)}</td><td>{m.issued}</td><td>{m.cancelled}</td>"
        + "".join(f"<td>{m.returns.get(k, 0)}</td>" for k in keys) + "</tr>"
        for m in report.months
    )
    weekdays = ", ".join(("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")[d]
                         for d in sorted(cal.weekdays))
    period = f"{format_date(report.since)} s.d. {format_date(report.until)}"
    tz_name = now_local.tzname() or config.agency.timezone
    hours = f"{cal.start:%H.%M}–{cal.end:%H.%M} {tz_name}"
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Laporan Mutu Baku SPT — {_e(period)}</title>
<style>{_CSS}</style></head>
<body><main>
<header><div class="gov">{_e(config.agency.government)} · {_e(config.agency.name)}</div>
<h1>Laporan Kepatuhan Mutu Baku — Penerbitan Surat Perintah Tugas</h1>
<div class="meta">Periode {_e(format_date(report.since))} s.d. {_e(format_date(report.until))} ·
dibuat {_e(format_date(now_local.date()))} pukul {now_local:%H.%M} {_e(tz_name)}</div></header>
<section class="tiles">{tiles}</section>

<h2>Waktu per tahap dibanding mutu baku</h2>
<p class="note">Batang gelap: median (separuh kasus lebih cepat); batang terang: 90% kasus
selesai dalam waktu ini; garis merah: mutu baku menurut SOP.</p>
<img src="{CHARTS['time']}" alt="Median dan persentil ke-90 waktu per tahap dibanding mutu baku">

<h2>Selesai dalam mutu baku</h2>
<img src="{CHARTS['share']}" alt="Persentase kasus yang selesai dalam mutu baku per tahap">
<table><thead><tr><th>Tahap</th><th>Mutu baku</th><th>Kasus</th><th>Median</th>
<th>Persentil ke-90</th><th>Dalam mutu baku</th><th>Terlambat saat ini</th>
<th>Oleh Plh./Plt.</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
{delegated_html}

<h2>SPT terbit per bulan</h2>
<img src="{CHARTS['issued']}" alt="Jumlah SPT terbit per bulan">

<h2>Pengembalian per tahap</h2>
<img src="{CHARTS['returns']}" alt="Jumlah draf yang dikembalikan per bulan, menurut tahap">
<table><thead><tr><th>Bulan</th><th>SPT terbit</th><th>Dibatalkan</th>{month_head}</tr></thead>
<tbody>{month_rows}</tbody></table>

<p class="note">Semua waktu dihitung dalam jam kerja: {_e(hours)}, {_e(weekdays)}, di luar
hari libur nasional dan cuti bersama. Satu kasus yang dikembalikan lalu diajukan lagi
dihitung sekali lagi di tahap yang sama. Median dan persentil hanya dari tahap yang sudah
selesai; "terlambat saat ini" adalah kasus yang masih berada di tahap itu melewati mutu
bakunya.</p>
</main></body></html>
"""
