"""The inviting body (``pengirim``) from the letterhead (kop surat): its name, not its address.

A kop stacks the parent body above the unit that writes::

    KEMENTERIAN DALAM NEGERI
    REPUBLIK INDONESIA
    DIREKTORAT JENDERAL BINA PEMBANGUNAN DAERAH
    Jl. Taman Makam Pahlawan No. 20, Kalibata, Jakarta Selatan

and the body is named from the most specific line outwards, as a letter
citing it would: "Direktorat Jenderal Bina Pembangunan Daerah Kementerian
Dalam Negeri". The rules, general rather than per agency:

- the address block (street, telephone, e-mail, web, postcode) ends the name;
- a line that only says ``REPUBLIK INDONESIA`` under a ministry is decoration;
- ``PEMERINTAH PROVINSI X`` qualifies its unit as "… Provinsi X";
- a line that is only a region (``PROVINSI KALIMANTAN BARAT``) qualifies the line above;
- a branch (``KANTOR PERWAKILAN …``) and the unit of a company (``PT …``) follow
  their parent ("Bank Indonesia Kantor Perwakilan …"), and a branch named by the
  parent's acronym (``KANTOR OJK PROVINSI …`` under ``OTORITAS JASA KEUANGAN``)
  takes the parent's full name instead;
- a unit that already names its parent, or a university, stands alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pipeline.extract.layout import Document, Line

_ADDRESS = re.compile(
    r"\b(?:jl|jln|jalan|telp|telepon|tlp|telf|fax|faks|faksimil[ei]|e-?mail|surel|pos-?el|laman"
    r"|website|www|http|https|kode\s*pos|po\.?\s*box|kotak\s*pos|gedung|gd|kav|kompleks|komplek"
    r"|lantai|lt|kampus|whatsapp|wa|hp)\b|@|\b\d{5}\b|\(\s*0\d{2,4}\s*\)|\b0\d{2,4}[-\s]\d{3,}",
    re.I,
)
_NOT_NAME = re.compile(
    r"^(?:surat\s+)?(?:undangan|nota\s+dinas|surat(?:\s+edaran)?|memorandum)$", re.I
)
# A notice's title, not a body: "PEMANGGILAN / RAPAT UMUM PEMEGANG SAHAM TAHUNAN PT …".
_TITLE = re.compile(r"^(?:pemanggilan|panggilan|pengumuman|rapat\s+umum\s+pemegang)\b", re.I)
# A company's defined term after its name: "PT Sky Energy Indonesia Tbk (“Perseroan”)".
_DEFINED_COMPANY = re.compile(r"\s*\(\s*[“\"”]?\s*perseroan\s*[”\"“]?\s*\)", re.I)
# A heading that labels what follows ("WEBINAR : TEKNIK PENYUNTIKAN INSULIN …"): a post's
# title, not a body's name (a kop names its body without a colon).
_LABELLED_HEADING = re.compile(r"^[^\s:]+(?:\s+[^\s:]+)?\s*:\s+\S")
_COMMITTEE = re.compile(r"^(?:panitia|kepanitiaan)\b", re.I)
_REGION = re.compile(r"^(?:provinsi|kabupaten|kab\.|kota|kotamadya|kecamatan|wilayah)\b", re.I)
_BRANCH = re.compile(r"^(?:kantor|unit|cabang|area|divisi|regional|perwakilan)\b", re.I)
_PARENT_FIRST = re.compile(r"^(?:pt\.?|perum|perusahaan|bank|persero)\b", re.I)
_STANDALONE = re.compile(r"^(?:universitas|institut|politeknik|sekolah\s+tinggi|akademi)\b", re.I)
_SMALL = frozenset(
    {
        "dan",
        "di",
        "ke",
        "dari",
        "untuk",
        "pada",
        "yang",
        "atas",
        "serta",
        "bagi",
        "kepada",
        "dengan",
        "tentang",
        "oleh",
        "atau",
        "the",
        "of",
        "and",
    }
)
_ACRONYMS = frozenset(
    {
        "RI",
        "PT",
        "BUMN",
        "BUMD",
        "OJK",
        "BI",
        "PLN",
        "BRI",
        "BNI",
        "BTN",
        "BPD",
        "UPT",
        "UPTD",
        "DPRD",
        "BPS",
        "BPK",
        "BPKP",
        "LPPM",
        "KUR",
        "UMKM",
        "UKM",
        "RSUD",
        "LLDIKTI",
        "DJPB",
        "KPPN",
        "SDM",
        "TIK",
        "IT",
        "BPJS",
        "LKPP",
    }
)
_ROMAN = re.compile(r"^(?=[IVXLC]+$)M*(?:C[MD]|D?C{0,3})(?:X[CL]|L?X{0,3})(?:I[XV]|V?I{0,3})$")


def upper_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) / len(letters) if letters else 0.0


def kop_lines(doc: Document, stop_at: int) -> list[Line]:
    """The letterhead's name lines: first-page lines above the address, before ``stop_at``."""
    body_size = _body_font_size(doc)
    names: list[Line] = []
    in_title = False
    for line in doc.lines:
        if line.page != 0 or line.number >= stop_at:
            break
        text = line.text.strip()
        if in_title and not _BODY_START.match(text):
            continue  # the rest of a notice's title ("… PT ADHI KARYA" / "(PERSERO) TBK.")
        in_title = bool(_TITLE.match(text))
        if in_title:
            if names:
                break
            continue
        if _ADDRESS.search(text):
            if names:
                break
            continue
        if _NOT_NAME.match(text) or _letter_spaced(text) or _LABELLED_HEADING.match(text):
            if names:
                break
            continue
        prominent = (
            (upper_share(text) >= 0.7 and not _title_cased_caps(text))
            or line.bold
            or (body_size is not None and line.size is not None and line.size > body_size + 0.5)
            or _names_itself(text)
        )
        if not prominent or len(text) < 3:
            if names:
                break
            continue
        names.append(line)
    return names


def _title_cased_caps(text: str) -> bool:
    """Capitals mixed with words in lower case ("NGOPI BARENG bersama KADISDIK dan KAKANWIL
    KEMENAG JABAR"): a heading written as a sentence, not a kop, whose lines are set in one
    case. In plain type such a line names no body; in bold or a larger type it still may."""
    words = re.findall(r"[A-Za-z]+", text)
    capitals = sum(len(w) > 1 and w.isupper() for w in words)
    lower = sum(len(w) > 2 and w.islower() for w in words)
    return capitals >= 2 and lower >= 1


def _a_heading(doc: Document, line: Line) -> bool:
    """One line in capitals, in the body's type, naming no body and followed by no address:
    a post's heading ("SIDANG UMUM II DEWAN PERWAKILAN MAHASISWA …"), not a kop. A kop in
    plain type is a body's name ("DINAS …", "PT …") or has its address below it."""
    if line.bold or _names_itself(line.text) or starts_like_a_body(line.text):
        return False
    body_size = _body_font_size(doc)
    if body_size is not None and line.size is not None and line.size > body_size + 0.5:
        return False
    after = [ln for ln in doc.lines if ln.page == line.page and ln.number > line.number][:1]
    return not (after and _ADDRESS.search(after[0].text))


def starts_like_a_body(text: str) -> bool:
    """``text`` begins the way a body's name does ("DINAS …", "Universitas …")."""
    return bool(_BODY_START.match(text.strip()))


def _names_itself(text: str) -> bool:
    """A company naming itself at the top of its notice, its defined term last on the line:
    "PT Sky Energy Indonesia Tbk (“Perseroan”)". In bold on paper, which a scan's words do
    not say; a sentence that goes on after the term ("… (“Perseroan”) dengan ini …") is not
    a name."""
    m = _DEFINED_COMPANY.search(text)
    return bool(_PARENT_FIRST.match(text) and m and not text[m.end() :].strip())


def _letter_spaced(text: str) -> bool:
    tokens = text.split()
    return len(tokens) >= 4 and sum(len(t) == 1 for t in tokens) >= 0.75 * len(tokens)


def _body_font_size(doc: Document) -> float | None:
    sizes = [ln.size for ln in doc.lines if ln.size]
    if not sizes:
        return None
    counts: dict[float, int] = {}
    for s in sizes:
        counts[s] = counts.get(s, 0) + 1
    return max(counts, key=lambda s: counts[s])


def _acronym(name: str) -> str:
    return "".join(w[0] for w in re.findall(r"[A-Za-z]+", name) if w.lower() not in _SMALL).upper()


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w&()]+", " ", text.upper()).split())


# Words a kop line naming a body (or qualifying one) begins with. A line that begins
# otherwise ("SATU PINTU", "DAN TRANSMIGRASI") continues the line above it.
_BODY_START = re.compile(
    r"^(?:pemerintah(?:an)?|kementerian|kementrian|kemenko|badan|dinas|direktorat|sekretariat|biro"
    r"|bagian|inspektorat|kantor|unit|lembaga|universitas|institut|politeknik|sekolah|akademi"
    r"|fakultas|program|jurusan|pusat|balai|upt|uptd|deputi|asisten|dewan|komisi|majelis|otoritas"
    r"|bank|pt\.?|perum|perusahaan|persero|gubernur|bupati|wali\s*kota|walikota|camat|kecamatan"
    r"|kelurahan|desa|provinsi|kabupaten|kab\.|kota|kotamadya|republik|wilayah|regional|divisi"
    r"|cabang|area|perwakilan|rumah\s+sakit|rsud|satuan|kepolisian|kejaksaan|pengadilan|markas"
    r"|komando|koperasi|yayasan|asosiasi|himpunan|ikatan|perhimpunan|forum|tim|panitia|kamar"
    r"|sekolah|madrasah|museum|perpustakaan|ombudsman|mahkamah|kejaksaan|polda|polres|kodam)\b",
    re.I,
)


def _merge_wrapped(parts: list[str]) -> list[str]:
    """Join a name wrapped over two lines: the first ends in "DAN" or a comma, or the second
    does not begin the way a body's name or a region does."""
    merged: list[str] = []
    for part in parts:
        if merged and (
            re.search(r"(?:\b(?:dan|&|serta)|,)\s*$", merged[-1], re.I)
            or not _BODY_START.match(part)
        ):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged


def compose(parts: list[str]) -> str | None:
    """The body's name from its kop lines, outermost first (see the module's rules)."""
    parts = [" ".join(p.split()) for p in parts]
    parts = [p for p in parts if p and not re.fullmatch(r"republik\s+indonesia", p, re.I)]
    parts = _merge_wrapped(parts)
    if not parts:
        return None
    if _COMMITTEE.match(parts[0]):
        # A committee heads its own kop, its organisation below it: it reads top-down
        # ("PANITIA PELAKSANA RAPAT KERJA … / IKATAN MAHASISWA … / ZONA …").
        return " ".join(parts)
    name = parts[-1]
    for parent in reversed(parts[:-1]):
        if _REGION.match(name) and not _BRANCH.match(name):
            name = f"{parent} {name}"
            continue
        qualifier = re.sub(r"^pemerintah(?:an)?\s+", "", parent, flags=re.I)
        # "KANTOR WILAYAH KEMENTERIAN AGAMA PROVINSI …" under "KEMENTERIAN AGAMA REPUBLIK
        # INDONESIA" already names its parent: the parent's "Republik Indonesia" does not count.
        core = re.sub(r"\s+(?:republik\s+indonesia|ri)\s*$", "", qualifier, flags=re.I)
        if any(f" {_norm(q)} " in f" {_norm(name)} " for q in (qualifier, core)):
            break
        acronym = _acronym(qualifier)
        branch = (
            re.match(rf"^kantor\s+{re.escape(acronym)}\b\s*", name, re.I)
            if len(acronym) > 1
            else None
        )
        if branch:
            name = f"{qualifier} {name[branch.end() :]}".strip()
        elif _BRANCH.match(name) or _PARENT_FIRST.match(qualifier):
            name = f"{qualifier} {name}"
        else:
            name = f"{name} {qualifier}"
        if _STANDALONE.match(qualifier):
            break
    return name


def title_case(text: str, acronyms: Iterable[str] = ()) -> str:
    """``BADAN PUSAT STATISTIK (PERSERO)`` → ``Badan Pusat Statistik (Persero)``; acronyms kept.

    Text already in mixed case is returned as it is.
    """
    if upper_share(text) < 0.7:
        return text
    keep = _ACRONYMS | {a.upper() for a in acronyms}
    out = []
    for index, token in enumerate(text.split()):
        out.append("-".join(_case_word(piece, index == 0, keep) for piece in token.split("-")))
    return " ".join(out)


def _case_word(token: str, first: bool, keep: frozenset[str] | set[str]) -> str:
    m = re.match(r"^(\W*)([\w.]*?)(\W*)$", token)
    if not m or not m.group(2):
        return token
    lead, word, tail = m.groups()
    bare = word.rstrip(".").upper()
    if bare == "TBK":
        cased = "Tbk"
    elif (
        bare in keep
        or _ROMAN.match(bare)
        or any(c.isdigit() for c in bare)
        or (len(bare) > 1 and not re.search(r"[AIUEO]", bare))
    ):
        cased = word.upper()
    elif bare.lower() in _SMALL and not first:
        cased = word.lower()
    else:
        cased = word[:1].upper() + word[1:].lower()
    return f"{lead}{cased}{tail}"


def document_acronyms(doc: Document) -> set[str]:
    """All-capital words that a mixed-case line of the letter uses: its acronyms (OJK, UMKM)."""
    found: set[str] = set()
    for line in doc.lines:
        if upper_share(line.text) > 0.5:
            continue
        # A quoted title in capitals ("RAPAT KERJA ZONA KE III") is not a run of acronyms.
        text = re.sub(r"\b[A-Z]{2,}(?:\s+[A-Z0-9]{1,}){2,}\b", " ", line.text)
        found.update(w for w in re.findall(r"\b[A-Z]{2,6}\b", text))
    return found


def pengirim(doc: Document, stop_at: int) -> tuple[str | None, str, float | None]:
    """``(name, explanation, lowest OCR confidence)`` of the inviting body, from the kop above
    line ``stop_at``."""
    lines = kop_lines(doc, stop_at)
    if not lines:
        return None, "null: no letterhead found above the letter's header", None
    if len(lines) == 1 and _a_heading(doc, lines[0]):
        return None, f"null: line {lines[0].number} is a heading, not a letterhead", None
    name = compose([_DEFINED_COMPANY.sub("", ln.text) for ln in lines])
    if not name:
        return None, "null: letterhead has no name line", None
    span = (
        f"line {lines[0].number}"
        if len(lines) == 1
        else f"lines {lines[0].number}-{lines[-1].number}"
    )
    confs = [c for c in (ln.min_conf() for ln in lines) if c is not None]
    return (
        title_case(name, document_acronyms(doc)),
        f"letterhead {span}",
        min(confs) if confs else None,
    )
