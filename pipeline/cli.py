"""The ``spt`` command line (also ``python -m pipeline``)."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import sys
from pathlib import Path

import click

from pipeline.cli_id import VERSION_TEXT, Group
from pipeline.config import Config, ConfigError, find_config, load_config

CONFIG_OPTION = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    metavar="BERKAS", help="spt.toml yang dipakai (bawaan: $SPT_CONFIG, atau ./spt.toml).",
)


def load_for_command(config_path: Path | None) -> Config:
    """The configuration for a command; a config error becomes click's one-line error."""
    try:
        return load_config(find_config(config_path))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


class LazyGroup(Group):
    """Commands owned by other packages, imported only when run (or listed in ``--help``).

    Importing them all up front cost ``spt status`` about a quarter of a second of
    start-up (the extractor, the web application's rate limiter); the pattern is
    click's own ("Lazily Loading Subcommands").
    """

    def __init__(self, *args, lazy_commands: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands or {}

    def invoke(self, ctx: click.Context):
        """Run the command; a database that cannot be used becomes a one-line error."""
        import sqlite3

        from pipeline.store.db import DatabaseGone, NewerDatabase

        try:
            return super().invoke(ctx)
        except (NewerDatabase, DatabaseGone) as exc:
            raise click.ClickException(str(exc)) from None
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            raise click.ClickException(
                "basis data sedang dipakai terlalu lama oleh proses lain (misalnya pembaruan "
                "skema oleh layanan); coba lagi sebentar lagi") from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy_commands])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands:
            module_name, attr = self.lazy_commands[cmd_name].split(":")
            return getattr(importlib.import_module(module_name), attr)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    lazy_commands={
        "extract": "pipeline.extract.cli:extract_command",
        "report": "pipeline.reports.cli:report_command",
        "sop": "pipeline.sop.cli:sop_command",
        "doctor": "pipeline.ops.cli:doctor_command",
        "web": "pipeline.web.cli:web_command",
        "revoke": "pipeline.web.cli:revoke_command",
        "cadangkan": "pipeline.backup.cli:backup_command",
        "pulihkan": "pipeline.backup.cli:restore_command",
        "delegasi": "pipeline.ops.delegation_cli:delegasi_group",
    },
)
@click.version_option(package_name="spt", help=VERSION_TEXT, message="%(prog)s versi %(version)s")
def main() -> None:
    """spt: Surat Perintah Tugas, dari undangan sampai surat bernomor yang ditandatangani."""


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".",
                metavar="[FOLDER]")
@click.option("--demo", is_flag=True, help="Buat juga kunci demo (bernama jelas DEMO).")
@click.option("--force", is_flag=True, help="Timpa spt.toml yang ada dengan isi bawaan.")
def init(directory: Path, demo: bool, force: bool) -> None:
    """Buat ruang kerja: spt.toml, folder, templat, contoh pegawai.csv."""
    from pipeline.workspace_init import InitError, init_workspace

    try:
        path = init_workspace(directory, demo=demo, force=force)
    except InitError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Ruang kerja dibuat: {path}")
    if demo:
        click.echo("Kunci demo dibuat di pki/ (akar DEMO: pki/demo-root.pem).")
    else:
        click.echo("Sunting spt.toml (pejabat, kunci), lalu jalankan 'spt doctor' dan 'spt serve'.")


@main.command()
@CONFIG_OPTION
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text",
              help="Bentuk log: teks, atau satu baris JSON per kejadian (bawaan: text).")
@click.option("--log-level", default="INFO", help="Tingkat log (bawaan: INFO).")
def serve(config_path: Path | None, log_format: str, log_level: str) -> None:
    """Jalankan layanan (semua pengamat folder dan surel) sampai SIGTERM/SIGINT."""
    from pipeline.logs import setup_logging
    from pipeline.service import memory
    from pipeline.service.lock import WorkspaceLocked
    from pipeline.service.runner import Service, StartupError, StoppedDuringStartup
    from pipeline.store.db import DatabaseGone

    setup_logging(log_format, log_level)
    config = load_for_command(config_path)
    service = Service(config)
    service.install_signal_handlers()
    try:
        service.build()
    except StoppedDuringStartup:
        service.shutdown()
        return
    except (StartupError, WorkspaceLocked) as exc:
        service.shutdown()
        raise click.ClickException(f"layanan tidak dapat dijalankan:\n{exc}") from None
    memory.settle_startup()  # this process's start-up objects stay: see pipeline.service.memory
    try:
        service.run()
    except DatabaseGone as exc:
        raise click.ClickException(f"stopped:\n{exc}") from None


@main.command()
@CONFIG_OPTION
@click.argument("case", required=False, metavar="[KASUS]")
@click.option("--all", "show_all", is_flag=True, help="Tampilkan juga kasus yang sudah selesai.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON (untuk program).")
def status(config_path: Path | None, case: str | None, show_all: bool, as_json: bool) -> None:
    """Kasus, tahapnya, dan lamanya di tahap itu dibanding mutu baku."""
    from pipeline.reports.status import print_case, print_overview

    config = load_for_command(config_path)
    if case:
        ok = print_case(config, case, as_json=as_json)
        sys.exit(0 if ok else 1)
    print_overview(config, show_all=show_all, as_json=as_json)


@main.command()
@CONFIG_OPTION
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                metavar="BERKAS.pdf")
@click.option("--json", "as_json", is_flag=True,
              help="Keluaran JSON dengan nama teknis pemeriksaan (untuk program).")
@click.option("--pada", "pada", metavar="TANGGAL", default=None,
              help="Nilai juga, dari data validasi di dalam berkas (LTV), apakah surat masih "
                   "terverifikasi pada tanggal ini (YYYY-MM-DD), mis. bertahun-tahun setelah "
                   "sertifikatnya kedaluwarsa.")
def verify(config_path: Path | None, pdf: Path, as_json: bool, pada: str | None) -> None:
    """Periksa setiap tanda tangan dan nomornya di buku agenda (kode keluar 0 hanya jika semua
    terpenuhi)."""
    from pipeline.reports.verification import verify_issued

    config = load_for_command(config_path)
    at = None
    if pada is not None:
        try:
            day = dt.date.fromisoformat(pada)
        except ValueError:
            raise click.BadParameter(f"'{pada}' bukan tanggal; tulis YYYY-MM-DD",
                                     param_hint="--pada") from None
        at = dt.datetime.combine(day, dt.time(12, 0), tzinfo=config.tz)
    report = verify_issued(config, pdf.read_bytes(), at=at)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(report.render())
    sys.exit(0 if report.ok else 1)


@main.command()
@CONFIG_OPTION
@click.option("--year", type=int, default=None, help="Hanya tahun ini.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Tulis semua entri ke berkas CSV ini.")
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Tulis semua entri ke berkas Excel ini.")
@click.option("--limit", type=int, default=None,
              help="Tampilkan hanya N entri terakhir (0: semua).")
def agenda(config_path: Path | None, year: int | None, csv_path: Path | None,
           xlsx_path: Path | None, limit: int | None) -> None:
    """Buku agenda surat keluar (SPT yang telah terbit)."""
    from pipeline.reports.agenda import export_csv, export_xlsx, print_agenda

    config = load_for_command(config_path)
    if csv_path:
        n = export_csv(config, csv_path, year=year)
        click.echo(f"{n} entri ditulis ke {csv_path}")
    if xlsx_path:
        n = export_xlsx(config, xlsx_path, year=year)
        click.echo(f"{n} entri ditulis ke {xlsx_path}")
    if not (csv_path or xlsx_path):
        print_agenda(config, year=year, limit=limit)


@main.group()
def audit() -> None:
    """Catatan audit (log berantai hash)."""


@audit.command("verify")
@CONFIG_OPTION
@click.option("--surat", "letters", multiple=True,
              type=click.Path(exists=True, path_type=Path),
              help="Surat terbit (berkas PDF atau folder) yang dicari di register: yang tidak "
                   "ada di dalamnya dilaporkan (setelah pemulihan).")
def audit_verify(config_path: Path | None, letters: tuple[Path, ...]) -> None:
    """Periksa rantai hash catatan audit (dan kecocokan register nomor dengannya)."""
    from pipeline.reports.auditing import check_letters, verify_audit

    config = load_for_command(config_path)
    ok, lines = verify_audit(config)
    if letters:
        found, more = check_letters(config, list(letters))
        ok = ok and found
        lines += more
    for line in lines:
        click.echo(line)
    sys.exit(0 if ok else 1)


@audit.command("rebuild")
@CONFIG_OPTION
def audit_rebuild(config_path: Path | None) -> None:
    """Cetak register dan buku agenda yang dibangun ulang dari catatan audit dan arsip, serta
    perbedaannya dengan basis data (kode keluar 0 hanya jika sama)."""
    from pipeline.reports.auditing import rebuild_tables

    config = load_for_command(config_path)
    rebuilt, differences = rebuild_tables(config)
    click.echo("REGISTER (nomor, kasus, tahun, urut, tanggal)")
    for n in rebuilt.register:
        click.echo(f"{n.number}\t{n.case_id}\t{n.year}\t{n.seq}\t{n.letter_date.isoformat()}")
    click.echo("BUKU AGENDA (nomor, kasus, tanggal, sha256, arsip, tanda terima)")
    for a in rebuilt.agenda:
        click.echo(f"{a.number}\t{a.case_id}\t{a.letter_date.isoformat()}\t{a.file_sha256}\t"
                   f"{a.archive_path}\t{a.received_by or '-'}")
    click.echo("PERBEDAAN DENGAN DATABASE")
    for line in differences or ["tidak ada"]:
        click.echo(line)
    sys.exit(0 if not differences else 1)


@main.command()
@CONFIG_OPTION
@click.option("--semua", "all_letters", is_flag=True,
              help="Perbarui semua surat di arsip, bukan hanya yang cap waktunya segera "
                   "kedaluwarsa.")
def perpanjang(config_path: Path | None, all_letters: bool) -> None:
    """Tambahkan cap waktu arsip baru pada surat di arsip sebelum yang terakhir
    kedaluwarsa."""
    from pipeline.ops.renew import renew_archive

    config = load_for_command(config_path)
    result = renew_archive(config, force=all_letters)
    for line in result.lines:
        click.echo(line)
    sys.exit(0 if not result.failed else 1)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), required=False,
                metavar="[FOLDER]")
@click.option("--keep", is_flag=True, help="Simpan ruang kerja demo sesudahnya.")
def demo(directory: Path | None, keep: bool) -> None:
    """Jalankan satu kasus utuh melalui layanan sebenarnya, berperan sebagai setiap pejabat."""
    from pipeline.demo import run_demo

    sys.exit(run_demo(directory, keep=keep or directory is not None))


@main.command("batal")
@CONFIG_OPTION
@click.argument("case", metavar="KASUS")
@click.option("--alasan", "reason", required=True,
              help="Alasan pembatalan (dikirim kepada pemohon, dicatat di log audit).")
@click.option("--oleh", "actor", default=None,
              help="Siapa yang membatalkan, untuk log audit (bawaan: pengguna sistem).")
def batal(config_path: Path | None, case: str, reason: str, actor: str | None) -> None:
    """Batalkan kasus pada tahap mana pun sebelum ditandatangani; layanan lalu mengosongkan
    foldernya dan memberi tahu pemohon."""
    import datetime as dt
    import getpass

    from pipeline.folders.layout import Workspace
    from pipeline.service.cancel import CancelRefused, cancel_by_it
    from pipeline.store import Store

    config = load_for_command(config_path)
    try:
        store = Store(Workspace(config).database, create=False)
    except FileNotFoundError:
        raise click.ClickException("Belum ada basis data: belum ada kasus.") from None
    try:
        done = cancel_by_it(store, config.workflow(), case.strip().upper(), reason,
                            actor=actor or f"cli:{getpass.getuser()}",
                            at=dt.datetime.now(dt.UTC))
    except CancelRefused as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    click.echo(f"Kasus {done.id} dibatalkan. Alasan: {reason.strip()}")
    click.echo("Layanan mengosongkan folder tahapnya dan memberi tahu pemohon "
               "(dalam beberapa detik bila layanan berjalan).")


@main.command("share")
@CONFIG_OPTION
@click.option("--samba", "samba", is_flag=True, help="Tampilkan bagian share untuk Samba.")
@click.option("--pasang", "install", is_flag=True,
              help="Pasang di mesin ini: tulis spt.conf di samping smb.conf, sertakan, dan "
                   "buat satu akun per pejabat (jalankan sebagai root).")
@click.option("--service-user", metavar="PENGGUNA", default="spt",
              help="Pengguna yang menjalankan `spt serve`: berkas di share ditulis atas "
                   "namanya (bawaan: spt).")
@click.option("--smb-conf", metavar="BERKAS", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("/etc/samba/smb.conf"),
              help="Berkas konfigurasi Samba (bawaan: /etc/samba/smb.conf).")
def share(config_path: Path | None, samba: bool, install: bool, service_user: str,
          smb_conf: Path) -> None:
    """Folder yang dibuka pejabat sebagai drive jaringan: satu share per tahap, hanya dapat
    ditulisi pejabat tahap itu (yang berhak menyetujui di sana), dan satu tampilan baca-saja
    untuk semuanya."""
    from pipeline.ops import share as sharing

    config = load_for_command(config_path)
    if install:
        accounts = sharing.install(config, service_user=service_user, smb_conf=smb_conf)
        click.echo(f"Konfigurasi Samba ditulis: {smb_conf.parent / 'spt.conf'} "
                   f"(disertakan dari {smb_conf}).")
        click.echo("Tetapkan sandi setiap pejabat, lalu muat ulang Samba:")
        click.echo(f"  for a in {' '.join(accounts)}; do smbpasswd -a $a; done "
                   "&& systemctl reload smbd")
        return
    if not samba:
        raise click.UsageError("pilih --samba (cetak konfigurasi) atau --pasang")
    click.echo(sharing.samba_config(config, service_user=service_user), nl=False)
