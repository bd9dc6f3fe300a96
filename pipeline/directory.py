"""The employee directory, ``pegawai.csv`` (nama, nip, pangkat, golongan, jabatan, email).

Used to pre-fill the "Kepada" table from a note naming employees by NIP or by
name, and to check the table the drafter sends on.
"""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.core.nip import InvalidNip, normalize, parse_nip

COLUMNS = ("nama", "nip", "pangkat", "golongan", "jabatan", "email")
_NIP_IN_TEXT = re.compile(r"(?<!\d)(\d{8}[ .-]?\d{6}[ .-]?\d[ .-]?\d{3})(?!\d)")
# Academic and honorific titles around Indonesian names: "Drs. X, M.Si." -> "X".
_PREFIX_TITLES = re.compile(
    r"^(?:(?:prof|dr|drs|dra|ir|h|hj|kh|sdr|sdri|bapak|ibu|bpk)\.?\s+)+", re.I
)


@dataclass(frozen=True)
class Employee:
    nama: str
    nip: str
    pangkat: str
    golongan: str
    jabatan: str
    email: str

    @property
    def core_name(self) -> str:
        return core_name(self.nama)

    def as_assignee(self) -> dict[str, str]:
        return asdict(self)


def core_name(name: str) -> str:
    """A name without academic titles, lower-cased: ``"Drs. Budi, M.Si."`` -> ``"budi"``."""
    base = name.split(",")[0]
    base = _PREFIX_TITLES.sub("", base.strip())
    return " ".join(base.lower().split())


class DirectoryError(Exception):
    pass


class EmployeeDirectory:
    def __init__(self, employees: list[Employee]):
        self.employees = employees
        self._by_nip = {e.nip: e for e in employees}

    @classmethod
    def load(cls, path: Path) -> EmployeeDirectory:
        """Read ``pegawai.csv``; a row with an invalid NIP or missing column is an error."""
        problems: list[str] = []
        employees: list[Employee] = []
        try:
            with open(path, newline="", encoding="utf-8-sig") as fh:
                reader = csv.DictReader(fh)
                missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
                if missing:
                    raise DirectoryError(f"{path}: kolom tidak ada: {', '.join(missing)}")
                for line, row in enumerate(reader, start=2):
                    try:
                        nip = parse_nip(row["nip"] or "").digits
                    except InvalidNip as exc:
                        problems.append(f"{path}, baris {line}: {exc}")
                        continue
                    employees.append(Employee(
                        nama=(row["nama"] or "").strip(), nip=nip,
                        pangkat=(row["pangkat"] or "").strip(),
                        golongan=(row["golongan"] or "").strip(),
                        jabatan=(row["jabatan"] or "").strip(),
                        email=(row["email"] or "").strip(),
                    ))
        except FileNotFoundError:
            raise DirectoryError(f"{path}: berkas data pegawai tidak ditemukan") from None
        if problems:
            raise DirectoryError("\n".join(problems))
        return cls(employees)

    def by_nip(self, nip: str) -> Employee | None:
        return self._by_nip.get(normalize(nip))

    def named_in(self, text: str) -> list[Employee]:
        """Employees a note names, by NIP or by name, in the order they appear."""
        found: list[tuple[int, Employee]] = []
        for match in _NIP_IN_TEXT.finditer(text or ""):
            emp = self.by_nip(match.group(1))
            if emp:
                found.append((match.start(), emp))
        lowered = " ".join((text or "").lower().split())
        for emp in self.employees:
            name = emp.core_name
            if len(name) < 4:
                continue
            m = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", lowered)
            if m:
                found.append((m.start(), emp))
        seen: set[str] = set()
        result = []
        for _, emp in sorted(found, key=lambda item: item[0]):
            if emp.nip not in seen:
                seen.add(emp.nip)
                result.append(emp)
        return result

    def check_assignees(self, rows: list[dict[str, str]]) -> list[str]:
        """What is wrong with a Kepada table (Indonesian, for the drafter); empty if fine."""
        if not rows:
            return ["Tabel \"Kepada\" kosong: isikan pegawai yang ditugaskan (nama dan NIP)."]
        problems = []
        for i, row in enumerate(rows, start=1):
            text = (row.get("nip") or "").strip()
            label = row.get("nama") or f"baris {i}"
            if not text:
                problems.append(f"Kepada, baris {i} ({label}): NIP belum diisi.")
                continue
            try:
                nip = parse_nip(text)
            except InvalidNip as exc:
                problems.append(f"Kepada, baris {i} ({label}): {exc}.")
                continue
            if nip.digits not in self._by_nip:
                problems.append(
                    f"Kepada, baris {i} ({label}): NIP {nip.formatted()} tidak terdaftar di "
                    "data pegawai (pegawai.csv)."
                )
        return problems
