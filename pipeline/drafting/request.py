"""What the request's note named that did not make it into the draft, and why.

The note that came with an invitation (``<name>.txt`` in ``inbox/``, or an
email's body) names the employees to assign, by NIP or by name;
:meth:`pipeline.directory.EmployeeDirectory.named_in` pre-fills the draft with
those it finds. Everything else the note names used to vanish silently. This
module lists it for the drafter, one line each, with the reason:

* a number that looks like an NIP but is not one (its length, an impossible
  month or birth date: :func:`pipeline.core.nip.parse_nip` says which);
* a valid NIP nobody in ``pegawai.csv`` has;
* a name nobody has; a name that fits several employees (the candidates,
  with their NIPs); a name that fits one employee only partly (the
  candidate, not pre-filled: the drafter decides).

Which lines are names is a heuristic, kept simple and said here: a line of
the note, list numbering and bullets removed, of one to six words made of
letters, dots, commas and apostrophes, without an e-mail address, not
ending in a colon, and without the words of a request ("mohon", "untuk",
"terima kasih", …). A name inside a sentence is not looked for.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pipeline.core.nip import InvalidNip, normalize, parse_nip

if TYPE_CHECKING:
    from pipeline.directory import Employee, EmployeeDirectory

# Digit runs of NIP-like length, with the separators people type (spaces, dots, dashes).
_NUMBER = re.compile(r"(?<![\d])(\d(?:[ .\-]?\d){13,21})(?![\d])")
_BULLET = re.compile(r"^\s*(?:\d{1,3}\s*[.)]|[-*•·])\s*")
_NAME_LINE = re.compile(r"^[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ.,' ]*$")
_NOT_NAMES = re.compile(
    r"\b(mohon|dibuatkan|buatkan|untuk|terima\s*kasih|hormat|salam|pemohon|yth|kepada|"
    r"perihal|hal|lampiran|undangan|spt|surat|tugas|berikut|pegawai|atas|nama|nip|dan|"
    r"bapak|ibu|selamat|pagi|siang|sore|malam|tolong|dengan|ini|tersebut)\b",
    re.IGNORECASE)
MAX_NAME_WORDS = 6


def unmatched(note: str, directory: EmployeeDirectory) -> list[str]:
    """One line per thing the note names that is not in the draft (Indonesian)."""
    from pipeline.directory import core_name

    taken = {e.nip for e in directory.named_in(note)}
    lines: list[str] = []
    for match in _NUMBER.finditer(note or ""):
        text = match.group(1)
        digits = normalize(text)
        try:
            nip = parse_nip(digits)
        except InvalidNip as exc:
            lines.append(f"{text}: bukan NIP yang sah ({_why(exc, digits)}); tidak dimasukkan.")
            continue
        if nip.digits not in taken and directory.by_nip(nip.digits) is None:
            lines.append(f"NIP {nip.formatted()}: tidak terdaftar di data pegawai "
                         "(pegawai.csv); tidak dimasukkan.")
    for raw in (note or "").splitlines():
        line = _BULLET.sub("", raw).strip().rstrip(";")
        if not _is_name_line(line):
            continue
        if any(e.nip in taken for e in directory.named_in(line)):
            continue
        wanted = core_name(line)
        candidates = _candidates(wanted, directory.employees)
        if not candidates:
            lines.append(f"\"{line}\": nama tidak ditemukan di data pegawai (pegawai.csv); "
                         "tidak dimasukkan.")
        elif len(candidates) == 1:
            (emp,) = candidates
            lines.append(f"\"{line}\": tidak dimasukkan karena tidak persis sama dengan data "
                         f"pegawai; mungkin yang dimaksud {emp.nama} (NIP {_fmt(emp.nip)}).")
        else:
            names = "; ".join(f"{e.nama} (NIP {_fmt(e.nip)})" for e in candidates)
            lines.append(f"\"{line}\": nama ini cocok dengan lebih dari satu pegawai: {names}; "
                         "tidak dimasukkan, pilih yang dimaksud.")
    return lines


def _is_name_line(line: str) -> bool:
    if not line or line.endswith(":") or "@" in line or not _NAME_LINE.match(line):
        return False
    words = line.replace(",", " ").split()
    return 1 <= len(words) <= MAX_NAME_WORDS and not _NOT_NAMES.search(line)


def _candidates(wanted: str, employees: list[Employee]) -> list[Employee]:
    """Employees whose name contains every word of ``wanted`` (titles removed)."""
    words = [w for w in re.split(r"[^\w]+", wanted) if len(w) >= 3]
    if not words:
        return []
    found = []
    for emp in employees:
        have = set(re.split(r"[^\w]+", emp.core_name))
        if all(w in have for w in words):
            found.append(emp)
    return found


def _why(exc: InvalidNip, digits: str) -> str:
    text = str(exc)
    reason = text.split(":", 1)[1].strip() if ":" in text else text
    if reason.startswith("NIP"):
        reason = f"terdiri dari {len(digits)} angka, seharusnya 18"
    return reason


def _fmt(nip: str) -> str:
    try:
        return parse_nip(nip).formatted()
    except InvalidNip:
        return nip


def request_file_text(case_id: str, note: str) -> str:
    """The requester's original note, as the drafter finds it beside the draft."""
    return (f"Permintaan asli yang menyertai undangan kasus {case_id} (apa adanya):\n"
            f"{'-' * 60}\n{note.strip()}\n")
