"""The outgoing-letter number: its format, and nothing else (the register is in the store).

Default format ``{klasifikasi}/{urut:04d}/{unit}/{tahun}``, for example
``800.1.11.1/0042/DISKOPUKM/2026``. Available fields: ``klasifikasi``,
``urut`` (the sequence in the year), ``unit``, ``tahun``, ``bulan`` and
``bulan_romawi`` (month as a Roman numeral, common in Indonesian numbers).
"""

from __future__ import annotations

import string
from dataclasses import dataclass

FIELDS = frozenset({"klasifikasi", "urut", "unit", "tahun", "bulan", "bulan_romawi"})
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


@dataclass(frozen=True)
class NumberParts:
    klasifikasi: str
    urut: int
    unit: str
    tahun: int
    bulan: int

    def as_dict(self) -> dict[str, object]:
        return {
            "klasifikasi": self.klasifikasi,
            "urut": self.urut,
            "unit": self.unit,
            "tahun": self.tahun,
            "bulan": self.bulan,
            "bulan_romawi": _ROMAN[self.bulan - 1],
        }


def check_format(fmt: str) -> None:
    """Raise ``ValueError`` unless ``fmt`` is a usable number format."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(fmt) if name is not None}
    except ValueError as exc:
        raise ValueError(f"number format '{fmt}' is malformed: {exc}") from None
    unknown = names - FIELDS
    if unknown:
        raise ValueError(
            f"number format uses unknown field(s) {sorted(unknown)}; allowed: {sorted(FIELDS)}"
        )
    if "urut" not in names:
        raise ValueError("number format must contain {urut} (the sequence number)")
    if "tahun" not in names:
        raise ValueError("number format must contain {tahun}: the sequence restarts every year")
    format_number(fmt, NumberParts("000", 1, "UNIT", 2026, 1))


def format_number(fmt: str, parts: NumberParts) -> str:
    return fmt.format(**parts.as_dict())


def archive_name(number: str) -> str:
    """A file name derived from a letter number: ``800.1.11.1-0042-DISKOPUKM-2026.pdf``."""
    safe = "".join(c if c.isalnum() or c in ".-_" else "-" for c in number)
    return f"{safe.strip('-')}.pdf"
