"""``spt cadangkan [DEST]`` and ``spt pulihkan BACKUP DIR`` (registered by :mod:`pipeline.cli`).

A passphrase is never a command-line argument (it would show in ``ps`` and the shell's
history): it comes from a file only its owner can read (``--sandi-file``, or
``backup.keys_passphrase`` in spt.toml for the timer's run) or is typed at a prompt.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.backup import BackupError
from pipeline.cli import CONFIG_OPTION, load_for_command
from pipeline.cli_id import Command
from pipeline.config import SecretRef, find_config

_PASS_FILE = click.option(
    "--sandi-file", "passphrase_file", metavar="BERKAS",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Berkas (mode 0600) yang baris pertamanya sandi kunci; tanpa ini sandi ditanyakan.",
)


def _read_passphrase(path: Path) -> str:
    from pipeline.signing.passphrases import SecretUnavailable, read_secret

    try:
        return read_secret(SecretRef(file=path.absolute()))
    except SecretUnavailable as exc:
        raise click.ClickException(str(exc)) from None


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


@click.command("cadangkan", cls=Command)
@CONFIG_OPTION
@click.argument("dest", metavar="[TUJUAN]", required=False, type=click.Path(path_type=Path))
@click.option("--kunci", "with_keys", is_flag=True,
              help="Sertakan juga kunci (pki/ dan sandinya), terenkripsi dengan sandi.")
@_PASS_FILE
def backup_command(config_path: Path | None, dest: Path | None, with_keys: bool,
                   passphrase_file: Path | None) -> None:
    """Cadangkan ruang kerja selagi layanan berjalan, menjadi satu berkas di TUJUAN (bawaan:
    backup.dir di spt.toml)."""
    from pipeline.backup.archive import create_backup
    from pipeline.backup.sealed import SealError, check_passphrase

    config = load_for_command(config_path)
    dest = dest or config.backup.dir
    if dest is None:
        raise click.ClickException("tujuan cadangan tidak diberikan: sebutkan DEST atau isi "
                                   "backup.dir di spt.toml")
    passphrase = None
    if with_keys or config.backup.include_keys or passphrase_file:
        if passphrase_file is not None:
            passphrase = _read_passphrase(passphrase_file)
        elif config.backup.keys_passphrase is not None:
            passphrase = _read_secret_ref(config.backup.keys_passphrase)
        elif sys.stdin.isatty():
            passphrase = click.prompt("Sandi untuk kunci dalam cadangan", hide_input=True,
                                      confirmation_prompt="Ulangi sandi")
        else:
            raise click.ClickException("--kunci memerlukan sandi: --sandi-file BERKAS (mode "
                                       "0600) atau backup.keys_passphrase di spt.toml")
        try:
            check_passphrase(passphrase)
        except SealError as exc:
            raise click.ClickException(str(exc)) from None
    try:
        result = create_backup(config, find_config(config_path).absolute(), dest,
                               passphrase=passphrase)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    facts = result.facts
    click.echo(f"Cadangan dibuat: {result.path}")
    click.echo(f"  {_mb(result.size_bytes)}, {result.files} berkas, {result.seconds:.1f} detik")
    click.echo(f"  kasus: {facts.cases} ({facts.in_flight} masih dalam proses), "
               f"surat terbit: {facts.issued}, entri log audit: {facts.audit_entries}")
    for year, number in sorted(facts.last_numbers.items()):
        click.echo(f"  nomor terakhir {year}: {number}")
    if result.keys_included:
        click.echo("  kunci: disertakan, terenkripsi dengan sandi (simpan sandinya terpisah "
                   "dari cadangan)")
        for path in result.keys_skipped:
            click.echo(f"  PERINGATAN: {path} di luar ruang kerja, tidak ikut dicadangkan")
    else:
        click.echo("  kunci: TIDAK disertakan (tambahkan --kunci untuk menyertakannya)")
    for rel in result.missing:
        click.echo(f"  PERINGATAN: {rel} tercatat di basis data tetapi tidak ada di disk")
    for old in result.pruned:
        click.echo(f"  dihapus (retensi {config.backup.keep_count} cadangan): {old.name}")


def _read_secret_ref(ref: SecretRef) -> str:
    from pipeline.signing.passphrases import SecretUnavailable, read_secret

    try:
        return read_secret(ref)
    except SecretUnavailable as exc:
        raise click.ClickException(f"backup.keys_passphrase: {exc}") from None


@click.command("pulihkan", cls=Command)
@click.argument("backup", metavar="CADANGAN", type=click.Path(path_type=Path))
@click.argument("directory", metavar="FOLDER", type=click.Path(path_type=Path))
@click.option("--timpa", "overwrite", is_flag=True,
              help="Pulihkan di atas ruang kerja yang sudah ada (yang lama dipindahkan ke "
                   "FOLDER.lama-<waktu>, tidak dihapus).")
@click.option("--tanpa-kunci", "without_keys", is_flag=True,
              help="Jangan pulihkan kunci walaupun cadangan memuatnya.")
@_PASS_FILE
def restore_command(backup: Path, directory: Path, overwrite: bool, without_keys: bool,
                    passphrase_file: Path | None) -> None:
    """Pulihkan CADANGAN ke ruang kerja baru FOLDER, dan periksa hasilnya sebelum boleh
    dipakai."""
    from pipeline.backup.restore import restore_backup

    def passphrase() -> str | None:
        if passphrase_file is not None:
            return _read_passphrase(passphrase_file)
        if sys.stdin.isatty():
            return click.prompt("Sandi kunci dalam cadangan", hide_input=True)
        return None

    try:
        result = restore_backup(backup, directory, passphrase=passphrase, overwrite=overwrite,
                                without_keys=without_keys)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    manifest = result.manifest
    click.echo(f"Cadangan {backup.name} (dibuat {manifest.get('created_at')} di "
               f"{manifest.get('host')}): isi cocok dengan manifest.")
    for line in result.lines:
        click.echo(f"  {line}")
    if not result.verified:
        click.echo(f"PEMULIHAN TIDAK LOLOS PEMERIKSAAN. Hasilnya disimpan untuk diperiksa di "
                   f"{result.target}; 'spt serve' menolak berjalan di sana. Pulihkan dari "
                   "cadangan lain.")
        sys.exit(1)
    click.echo(f"Dipulihkan ke {result.target}.")
    if result.moved_aside:
        click.echo(f"  Ruang kerja lama dipindahkan ke {result.moved_aside}.")
    if manifest.get("keys_included") and not result.keys_restored:
        click.echo("  Kunci TIDAK dipulihkan (--tanpa-kunci): pasang kunci di pki/ sebelum "
                   "menjalankan layanan.")
    elif not manifest.get("keys_included"):
        click.echo("  Cadangan ini tanpa kunci: pasang kunci dan sandinya di pki/ sebelum "
                   "menjalankan layanan.")
    for year, number in sorted(((manifest.get("database") or {}).get("last_numbers")
                                or {}).items()):
        click.echo(f"  Nomor terakhir dalam register {year}: {number}; nomor berikutnya "
                   "melanjutkannya.")
    click.echo(f"PENTING: surat yang diterbitkan SETELAH {manifest.get('created_at')} tidak ada "
               "di register ini. Sebelum 'spt serve', kumpulkan surat yang terbit sejak itu "
               "(surel kepada pemohon, kotak Terkirim) dan periksa dengan: spt audit verify "
               "--surat FOLDER")
    click.echo(f"Lalu: spt doctor --config {result.target / 'spt.toml'}")
