"""The keys' part of a backup, sealed with a passphrase IT gives.

Format (one blob, member ``kunci.tar.enc`` of the backup)::

    b"SPTKUNCI1" | salt (16 bytes) | nonce (12 bytes) | AES-256-GCM(ciphertext + tag)

The key is scrypt(passphrase, salt, n=2**15, r=8, p=1) (RFC 7914; about 32 MB and a
tenth of a second per try, so guessing a passphrase is slow). The backup's id is the
associated data: a keys blob moved into another backup does not open. AES-GCM
authenticates: a wrong passphrase and a changed byte are both refused, and nothing
is written before the blob has been authenticated whole.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"SPTKUNCI1"
SALT_BYTES = 16
NONCE_BYTES = 12
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSPHRASE_CHARS = 12


class SealError(Exception):
    """The keys cannot be sealed or opened. ``str()`` never holds the passphrase."""


def _key(passphrase: str, salt: bytes) -> bytes:
    kdf = Scrypt(salt=salt, length=32, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return kdf.derive(passphrase.encode("utf-8"))


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise SealError(f"sandi kunci cadangan terlalu pendek: minimal {MIN_PASSPHRASE_CHARS} "
                        "karakter")


def seal(data: bytes, passphrase: str, backup_id: str) -> bytes:
    """``data`` encrypted and authenticated under ``passphrase``, bound to ``backup_id``."""
    check_passphrase(passphrase)
    salt = os.urandom(SALT_BYTES)
    nonce = os.urandom(NONCE_BYTES)
    box = AESGCM(_key(passphrase, salt))
    return MAGIC + salt + nonce + box.encrypt(nonce, data, backup_id.encode())


def unseal(blob: bytes, passphrase: str, backup_id: str) -> bytes:
    """The data sealed in ``blob``; :class:`SealError` for a wrong passphrase or a change."""
    head = len(MAGIC) + SALT_BYTES + NONCE_BYTES
    if not blob.startswith(MAGIC) or len(blob) < head + 16:
        raise SealError("berkas kunci dalam cadangan bukan format yang dikenal atau terpotong")
    salt = blob[len(MAGIC):len(MAGIC) + SALT_BYTES]
    nonce = blob[len(MAGIC) + SALT_BYTES:head]
    try:
        return AESGCM(_key(passphrase, salt)).decrypt(nonce, blob[head:], backup_id.encode())
    except InvalidTag:
        raise SealError("sandi kunci cadangan salah, atau berkas kunci dalam cadangan "
                        "telah berubah") from None
