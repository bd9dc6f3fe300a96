"""NIP (Nomor Induk Pegawai) parsing and validation.

An NIP has 18 digits: birth date ``YYYYMMDD``, appointment ``YYYYMM``, sex
(1 = male, 2 = female) and a three-digit sequence, usually written
``19650809 198603 1 012``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_SEPARATORS = re.compile(r"[\s.\-]")


class InvalidNip(ValueError):
    """The text is not a valid NIP; the message says why, in Indonesian."""


@dataclass(frozen=True)
class Nip:
    digits: str

    @property
    def birth_date(self) -> dt.date:
        return dt.date(int(self.digits[0:4]), int(self.digits[4:6]), int(self.digits[6:8]))

    @property
    def appointed(self) -> tuple[int, int]:
        return int(self.digits[8:12]), int(self.digits[12:14])

    @property
    def sex(self) -> int:
        return int(self.digits[14])

    def formatted(self) -> str:
        """The usual printed form: ``19650809 198603 1 012``."""
        d = self.digits
        return f"{d[0:8]} {d[8:14]} {d[14]} {d[15:18]}"

    def masked(self) -> str:
        """Printed form with birth date and sequence hidden, for public pages."""
        d = self.digits
        return f"{d[0:2]}****** {d[8:14]} {d[14]} ***"

    def __str__(self) -> str:
        return self.digits


def normalize(text: str) -> str:
    return _SEPARATORS.sub("", text or "")


def looks_like_nip(text: str) -> bool:
    return bool(re.fullmatch(r"\d{18}", normalize(text)))


def parse_nip(text: str, *, today: dt.date | None = None) -> Nip:
    """Parse and validate ``text`` as an NIP, or raise :class:`InvalidNip`."""
    digits = normalize(text)
    if not re.fullmatch(r"\d{18}", digits):
        raise InvalidNip(f"NIP '{text}' harus terdiri dari 18 angka")
    try:
        born = dt.date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise InvalidNip(
            f"NIP '{text}': tanggal lahir {digits[0:8]} tidak ada di kalender"
        ) from None
    year, month = int(digits[8:12]), int(digits[12:14])
    if not 1 <= month <= 12:
        raise InvalidNip(f"NIP '{text}': bulan pengangkatan {month:02d} tidak valid")
    today = today or dt.date.today()
    if born.year < 1900 or born > today:
        raise InvalidNip(f"NIP '{text}': tahun lahir {born.year} tidak masuk akal")
    if (year, month) > (today.year, today.month):
        raise InvalidNip(f"NIP '{text}': pengangkatan {year}-{month:02d} belum terjadi")
    if year < born.year + 15:
        raise InvalidNip(f"NIP '{text}': pengangkatan {year} sebelum usia 15 tahun")
    if digits[14] not in "12":
        raise InvalidNip(f"NIP '{text}': digit jenis kelamin harus 1 atau 2, bukan {digits[14]}")
    return Nip(digits)
