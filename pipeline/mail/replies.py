"""Replies that act: which case, which verb, which token. Pure parsing, no side effects.

A reply names its case by ``[SPT-YYYY-NNNN]`` in the subject (kept by every
mail client after ``Re:``), carries the token of the notification it answers
(the line ``Token: XXXX-XXXX-XXXX-XXXX``, usually inside the quoted history;
or the ``X-SPT-Token`` header if a client kept it), and states its verb in
the new text it adds: ``DITERIMA`` (the pemohon's receipt), ``SETUJU``, or
``KEMBALIKAN: <alasan>``.

The verb must start one of the first :data:`VERB_LINES` non-empty lines of
the new text (so a greeting such as "Yth. Bapak," may come first), case
insensitive. Quoted history is never read for the verb: lines starting with
``>``, an "On … wrote:" / "Pada … menulis:" attribution, an Outlook header
block or "-----Original Message-----", and everything after a ``--``
signature line. "Tidak setuju" is not SETUJU: the verb must start the line.

Tokens are HMAC-SHA256 of (case, stage, visit) under a secret that lives in
``state/``, so a token proves the reply answers that very notification: a
token for an earlier visit of the stage, another stage or another case does
not check out. Whether the sender is the stage's configured address, and
whether the case is still at that stage, is for the caller to decide.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import re
import secrets
import stat
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pipeline.mail.incoming import IncomingMessage

SECRET_FILE = "mail-token.key"
SECRET_BYTES = 32
TOKEN_BYTES = 10          # 80 bits, 16 base32 characters
VERB_LINES = 3
MAX_REASON_CHARS = 2000

CASE_ID = re.compile(r"\[\s*(SPT-\d{4}-\d{4,6})\s*\]", re.IGNORECASE)
_TOKEN_CHARS = "[A-Z2-7]"
TOKEN_LINE = re.compile(
    rf"\btoken\s*[:=]\s*[*_]*({_TOKEN_CHARS}{{4}}(?:[- ]?{_TOKEN_CHARS}{{4}}){{3}})(?![A-Z2-7])",
    re.IGNORECASE,
)
_VERB = re.compile(
    r"^[\s*_\"'“«]*(DITERIMA|SETUJU|DISETUJUI|KEMBALIKAN|DIKEMBALIKAN)(?![\w-])"
    r"[\s*_\"'”»]*(.*)$",
    re.IGNORECASE,
)
_ATTRIBUTION = re.compile(
    r"(wrote|menulis|schrieb|a écrit|escribió|scrisse|schreef)\s*:\s*$", re.IGNORECASE
)
_ATTRIBUTION_START = re.compile(r"^(on|pada|am|le|el|il|op)\b", re.IGNORECASE)
_SEPARATOR = re.compile(
    r"^(-{2,}\s*(original message|pesan asli|forwarded message|pesan terusan|"
    r"pesan yang diteruskan)\s*-{2,}|_{8,}|-{8,})$",
    re.IGNORECASE,
)
_HEADER_LINE = re.compile(r"^(from|dari|von|de|sent|dikirim|date|tanggal|to|kepada|subject|"
                          r"perihal|subjek|cc)\s*:", re.IGNORECASE)


class Verb(StrEnum):
    DITERIMA = "DITERIMA"
    SETUJU = "SETUJU"
    KEMBALIKAN = "KEMBALIKAN"


_VERB_OF = {
    "DITERIMA": Verb.DITERIMA,
    "SETUJU": Verb.SETUJU,
    "DISETUJUI": Verb.SETUJU,
    "KEMBALIKAN": Verb.KEMBALIKAN,
    "DIKEMBALIKAN": Verb.KEMBALIKAN,
}


@dataclass(frozen=True)
class Reply:
    """What a reply asks for. ``verb`` is ``None`` when no verb could be read."""

    case_id: str
    verb: Verb | None
    reason: str | None          # KEMBALIKAN's alasan; None if missing
    token: str | None           # as written; check it with :func:`check_token`
    sender: str
    message_id: str
    in_reply_to: str | None
    case_ids: tuple[str, ...]   # every case id in the subject (normally one)


def parse_reply(msg: IncomingMessage) -> Reply | None:
    """The reply ``msg`` represents, or ``None`` if its subject names no case."""
    ids = tuple(dict.fromkeys(m.upper() for m in CASE_ID.findall(msg.subject or "")))
    if not ids:
        return None
    fresh = fresh_text(msg.body_text or "")
    verb, reason = _verb(fresh)
    token = find_token(fresh) or find_token(msg.body_text or "") or _clean_token(
        msg.token_header)
    return Reply(case_id=ids[0], verb=verb, reason=reason, token=token, sender=msg.sender,
                 message_id=msg.message_id, in_reply_to=msg.in_reply_to, case_ids=ids)


def fresh_text(body: str) -> str:
    """The text the replier wrote, without quoted history or signature."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    fresh: list[str] = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(">"):
            continue
        if stripped in ("--", "-- ") or line.rstrip("\n") == "-- ":
            break
        if _SEPARATOR.match(stripped):
            break
        if _ATTRIBUTION.search(stripped):
            wrapped = not _ATTRIBUTION_START.match(stripped)
            if wrapped and fresh and _ATTRIBUTION_START.match(fresh[-1].strip()):
                fresh.pop()  # the attribution's first half, wrapped onto two lines
            if _quote_follows(lines, i + 1):
                continue  # bottom posting: the reply may come after the quote
            break
        if _HEADER_LINE.match(stripped) and _header_block_follows(lines, i):
            break
        fresh.append(line)
    return "\n".join(fresh).strip()


def _quote_follows(lines: list[str], start: int) -> bool:
    for line in lines[start:]:
        if line.strip():
            return line.strip().startswith(">")
    return False


def _header_block_follows(lines: list[str], start: int) -> bool:
    """An Outlook-style quoted header block: From:/Dari: then Sent:/To:/Subject: lines."""
    following = [ln.strip() for ln in lines[start + 1:start + 5] if ln.strip()]
    return bool(lines[start].strip().lower().startswith(("from:", "dari:", "von:", "de:"))) and any(
        _HEADER_LINE.match(ln) for ln in following[:3])


def _verb(fresh: str) -> tuple[Verb | None, str | None]:
    lines = fresh.split("\n")
    seen = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        seen += 1
        if seen > VERB_LINES:
            break
        match = _VERB.match(line)
        if not match:
            continue
        rest = match.group(2).strip()
        if rest.startswith("?"):
            return None, None  # "Setuju?" is a question, not an answer
        verb = _VERB_OF[match.group(1).upper()]
        if verb is not Verb.KEMBALIKAN:
            return verb, None
        return verb, _reason(rest, lines[i + 1:])
    return None, None


def _reason(rest: str, following: list[str]) -> str | None:
    """The alasan: the rest of the verb line and its paragraph (or the next paragraph)."""
    rest = rest.lstrip(":.-–—, ").strip()
    paragraph: list[str] = [rest] if rest else []
    for line in following:
        if not line.strip():
            if paragraph:
                break
            continue
        paragraph.append(line.strip())
    text = " ".join(" ".join(paragraph).split())
    return text[:MAX_REASON_CHARS] or None


def find_token(text: str) -> str | None:
    """The first ``Token: …`` in ``text``, normalised, or ``None``."""
    match = TOKEN_LINE.search(text or "")
    return _clean_token(match.group(1)) if match else None


def _clean_token(token: str | None) -> str | None:
    if not token:
        return None
    clean = re.sub(r"[^A-Za-z0-9]", "", token).upper()
    return clean if re.fullmatch(r"[A-Z2-7]{16}", clean) else None


# --- tokens ------------------------------------------------------------


def make_token(secret: bytes, case_id: str, stage_key: str, visit: int | str) -> str:
    """The token for one visit of a case at a stage, as ``XXXX-XXXX-XXXX-XXXX``."""
    raw = _digest(secret, case_id, stage_key, visit)
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def check_token(secret: bytes, token: str | None, case_id: str, stage_key: str,
                visit: int | str) -> bool:
    """Whether ``token`` is the one :func:`make_token` gives; constant-time comparison."""
    given = _clean_token(token)
    if given is None:
        return False
    expected = _digest(secret, case_id, stage_key, visit)
    return hmac.compare_digest(given.encode(), expected.encode())


def _digest(secret: bytes, case_id: str, stage_key: str, visit: int | str) -> str:
    if len(secret) < 16:
        raise ValueError("token secret too short")
    message = "\x1f".join(("spt-reply-v1", case_id.upper(), stage_key, str(visit))).encode()
    mac = hmac.new(secret, message, hashlib.sha256).digest()[:TOKEN_BYTES]
    return base64.b32encode(mac).decode("ascii")


def load_or_create_secret(state_dir: Path) -> bytes:
    """The reply-token secret in ``state_dir`` (file mode 0600), created on first use.

    Creation is race-free: the secret is written under a temporary name and
    linked into place, so two processes starting together agree on one
    secret. A file found readable by group or others is tightened to 0600.
    """
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / SECRET_FILE
    if not path.exists():
        tmp = state_dir / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(SECRET_BYTES))
                fh.flush()
                os.fsync(fh.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        path.chmod(0o600)
    data = path.read_bytes()
    if len(data) < SECRET_BYTES:
        raise ValueError(f"{path}: reply-token secret is damaged (too short); remove it")
    return data


__all__ = [
    "CASE_ID",
    "Reply",
    "Verb",
    "check_token",
    "find_token",
    "fresh_text",
    "load_or_create_secret",
    "make_token",
    "parse_reply",
]
