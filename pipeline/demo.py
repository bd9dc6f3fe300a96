"""``spt demo``: one whole case through the real service, acting as every official.

A newcomer's first command. It makes a fresh demo workspace, starts the real
service (``spt serve``) as a separate process, drops a sample invitation into
``inbox/``, then moves files like the officials would: the kasubag returns
the draft once with a reason, the drafter edits it and sends it again, and
every stage agrees. It ends with the issued number, the PDF, the verification
summary and the agenda line.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

from pipeline import processes
from pipeline.config import load_config
from pipeline.core.workflow import Action
from pipeline.folders.layout import Workspace
from pipeline.resources import DEMO
from pipeline.simulate import Officials, Timeout, add_employee_row, wait_until

NOTE = """Mohon dibuatkan SPT untuk menghadiri undangan terlampir.
Yang ditugaskan:
1. 19650809 198603 1 012
2. Siti Aminah
Pemohon: rina.agenda@diskopukm.kalbarprov.go.id
"""


def run_demo(directory: Path | None, *, keep: bool = False) -> int:
    from pipeline.workspace_init import init_workspace

    console = Console(highlight=False)
    started = time.monotonic()

    def say(text: str) -> None:
        console.print(f"[dim]{time.monotonic() - started:5.1f} s[/]  {text}")

    root = (directory or Path(tempfile.mkdtemp(prefix="spt-demo-"))).absolute()
    if directory is not None and (root / "spt.toml").exists():
        console.print(f"[red]{root} already holds a workspace; choose an empty folder.[/]")
        return 2
    say(f"Membuat workspace demo di {root}")
    config_path = init_workspace(root, demo=True)
    config = load_config(config_path)
    ws = Workspace(config)
    log_path = root / "spt-serve.log"
    say("Menjalankan layanan: spt serve")
    with open(log_path, "wb") as log_file:
        service = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "serve", "--config", str(config_path)],
            stdout=log_file, stderr=subprocess.STDOUT, cwd=root,
        )
    try:
        result = _walk(console, say, ws, config, service)
    except (Timeout, RuntimeError) as exc:
        console.print(f"[bold red]Demo gagal:[/] {exc}")
        console.print(f"Log layanan: {log_path}")
        tail = log_path.read_text(errors="replace").splitlines()[-20:]
        console.print("\n".join(tail))
        result = 1
    finally:
        processes.end(service, grace_seconds=20)
    if result == 0 and not keep and directory is None:
        console.print(f"Workspace demo disimpan di {root} (hapus bila tidak diperlukan).")
    return result


def _walk(console: Console, say, ws: Workspace, config, service: subprocess.Popen) -> int:
    officials = Officials(ws, timeout=60)
    wf = config.workflow()

    def alive() -> None:
        if service.poll() is not None:
            raise RuntimeError(f"layanan berhenti (kode {service.returncode})")

    say("Pengagendaris menaruh surat undangan di inbox/ (dengan catatan pegawai yang ditugaskan)")
    officials.drop_invitation(DEMO / "undangan-workshop-ojk.pdf", note=NOTE)
    case = officials.new_cases(set(), timeout=90)[0]
    alive()
    say(f"Kasus [bold]{case}[/] dibuka; draf SPT muncul di {wf.stages[0].folder}/")

    officials.agree(case, 0)
    say(f"{wf.stages[0].role}: draf diteruskan (disetujui)")
    officials.wait_for(case, 1)
    officials.give_back(case, 1, "Mohon tambahkan Sdr. Budi Santoso sebagai peserta.")
    say(f"{wf.stages[1].role}: [yellow]dikembalikan[/] dengan alasan "
        "'Mohon tambahkan Sdr. Budi Santoso sebagai peserta.'")
    draft = officials.wait_for(case, 0)
    wait_until(lambda: (ws.folder(0).root / f"{case}-catatan.txt").exists(), timeout=30,
               what="the return note")
    add_employee_row(draft, {
        "nama": "Budi Santoso, S.T.", "nip": "19820115 200801 1 003",
        "pangkat": "Penata Tingkat I", "golongan": "III/d",
        "jabatan": "Analis Kebijakan Ahli Muda",
    })
    say(f"{wf.stages[0].role}: menambah Budi Santoso di tabel Kepada (versi baru)")
    officials.agree(case, 0)
    for stage in wf.stages[1:]:
        officials.wait_for(case, stage.index, timeout=90)
        alive()
        officials.agree(case, stage.index)
        mark = "paraf" if stage.action is Action.PARAF else "tanda tangan"
        say(f"{stage.role}: disetujui ({mark} elektronik)")

    from pipeline.store import Store

    store = Store(ws.database)
    entry = wait_until(lambda: store.agenda.for_case(case), timeout=90,
                       what="the letter to be numbered and registered")
    alive()
    pdf = ws.root / entry.archive_path
    say(f"Pengadministrasi Umum (otomatis): nomor [bold]{entry.number}[/], cap dinas, buku agenda")

    from pipeline.reports.verification import verify_issued

    report = verify_issued(config, pdf.read_bytes())
    console.rule("Hasil")
    console.print(f"Nomor SPT : [bold]{entry.number}[/]")
    console.print(f"Berkas    : {pdf}")
    console.print(f"Surel     : {_issued_mail(ws, case) or '(belum ada)'}")
    console.print(report.render())
    console.print("Buku agenda:")
    console.print(f"  {entry.number} | {entry.letter_date.isoformat()} | {entry.hal} | "
                  f"{entry.assignee_names} | pemohon: {entry.pemohon or '-'}")
    return 0 if report.ok else 1


def _issued_mail(ws: Workspace, case: str) -> Path | None:
    for folder in (ws.outbox, ws.outbox / "terkirim"):
        for path in sorted(folder.glob(f"{case}-terbit*.eml")):
            return path
    return None




