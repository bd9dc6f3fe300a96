"""Text taken from the invitation, put the way a Tata Naskah Dinas letter writes it.

* :func:`sender_phrase`: the inviting body as one clean phrase. Letterheads
  stack the organisation over its unit ("KEMENTERIAN KOPERASI REPUBLIK
  INDONESIA" / "DEPUTI BIDANG PERKOPERASIAN"); read line by line they join
  into "… Republik Indonesia Deputi Bidang …". The letter names the unit
  first, then its organisation: "Deputi Bidang Perkoperasian Kementerian
  Koperasi Republik Indonesia". All-capitals letterheads are set in title case
  (acronyms and the small words of Indonesian titles kept as they should be).
* :func:`time_phrase`: "13.30 - 16.00" as "13.30 s.d. 16.00 WIB": dots in the
  time, "s.d." between the ends, the time zone once at the end (the agency's
  when the invitation gives none).
"""

from __future__ import annotations

import re

# Words that start an organisation's unit; after an organisation's name they begin a second
# letterhead line that belongs in front.
_UNIT = re.compile(
    r"\b(Deputi|Direktorat|Direktur|Sekretariat|Inspektorat|Biro|Pusat|Asisten|Kantor"
    r"|Balai|Bagian|Bidang)\b")
_ORG = re.compile(r"^(Kementerian|Badan|Lembaga|Otoritas|Pemerintah|Komisi|Bank|Dewan"
                  r"|Universitas|Kantor|Dinas)\b")
_SMALL = {"dan", "di", "ke", "dari", "untuk", "pada", "atas", "serta", "yang", "dengan",
          "kepada", "tentang", "atau", "bagi", "oleh"}
_ACRONYM = re.compile(r"^(?:[A-Z]{2,6}|[A-Z]+\d+|[IVX]+)$")
_KEEP_UPPER = {"RI", "UKM", "UMKM", "OJK", "BUMN", "BUMD", "DPRD", "DPR", "TNI", "POLRI",
               "BPK", "BPKP", "KPK", "BI", "BPS", "LPPM", "PT", "CV", "UPT", "KUR", "APBD",
               "APBN", "RSUD", "SMA", "SMK", "SMP", "SD", "IV"}
_ZONE = re.compile(r"\b(WIB|WITA|WIT)\b", re.IGNORECASE)
_TIME = r"(\d{1,2})[.:](\d{2})"


def title_case(text: str) -> str:
    """``KEMENTERIAN KOPERASI DAN UKM`` -> ``Kementerian Koperasi dan UKM``."""
    words = []
    for i, word in enumerate(text.split()):
        bare = word.strip(",.;:()")
        if bare in _KEEP_UPPER:
            words.append(word)
        elif i and bare.lower() in _SMALL:
            words.append(word.lower())
        else:
            words.append(word[:1].upper() + word[1:].lower())
    return " ".join(words)


def sender_phrase(text: str | None) -> str | None:
    """The inviting body as one phrase: unit before organisation, no shouting, no stray
    punctuation; ``None`` stays ``None``."""
    if text is None:
        return None
    text = " ".join(text.split()).strip(" ,.;:-")
    if not text:
        return None
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.8:
        text = title_case(text)
    if _ORG.match(text):
        unit = next((m for m in _UNIT.finditer(text) if m.start() > 0), None)
        if unit is not None:
            head, tail = text[:unit.start()].strip(" ,"), text[unit.start():].strip(" ,")
            if head and tail:
                text = f"{tail} {head}"
    return text


def time_phrase(text: str | None, default_zone: str = "WIB") -> str | None:
    """``13.30 - 16.00`` -> ``13.30 s.d. 16.00 WIB``; ``09.00 WIB s.d. selesai`` stays as it
    reads; text without a recognisable time is returned cleaned, unchanged otherwise."""
    if text is None:
        return None
    text = " ".join(text.split())
    text = re.sub(r"^(pukul|jam|pkl\.?)\s*", "", text, flags=re.IGNORECASE)
    if not text:
        return None
    zone_match = _ZONE.search(text)
    zone = zone_match.group(1).upper() if zone_match else default_zone
    bare = _ZONE.sub("", text)
    bare = re.sub(r"\s+", " ", bare).strip()
    both = re.fullmatch(rf"{_TIME}\s*(?:-|–|—|s/d|s\.d\.?|sd|sampai(?: dengan)?)\s*{_TIME}",
                        bare, flags=re.IGNORECASE)
    if both:
        a, b, c, d = both.groups()
        return f"{int(a):02d}.{b} s.d. {int(c):02d}.{d} {zone}"
    until_done = re.fullmatch(
        rf"{_TIME}\s*(?:-|–|—|s/d|s\.d\.?|sd|sampai(?: dengan)?)\s*selesai", bare,
        flags=re.IGNORECASE)
    if until_done:
        a, b = until_done.groups()
        return f"{int(a):02d}.{b} {zone} s.d. selesai"
    single = re.fullmatch(_TIME, bare)
    if single:
        a, b = single.groups()
        return f"{int(a):02d}.{b} {zone}"
    return text
