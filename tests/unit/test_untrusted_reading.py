"""Files in the shared folders are read and written without ever going through a link."""

from __future__ import annotations

import os

import pytest

from pipeline.folders.atomic import (
    TEMP_PREFIX,
    copy_atomic,
    sha256_file,
    sweep_temporaries,
    temp_path,
    write_atomic,
)
from pipeline.folders.layout import note_path
from pipeline.untrusted.reading import Untrusted, is_plain_file, read_untrusted


@pytest.fixture
def outside(tmp_path):
    target = tmp_path / "di-luar.txt"
    target.write_text("rahasia\n")
    return target


def test_a_plain_file_is_read_and_bounded(tmp_path):
    path = tmp_path / "alasan.txt"
    path.write_bytes(b"x" * 100)
    assert read_untrusted(path, 100) == b"x" * 100
    assert read_untrusted(path, 10, truncate=True) == b"x" * 10
    with pytest.raises(Untrusted) as exc:
        read_untrusted(path, 99)
    assert exc.value.kind == "too large"


@pytest.mark.parametrize("kind", ["link", "hard link", "not a file"])
def test_links_pipes_and_hard_links_are_refused_unread(tmp_path, outside, kind):
    path = tmp_path / "masuk.txt"
    if kind == "link":
        path.symlink_to(outside)
    elif kind == "hard link":
        os.link(outside, path)
    else:
        os.mkfifo(path)  # opening it naively would block for ever
    with pytest.raises(Untrusted) as exc:
        read_untrusted(path, 1000)
    assert exc.value.kind == kind
    assert not is_plain_file(path)


def test_hashing_never_follows_a_link(tmp_path, outside):
    link = tmp_path / "SPT-2026-0001.pdf"
    link.symlink_to(outside)
    with pytest.raises(OSError):
        sha256_file(link)


def test_a_link_at_our_temporary_name_is_replaced_not_written_through(tmp_path, outside):
    target = tmp_path / "SPT-2026-0001.pdf"
    temp_path(target).symlink_to(outside)
    write_atomic(target, b"%PDF-1.7 surat")
    assert outside.read_text() == "rahasia\n"
    assert target.read_bytes() == b"%PDF-1.7 surat"
    source = tmp_path / "sumber.pdf"
    source.write_bytes(b"%PDF-1.7 salinan")
    temp_path(tmp_path / "salinan.pdf").symlink_to(outside)
    copy_atomic(source, tmp_path / "salinan.pdf")
    assert outside.read_text() == "rahasia\n"


def test_names_stay_within_255_bytes(tmp_path):
    long = tmp_path / ("u" * 251 + ".pdf")
    assert len(temp_path(long).name.encode()) <= 255
    assert len(note_path(long, ".galat.txt").name.encode()) <= 255
    assert note_path(long, ".galat.txt").name.endswith(".galat.txt")
    write_atomic(long, b"isi")
    assert long.read_bytes() == b"isi"


def test_leftovers_of_a_crash_are_swept_files_and_folders(tmp_path, outside):
    (tmp_path / f"{TEMP_PREFIX}1-a.pdf").write_bytes(b"setengah")
    folder = tmp_path / "state" / f"{TEMP_PREFIX}out-x"
    folder.mkdir(parents=True)
    (folder / "hasil.pdf").write_bytes(b"setengah")
    (tmp_path / f"{TEMP_PREFIX}2-link").symlink_to(outside)
    assert sweep_temporaries(tmp_path) == 3
    assert not [p for p in tmp_path.rglob(f"{TEMP_PREFIX}*")]
    assert outside.read_text() == "rahasia\n"


def test_a_vanished_folder_is_not_recreated_when_asked_not_to(tmp_path):
    from pipeline.folders.atomic import copy_atomic

    gone = tmp_path / "03-sekretaris"
    with pytest.raises(FileNotFoundError):
        write_atomic(gone / "SPT-2026-0001-catatan.txt", "x", make_parents=False)
    source = tmp_path / "a.pdf"
    source.write_bytes(b"%PDF")
    with pytest.raises(FileNotFoundError):
        copy_atomic(source, gone / "SPT-2026-0001.pdf", make_parents=False)
    assert not gone.exists()
