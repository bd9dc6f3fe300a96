"""Reading secrets from a SecretRef, and writing private files."""

from __future__ import annotations

import os
import stat

import pytest

from pipeline.config import SecretRef
from pipeline.signing.passphrases import SecretUnavailable, read_secret, write_private


def test_write_private_is_0600_even_with_a_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        path = write_private(tmp_path / "a" / "secret.pass", "rahasia\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == "rahasia\n"
    assert [p.name for p in path.parent.iterdir()] == ["secret.pass"]


def test_read_secret_from_file_takes_the_first_line(tmp_path):
    path = write_private(tmp_path / "s.pass", "kata sandi \r\nsisa\n")
    assert read_secret(SecretRef(file=path)) == "kata sandi "


def test_read_secret_refuses_a_file_others_can_read(tmp_path):
    path = write_private(tmp_path / "s.pass", "rahasia-sekali\n")
    path.chmod(0o644)
    with pytest.raises(SecretUnavailable) as exc:
        read_secret(SecretRef(file=path))
    assert "chmod 600" in str(exc.value)
    assert "0644" in str(exc.value)
    assert "rahasia-sekali" not in str(exc.value)


@pytest.mark.parametrize("content", ["", "\n"])
def test_read_secret_refuses_an_empty_file(tmp_path, content):
    path = write_private(tmp_path / "s.pass", content)
    with pytest.raises(SecretUnavailable, match="kosong"):
        read_secret(SecretRef(file=path))


def test_read_secret_missing_file(tmp_path):
    with pytest.raises(SecretUnavailable, match="tidak ditemukan"):
        read_secret(SecretRef(file=tmp_path / "nope.pass"))


def test_read_secret_from_env(monkeypatch):
    monkeypatch.setenv("SPT_TEST_SECRET", "dari-lingkungan")
    assert read_secret(SecretRef(env="SPT_TEST_SECRET")) == "dari-lingkungan"
    monkeypatch.delenv("SPT_TEST_SECRET")
    with pytest.raises(SecretUnavailable, match="SPT_TEST_SECRET"):
        read_secret(SecretRef(env="SPT_TEST_SECRET"))
