"""``spt cadangkan`` / ``spt pulihkan`` on bad input: a clear error, nothing lost, nothing
half-made. The source is a real workspace with an issued letter (``spt demo``)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.backup import container
from pipeline.simulate import wait_until

pytestmark = pytest.mark.slow

PASSPHRASE = "kata-sandi-cadangan-uji-123"


def spt(*args: str, config: Path | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("SPT_CONFIG", None)
    extra = ["--config", str(config)] if config else []
    cmd = [sys.executable, "-m", "pipeline", *args, *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                          stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("backup") / "demo"
    run = subprocess.run([sys.executable, "-m", "pipeline", "demo", str(root)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return root


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("secret") / "cadangan.pass"
    path.write_text(PASSPHRASE + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.fixture(scope="module")
def good_backup(demo, secret_file, tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("cadangan")
    run = spt("cadangkan", str(dest), "--kunci", "--sandi-file", str(secret_file),
              config=demo / "spt.toml")
    assert run.returncode == 0, run.stdout + run.stderr
    assert PASSPHRASE not in run.stdout + run.stderr
    (backup,) = dest.glob("spt-cadangan-*.tar.zst")
    return backup


def _mount(*args: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@contextlib.contextmanager
def mounted(path: Path, *args: str):
    path.mkdir(parents=True, exist_ok=True)
    if not _mount(*args, str(path)):
        pytest.skip("needs root and mount (a tiny tmpfs / read-only bind mount)")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=False)


def test_a_full_destination_leaves_no_backup_and_says_so(demo, tmp_path):
    with mounted(tmp_path / "penuh", "-t", "tmpfs", "-o", "size=256k", "tmpfs") as dest:
        run = spt("cadangkan", str(dest), config=demo / "spt.toml")
        assert run.returncode == 1
        assert "penuh" in run.stderr and "tidak ada berkas setengah jadi" in run.stderr
        assert "Traceback" not in run.stderr
        assert list(dest.iterdir()) == []           # no temp file, no partial archive
    # The workspace is untouched and still verifies.
    assert spt("audit", "verify", config=demo / "spt.toml").returncode == 0


def test_a_read_only_destination_leaves_no_backup_and_says_so(demo, tmp_path):
    target = tmp_path / "ro"
    target.mkdir()
    with mounted(target, "--bind", str(target)):
        if not _mount("-o", "remount,bind,ro", str(target)):
            pytest.skip("cannot remount read-only here")
        run = spt("cadangkan", str(target), config=demo / "spt.toml")
        assert run.returncode == 1
        assert "tidak dapat ditulisi" in run.stderr and "Traceback" not in run.stderr
        assert list(target.iterdir()) == []


def test_a_file_where_the_destination_folder_should_be_is_refused(demo, tmp_path):
    dest = tmp_path / "bukan-folder"
    dest.write_text("x")
    run = spt("cadangkan", str(dest), config=demo / "spt.toml")
    assert run.returncode == 1 and "bukan folder" in run.stderr


def test_a_truncated_backup_is_refused_and_nothing_is_restored(good_backup, tmp_path):
    cut = tmp_path / "terpotong.tar.zst"
    data = good_backup.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    run = spt("pulihkan", str(cut), str(tmp_path / "baru"))
    assert run.returncode == 1
    assert "rusak atau terpotong" in run.stderr or "tidak lengkap" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "baru").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["terpotong.tar.zst"]   # no temp left


def test_a_corrupted_backup_is_refused_and_nothing_is_restored(good_backup, tmp_path):
    """One flipped bit in the file (a bad disk sector, a broken copy)."""
    bad = tmp_path / "rusak.tar.zst"
    data = bytearray(good_backup.read_bytes())
    data[len(data) // 2] ^= 0x04
    bad.write_bytes(bytes(data))
    run = spt("pulihkan", str(bad), str(tmp_path / "baru"))
    assert run.returncode == 1
    assert "rusak" in run.stderr and "tidak ada yang dipulihkan" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "baru").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["rusak.tar.zst"]


def test_a_backup_cut_before_its_manifest_is_refused(good_backup, tmp_path):
    """A well-formed archive that lacks its last member (the manifest): not complete."""
    short = tmp_path / "tanpa-manifest.tar.zst"
    with good_backup.open("rb") as fin, container.reading(fin) as src, \
            short.open("wb") as fout, container.writing(fout) as dst:
        for info in src:
            if info.name != "MANIFEST.json":
                dst.addfile(info, src.extractfile(info))
    run = spt("pulihkan", str(short), str(tmp_path / "baru"))
    assert run.returncode == 1 and "MANIFEST.json tidak ada" in run.stderr
    assert not (tmp_path / "baru").exists()


def test_a_changed_member_is_caught_by_the_manifest(good_backup, tmp_path):
    """The archive itself is sound (zstd checksums fine) but a letter in it was altered."""
    bad = tmp_path / "diubah.tar.zst"
    with good_backup.open("rb") as fin, container.reading(fin) as src, \
            bad.open("wb") as fout, container.writing(fout) as dst:
        for info in src:
            data = src.extractfile(info).read()
            if info.name.startswith("ruang/arsip/"):
                data = data.replace(b"/Type", b"/Typf", 1)
            dst.addfile(info, io.BytesIO(data))
    run = spt("pulihkan", str(bad), str(tmp_path / "baru"))
    assert run.returncode == 1
    assert "tidak cocok dengan manifest" in run.stderr and "ruang/arsip/" in run.stderr
    assert not (tmp_path / "baru").exists()


def test_a_wrong_passphrase_is_refused_and_nothing_is_restored(good_backup, tmp_path):
    wrong = tmp_path / "salah.pass"
    wrong.write_text("bukan-sandi-yang-benar\n")
    wrong.chmod(0o600)
    run = spt("pulihkan", str(good_backup), str(tmp_path / "baru"), "--sandi-file", str(wrong))
    assert run.returncode == 1 and "sandi kunci cadangan salah" in run.stderr
    assert "bukan-sandi-yang-benar" not in run.stdout + run.stderr
    assert not (tmp_path / "baru").exists()


def test_a_passphrase_file_others_can_read_is_refused(demo, tmp_path):
    loose = tmp_path / "terbuka.pass"
    loose.write_text(PASSPHRASE + "\n")
    loose.chmod(0o644)
    dest = tmp_path / "dest"
    dest.mkdir()
    run = spt("cadangkan", str(dest), "--kunci", "--sandi-file", str(loose),
              config=demo / "spt.toml")
    assert run.returncode == 1 and "chmod 600" in run.stderr
    assert PASSPHRASE not in run.stdout + run.stderr
    assert list(dest.iterdir()) == []


def test_restoring_over_an_existing_workspace_needs_timpa_and_keeps_the_old_one(
        good_backup, secret_file, demo, tmp_path):
    existing = tmp_path / "ada"
    shutil.copytree(demo / "templates", existing / "templates")
    (existing / "catatan-penting.txt").write_text("jangan hilang")
    run = spt("pulihkan", str(good_backup), str(existing), "--sandi-file", str(secret_file))
    assert run.returncode == 1 and "--timpa" in run.stderr
    assert (existing / "catatan-penting.txt").read_text() == "jangan hilang"
    assert not (existing / "spt.toml").exists()

    run = spt("pulihkan", str(good_backup), str(existing), "--sandi-file", str(secret_file),
              "--timpa")
    assert run.returncode == 0, run.stdout + run.stderr
    (aside,) = tmp_path.glob("ada.lama-*")
    assert (aside / "catatan-penting.txt").read_text() == "jangan hilang"
    assert (existing / "spt.toml").is_file()
    (letter,) = (existing / "arsip").rglob("*.pdf")
    verify = spt("verify", str(letter), config=existing / "spt.toml")
    assert verify.returncode == 0, verify.stdout


def test_a_restore_whose_audit_log_does_not_verify_is_refused_and_serve_will_not_start(
        good_backup, secret_file, tmp_path):
    # A real restore, whose audit log someone then edits behind the triggers' back.
    first = tmp_path / "pertama"
    assert spt("pulihkan", str(good_backup), str(first), "--sandi-file",
               str(secret_file)).returncode == 0
    conn = sqlite3.connect(first / "state" / "spt.sqlite3")
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit SET actor = 'penyusup' WHERE seq = 3")
    conn.commit()
    conn.close()
    dest = tmp_path / "cadangan"
    dest.mkdir()
    assert spt("cadangkan", str(dest), "--kunci", "--sandi-file", str(secret_file),
               config=first / "spt.toml").returncode == 0
    (tampered,) = dest.glob("spt-cadangan-*.tar.zst")

    target = tmp_path / "kedua"
    run = spt("pulihkan", str(tampered), str(target), "--sandi-file", str(secret_file))
    assert run.returncode == 1
    assert "Log audit RUSAK mulai entri #3" in run.stdout
    assert "TIDAK LOLOS" in run.stdout
    assert not target.exists()
    (inspect,) = tmp_path.glob("kedua.tidak-lolos-*")
    marker = json.loads((inspect / "state" / "pemulihan.json").read_text())
    assert marker["status"] == "gagal"

    serve = spt("serve", config=inspect / "spt.toml", timeout=120)
    assert serve.returncode != 0
    assert "TIDAK lolos pemeriksaan" in serve.stderr + serve.stdout
    assert not (inspect / "state" / "libreoffice").exists()   # refused before starting parts
    doctor = spt("doctor", config=inspect / "spt.toml")
    assert doctor.returncode == 1
    assert "MASALAH    ruang kerja ini hasil pemulihan cadangan" in doctor.stdout


def test_retention_keeps_the_newest_backups(demo, tmp_path):
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "catatan-it.txt").write_text("bukan cadangan")
    other = dest / "spt-cadangan-ffffffff-20200101T000000Z-00000000.tar.zst"
    other.write_bytes(b"cadangan ruang kerja lain")    # another installation's, older
    made = []
    for _ in range(3):
        run = spt("cadangkan", str(dest), config=demo / "spt.toml")
        assert run.returncode == 0, run.stderr
        made.append(run.stdout.split("Cadangan dibuat: ")[1].split()[0])
    text = (demo / "spt.toml").read_text()
    try:
        (demo / "spt.toml").write_text(text + "\n[backup]\nkeep_count = 2\n")
        run = spt("cadangkan", str(dest), config=demo / "spt.toml")
        assert run.returncode == 0, run.stderr
    finally:
        (demo / "spt.toml").write_text(text)
    kept = sorted(p.name for p in dest.glob("spt-cadangan-*") if p != other)
    newest = run.stdout.split("Cadangan dibuat: ")[1].split()[0]
    assert kept == sorted([Path(made[-1]).name, Path(newest).name])
    assert (dest / "catatan-it.txt").exists()                # only backups are pruned,
    assert other.exists()                                   # and only this workspace's


def test_doctor_warns_when_the_last_backup_is_too_old(demo, tmp_path):
    dest = tmp_path / "dest"
    dest.mkdir()
    text = (demo / "spt.toml").read_text()
    try:
        (demo / "spt.toml").write_text(
            text + f'\n[backup]\ndir = "{dest}"\nmax_age_hours = 0.005\n')  # 18 seconds
        assert spt("cadangkan", config=demo / "spt.toml").returncode == 0
        fresh = spt("doctor", config=demo / "spt.toml")
        assert "OK         cadangan terakhir yang berhasil" in fresh.stdout, fresh.stdout

        def stale() -> bool:
            out = spt("doctor", config=demo / "spt.toml").stdout
            return "PERINGATAN cadangan terakhir yang berhasil" in out and \
                "lebih tua dari batas" in out
        wait_until(stale, timeout=60, interval=4, what="doctor to call the backup too old")
    finally:
        (demo / "spt.toml").write_text(text)


def test_root_is_refused_on_a_workspace_the_service_user_owns(good_backup, secret_file,
                                                              tmp_path):
    """Run as root, SQLite would make the -wal/-shm root's and lock the service out."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    ws = tmp_path / "ws"
    assert spt("pulihkan", str(good_backup), str(ws), "--sandi-file",
               str(secret_file)).returncode == 0
    os.chown(ws / "state" / "spt.sqlite3", 65534, 65534)       # the service user's file
    dest = tmp_path / "dest"
    dest.mkdir()
    run = spt("cadangkan", str(dest), config=ws / "spt.toml")
    assert run.returncode == 1 and "jangan jalankan 'spt cadangkan' sebagai root" in run.stderr
    assert list(dest.iterdir()) == []
    assert not (ws / "state" / "spt.sqlite3-wal").exists()


def test_a_backup_whose_config_names_absolute_folders_never_touches_them(
        good_backup, secret_file, tmp_path):
    """spt.toml with ``state = "/abs/ws/state"``: restored elsewhere it would use the original
    (perhaps live) state folder; refused, and that folder is left as it was."""
    ws = tmp_path / "asal"
    assert spt("pulihkan", str(good_backup), str(ws), "--sandi-file",
               str(secret_file)).returncode == 0
    toml = ws / "spt.toml"
    toml.write_text(toml.read_text().replace('state = "state"', f'state = "{ws / "state"}"', 1))
    dest = tmp_path / "dest"
    dest.mkdir()
    assert spt("cadangkan", str(dest), "--kunci", "--sandi-file", str(secret_file),
               config=toml).returncode == 0
    (backup,) = dest.glob("spt-cadangan-*.tar.zst")
    before = sorted(p.name for p in (ws / "state").iterdir())

    run = spt("pulihkan", str(backup), str(tmp_path / "baru"), "--sandi-file", str(secret_file))
    assert run.returncode == 1 and "menunjuk ke luar folder pemulihan" in run.stderr
    assert "paths.state" in run.stderr
    assert not (tmp_path / "baru").exists()
    assert sorted(p.name for p in (ws / "state").iterdir()) == before
    marker = json.loads((ws / "state" / "pemulihan.json").read_text())
    assert marker["backup"] == good_backup.name          # still the first restore's own
