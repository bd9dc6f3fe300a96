"""Finding an issued letter by the token in its QR code, without telling anything else.

The QR code of an issued SPT points to ``/v/<token>``, where the token is the
case's ``verify_token`` (``secrets.token_urlsafe(24)``: 32 URL-safe
characters, 192 random bits). This module answers one question, "which issued
letter, if any, has this token?", and answers it so that a visitor learns
nothing more:

- Only letters in the buku agenda are found: a case still in the signing
  chain has a token but no page.
- The lookup is by the token's SHA-256 in an in-memory index, so no string
  comparison on the token itself runs (in Python or in SQLite's B-tree) whose
  time could depend on how many leading characters a guess got right.
- A malformed token (wrong length or alphabet, checked first, so it never
  reaches the database) is replaced by a decoy of the right form and looked up
  all the same: a malformed and an unknown token cost the same work, one
  ``MAX(rowid)`` query and one dictionary probe, and both come back ``None``.

The index is rebuilt when the agenda grows (its ``MAX(rowid)`` changes; agenda
rows are never deleted), so letters issued while ``spt web`` runs appear at
once.
"""

from __future__ import annotations

import hashlib
import re
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.store import Store

TOKEN_LENGTH = 32
TOKEN_FORMAT = re.compile(r"[A-Za-z0-9_-]{32}")
# Well-formed, and never issued: the result of looking it up is discarded anyway.
_DECOY = "0" * TOKEN_LENGTH



def well_formed(token: str) -> bool:
    """The token has the form of a verification token (length first: no regex on a huge string)."""
    return len(token) == TOKEN_LENGTH and TOKEN_FORMAT.fullmatch(token) is not None


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii")).digest()


class TokenIndex:
    """Issued letters by the SHA-256 of their verification token; shared by all threads."""

    def __init__(self) -> None:
        self._by_digest: dict[bytes, str] = {}
        self._mark: int | None = -1
        self._lock = threading.Lock()

    def case_for(self, store: Store, token: str) -> str | None:
        """The case id of the issued letter with ``token``, or ``None`` (malformed or unknown)."""
        valid = well_formed(token)
        probe = token if valid else _DECOY
        self._refresh(store)
        found = self._by_digest.get(_digest(probe))
        return found if valid else None

    def _refresh(self, store: Store) -> None:
        mark = store.agenda.change_mark()
        if mark == self._mark:
            return
        with self._lock:
            if mark == self._mark:
                return
            self._by_digest = {_digest(token): case for token, case in store.agenda.tokens()}
            self._mark = mark

    def __len__(self) -> int:
        return len(self._by_digest)
