"""``spt doctor``'s backup section: is there a recent backup, and is this a verified restore?"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.config import Config


def check_backup(config: Config, s) -> None:
    """Findings on ``s`` (a doctor ``Section``): the last successful backup's age against
    ``backup.max_age_hours``, where the timer writes, and a restore that did not verify."""
    from pipeline.backup.archive import last_backup
    from pipeline.backup.restore import marker_problem, read_marker
    from pipeline.folders.layout import Workspace

    ws = Workspace(config)
    problem = marker_problem(ws.state)
    if problem:
        s.problem(problem, "pulihkan dari cadangan lain: spt pulihkan BERKAS FOLDER-BARU")
    elif (marker := read_marker(ws.state)) is not None:
        s.ok(f"dipulihkan dari {marker.get('backup')} (dibuat {marker.get('backup_created_at')}),"
             " lolos pemeriksaan")
    limit = config.backup.max_age_hours
    if config.backup.dir is None:
        s.warn("backup.dir belum diisi: timer cadangan harian tidak tahu ke mana menulis",
               "isi backup.dir di spt.toml dengan folder di disk/mesin lain (lihat "
               "deploy/README.md, bagian Cadangan)")
    last = last_backup(ws)
    if last is None:
        s.warn("belum ada cadangan yang berhasil untuk ruang kerja ini",
               "jalankan: spt cadangkan FOLDER (atau aktifkan spt-cadangan.timer)")
        return
    at = dt.datetime.fromisoformat(last["at"])
    age_hours = (dt.datetime.now(dt.UTC) - at).total_seconds() / 3600
    where = Path(last.get("path", "?"))
    text = (f"cadangan terakhir yang berhasil: {at:%Y-%m-%d %H:%M} UTC ({age_hours:.1f} jam "
            f"lalu), {where}")
    if age_hours > limit:
        s.warn(text + f"; lebih tua dari batas {limit:g} jam (backup.max_age_hours)",
               "periksa: systemctl status spt-cadangan.timer; journalctl -u spt-cadangan")
    elif not where.is_file():
        s.warn(text + "; berkasnya tidak ada lagi di sana",
               "periksa folder cadangan (dipindahkan? disk lepas?)")
    else:
        s.ok(text)
