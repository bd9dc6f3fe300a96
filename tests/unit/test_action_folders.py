"""A stage's disetujui/ renamed or deleted by an official: made again, with a true note."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

from pipeline.folders.layout import StageFolder
from pipeline.service.action_folders import ActionFolders


def _stage(tmp_path) -> StageFolder:
    sf = StageFolder(stage=SimpleNamespace(index=1), root=tmp_path / "02-kasubag")
    sf.agreed.mkdir(parents=True)
    return sf


def test_a_renamed_folder_is_found_by_inode_and_its_files_are_left_alone(tmp_path):
    sf, folders = _stage(tmp_path), ActionFolders()
    (sf.agreed / "SPT-2026-0001.pdf").write_bytes(b"%PDF-1.7 half")
    folders.seen(sf.agreed)
    sf.agreed.rename(sf.root / "disetujui lama")

    folders.remake(sf, sf.agreed)

    assert sf.agreed.is_dir() and not any(sf.agreed.iterdir())
    assert (sf.root / "disetujui lama" / "SPT-2026-0001.pdf").read_bytes() == b"%PDF-1.7 half"
    text = (sf.root / "disetujui lama.galat.txt").read_text(encoding="utf-8")
    assert 'diganti namanya menjadi "disetujui lama"' in text
    assert "- SPT-2026-0001.pdf" in text and "TIDAK diproses" in text
    assert folders.take_remade() == {sf.agreed} and folders.take_remade() == set()

    folders.drop_stale_notes(sf)  # the renamed folder is still there: the note stays
    assert (sf.root / "disetujui lama.galat.txt").exists()
    shutil.rmtree(sf.root / "disetujui lama")
    folders.drop_stale_notes(sf)
    assert not (sf.root / "disetujui lama.galat.txt").exists()


def test_a_deleted_folder_gets_a_note_that_stays_while_the_folder_is_in_use(tmp_path):
    sf, folders = _stage(tmp_path), ActionFolders()
    (sf.root / "SPT-2026-0001.galat.txt").write_text("a case's note", encoding="utf-8")
    folders.seen(sf.agreed)
    sf.agreed.rmdir()

    folders.remake(sf, sf.agreed)

    assert sf.agreed.is_dir()
    text = (sf.root / "disetujui.galat.txt").read_text(encoding="utf-8")
    assert "dihapus" in text and "dibuat ulang" in text
    folders.drop_stale_notes(sf)
    assert (sf.root / "disetujui.galat.txt").exists()  # goes at the stage's next move
    assert (sf.root / "SPT-2026-0001.galat.txt").exists()  # a case's note is not ours


def test_a_folder_back_meanwhile_is_not_noted(tmp_path):
    sf, folders = _stage(tmp_path), ActionFolders()
    folders.seen(sf.agreed)
    folders.remake(sf, sf.agreed)  # it exists: the official renamed it back
    assert sorted(p.name for p in sf.root.iterdir()) == ["disetujui"]
    assert folders.take_remade() == set()
