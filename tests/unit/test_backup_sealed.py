"""The keys' part of a backup: sealed with IT's passphrase, refused when anything is off."""

from __future__ import annotations

import pytest

from pipeline.backup.sealed import SealError, seal, unseal

SECRET = "sandi-yang-cukup-panjang"
DATA = b"kunci PKCS#12 dan sandinya" * 100


def test_the_right_passphrase_opens_what_was_sealed():
    blob = seal(DATA, SECRET, "20261206T010203Z-aaaa")
    assert DATA not in blob and b"PKCS" not in blob
    assert unseal(blob, SECRET, "20261206T010203Z-aaaa") == DATA


def test_a_wrong_passphrase_is_refused_without_saying_either_passphrase():
    blob = seal(DATA, SECRET, "id-1")
    with pytest.raises(SealError, match="sandi kunci cadangan salah") as caught:
        unseal(blob, "sandi-lain-yang-panjang", "id-1")
    assert SECRET not in str(caught.value) and "sandi-lain" not in str(caught.value)


def test_one_changed_byte_is_refused():
    blob = bytearray(seal(DATA, SECRET, "id-1"))
    blob[-40] ^= 0x01
    with pytest.raises(SealError):
        unseal(bytes(blob), SECRET, "id-1")


def test_keys_moved_into_another_backup_do_not_open():
    blob = seal(DATA, SECRET, "id-1")
    with pytest.raises(SealError):
        unseal(blob, SECRET, "id-2")


def test_truncated_or_foreign_data_is_refused():
    with pytest.raises(SealError, match="terpotong"):
        unseal(seal(DATA, SECRET, "id-1")[:30], SECRET, "id-1")
    with pytest.raises(SealError, match="format"):
        unseal(b"PK\x03\x04" + bytes(100), SECRET, "id-1")


def test_a_short_passphrase_is_refused():
    with pytest.raises(SealError, match="minimal 12"):
        seal(DATA, "pendek", "id-1")


def test_each_seal_is_different_salt_and_nonce():
    assert seal(DATA, SECRET, "id-1") != seal(DATA, SECRET, "id-1")
