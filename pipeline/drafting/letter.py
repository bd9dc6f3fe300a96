"""The SPT letter's content, and rendering it into the DOCX template.

:class:`LetterContext` is everything the template prints, built from the
configuration, the workflow and the invitation's extracted fields. A field
the extraction could not read is ``None`` there; it reaches the template as a
:class:`Part` without text, and the template (``templates/spt.docx``) shows its
hint in yellow so the drafter sees at once what to fill in. The template
decides how a gap looks; this module only says where the gaps are.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.core.dates_id import format_date, format_range
from pipeline.core.workflow import Stage, Workflow
from pipeline.drafting.assignees import AssigneeRow, format_nip
from pipeline.drafting.phrases import sender_phrase, time_phrase
from pipeline.folders.atomic import write_atomic

if TYPE_CHECKING:
    from docxtpl import DocxTemplate, InlineImage

    from pipeline.config import Config

# The logo sits in a 19 mm wide cell left of the kop text (scripts/make_template.py).
LOGO_MAX_HEIGHT_MM = 20
LOGO_MAX_WIDTH_MM = 18
EMBLEM_HEIGHT_MM = 18  # the national emblem above the head of region's title

# What the drafter sees where the invitation could not be read.
HINTS = {
    "pengirim": "[isi instansi pengirim undangan]",
    "nomor": "[isi nomor surat undangan]",
    "tanggal": "[isi tanggal surat undangan]",
    "hal": "[isi hal surat undangan]",
    "acara": "[isi nama kegiatan]",
    "tanggal_kegiatan": "[isi tanggal kegiatan]",
    "tempat": "[isi tempat kegiatan]",
}


class DraftError(Exception):
    """The draft cannot be rendered (missing or broken template, unwritable target)."""


@dataclass(frozen=True)
class Part:
    """A piece of a sentence: known ``text``, or ``None`` with a ``hint`` for the drafter."""

    text: str | None
    hint: str = ""

    @property
    def missing(self) -> bool:
        return self.text is None


@dataclass(frozen=True)
class Phrase:
    """A sentence made of parts, some of which may still be missing."""

    parts: tuple[Part, ...]

    @classmethod
    def of(cls, *pieces: str | Part) -> Phrase:
        return cls(tuple(p if isinstance(p, Part) else Part(p) for p in pieces))

    @property
    def complete(self) -> bool:
        return not any(p.missing for p in self.parts)

    @property
    def text(self) -> str:
        """Plain text, hints in place of what is missing."""
        return "".join(p.hint if p.text is None else p.text for p in self.parts)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Agency:
    government: str
    name: str
    address: str
    contact: str
    city: str
    logo: Path | None = None


@dataclass(frozen=True)
class Signatory:
    name: str
    jabatan: str
    nip_formatted: str
    pangkat: str = ""
    show_nip: bool = True       # NIP and rank under the name (Permendagri 1/2023 Art. 44)
    # The block's first line, before its comma: "SEKRETARIS DAERAH", or for a deputy
    # "Plh. SEKRETARIS DAERAH" (pipeline.core.delegation.title_line); empty: the jabatan.
    title: str = ""

    @property
    def title_line(self) -> str:
        return self.title or self.jabatan.upper()


@dataclass(frozen=True)
class Letterhead:
    """The kop: the agency's (its logo, name, address), or the head of region's (the
    national emblem above ``title``, e.g. "GUBERNUR KALIMANTAN BARAT")."""

    head_of_region: bool = False
    title: str = ""
    emblem: Path | None = None


@dataclass(frozen=True)
class ParafRow:
    """A reviewer's row in the "Paraf" table; its signature field is ``field_name``."""

    no: int
    jabatan: str
    name: str
    field_name: str


@dataclass(frozen=True)
class LetterContext:
    """Everything the SPT template prints for one case; :meth:`build` makes it."""

    agency: Agency
    dasar: tuple[Phrase, ...]     # legal basis, then the invitation's citation (last)
    kepada: tuple[AssigneeRow, ...]
    untuk: tuple[Phrase, ...]     # attend the event, then the configured extra points
    signatory: Signatory
    paraf_rows: tuple[ParafRow, ...]
    tembusan: tuple[str, ...]
    footer: str
    kop: Letterhead = Letterhead()
    lampiran: bool = False        # the Kepada list is in a Lampiran (more than the body takes)

    @classmethod
    def build(
        cls,
        *,
        config: Config,
        workflow: Workflow,
        fields: Mapping[str, Any],
        assignees: Iterable[Mapping[str, Any]],
    ) -> LetterContext:
        """The letter for one invitation (``fields`` as ``spt extract`` prints them)."""
        from pipeline.core.letter_form import Kop

        agency = config.agency
        signatory = workflow.signatory  # as held when drafted: a Plh./Plt. in its place
        signer_config = next((st for st in config.stage if st.key == signatory.key), None)
        kepada = tuple(AssigneeRow.from_employee(a) for a in assignees)
        head_kop = signer_config is not None and signer_config.letterhead is Kop.HEAD_OF_REGION
        return cls(
            agency=Agency(
                government=agency.government, name=agency.name, address=agency.address,
                contact=agency.contact, city=agency.city, logo=agency.logo,
            ),
            dasar=(*(_sentence(d) for d in config.letter.dasar), citation(fields)),
            kepada=kepada,
            lampiran=len(kepada) > config.letter.max_kepada_in_body,
            untuk=(attendance(fields, _zone_name(config)),
                   *(Phrase.of(u) for u in config.letter.untuk_tambahan)),
            signatory=signatory_block(config, signatory),
            kop=Letterhead(head_of_region=head_kop, title=config.letter.head_of_region_title,
                           emblem=config.letter.national_emblem) if head_kop else Letterhead(),
            paraf_rows=tuple(
                ParafRow(no=i, jabatan=_paraf_jabatan(stage), name=stage.person.name,
                         field_name=stage.field_name)
                for i, stage in enumerate(workflow.reviewers[:-1], start=1)
            ),
            tembusan=tuple(config.letter.tembusan),
            footer=config.letter.footer,
        )

    @property
    def missing(self) -> list[str]:
        """Hints of everything still to be filled in (empty when the letter is complete)."""
        hints = [p.hint for ph in (*self.dasar, *self.untuk) for p in ph.parts if p.missing]
        if not self.kepada:
            hints.append("[isi pegawai yang ditugaskan]")
        return hints

    def template_context(self, logo: Any = None, emblem: Any = None) -> dict[str, Any]:
        """What the template sees; ``logo``/``emblem`` are the image objects to print, if any."""
        a = self.agency
        return {
            "agency": {"government": a.government, "name": a.name, "address": a.address,
                       "contact": a.contact, "city": a.city, "logo": logo},
            "kop": {"head_of_region": self.kop.head_of_region, "title": self.kop.title,
                    "emblem": emblem},
            "dasar": self.dasar,
            "kepada": self.kepada,
            "lampiran": self.lampiran,
            "untuk": self.untuk,
            "signatory": self.signatory,
            "paraf_rows": self.paraf_rows,
            "tembusan": self.tembusan,
            "letter": {"footer": self.footer},
        }


def signatory_block(config: Config, signatory: Stage) -> Signatory:
    """The signature block for the signatory stage as held (``signatory``): the official's,
    or the Plh./Plt. form when a deputy holds it. The drafting prints it; the signatory's
    mark checks the printed block against it (pipeline.service.engine)."""
    from pipeline.core import delegation
    from pipeline.core.letter_form import SignatureBlock

    signer = signatory.person
    signer_config = next((st for st in config.stage if st.key == signatory.key), None)
    block = signer_config.block if signer_config is not None else None
    show_nip = signer_config is None or block is SignatureBlock.NAME_RANK_NIP
    office = (signatory.acting.official.jabatan if signatory.acting is not None
              else signer.jabatan)
    if signatory.acting is not None:
        show_nip = delegation.deputy_shows_nip(signatory, block)
    return Signatory(
        name=delegation.shown_name(signatory, block), jabatan=office,
        nip_formatted=format_nip(signer.nip), pangkat=signer.pangkat,
        show_nip=show_nip,
        title=delegation.title_line(
            signatory, office, config.delegation.title_lines.get(signatory.key)
            if signatory.acting is not None else None),
    )


def _paraf_jabatan(stage) -> str:
    """A paraf row's office: the official's, ``Plh. <office>`` while a deputy holds it."""
    if stage.acting is None:
        return stage.person.jabatan
    return f"{stage.acting.kind.prefix} {stage.acting.official.jabatan}"


# --- the sentences ---------------------------------------------------------------------


def _zone_name(config: Config) -> str:
    """The agency's zone as letters write it (WIB, WITA, WIT)."""
    import datetime as dt

    name = dt.datetime.now(config.tz).tzname() or "WIB"
    return name if name.isalpha() else "WIB"


def _value(fields: Mapping[str, Any], key: str) -> str | None:
    value = fields.get(key)
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _date(fields: Mapping[str, Any], key: str) -> str | None:
    value = _value(fields, key)
    if value is None:
        return None
    try:
        return format_date(value)
    except ValueError:
        return None


def _sentence(text: str, end: str = ";") -> Phrase:
    text = text.strip()
    return Phrase.of(text if text.endswith((".", ";", ":")) else text + end)


def citation(fields: Mapping[str, Any]) -> Phrase:
    """``Surat <pengirim> Nomor <nomor> tanggal <tanggal> hal <hal>.``"""

    def part(key: str, value: str | None) -> Part:
        return Part(value, HINTS[key])

    return Phrase.of(
        "Surat ", part("pengirim", sender_phrase(_value(fields, "pengirim"))),
        " Nomor ", part("nomor", _value(fields, "nomor")),
        " tanggal ", part("tanggal", _date(fields, "tanggal")),
        " hal ", part("hal", _value(fields, "hal")),
        ".",
    )


def event_dates(fields: Mapping[str, Any]) -> str | None:
    """The event's dates, ``3 s.d. 5 Desember 2026``; ``None`` if unknown or inconsistent."""
    start, end = _value(fields, "tanggal_mulai"), _value(fields, "tanggal_selesai")
    if start is None:
        return None
    try:
        return format_range(start, end)
    except ValueError:
        return None


def attendance(fields: Mapping[str, Any], zone: str = "WIB") -> Phrase:
    """``menghadiri <acara> pada tanggal <dates>[, pukul <waktu>], bertempat di <tempat>;``
    (``pukul 13.30 s.d. 16.00 WIB``: ``zone`` when the invitation names none)."""
    waktu = time_phrase(_value(fields, "waktu"), zone)
    return Phrase.of(
        "menghadiri ", Part(_value(fields, "acara"), HINTS["acara"]),
        " pada tanggal ", Part(event_dates(fields), HINTS["tanggal_kegiatan"]),
        f", pukul {waktu}" if waktu else "",
        ", bertempat di ", Part(_value(fields, "tempat"), HINTS["tempat"]),
        ";",
    )


# --- rendering --------------------------------------------------------------------------
# docxtpl, python-docx and Pillow are imported here only: the service builds the context
# (above) and the drafting worker renders it, so only the worker carries them.


def load_rendering() -> None:
    """Import the rendering libraries now (the drafting worker does, as it starts)."""
    import docx.shared  # noqa: F401
    import docxtpl  # noqa: F401
    import PIL.Image  # noqa: F401


def render_draft(template: Path, ctx: LetterContext, out: Path) -> None:
    """Render ``ctx`` into ``template`` and write the DOCX to ``out`` atomically.

    Values are XML-escaped (``autoescape=True``): without it, a name such as
    ``PT A & B <Persero>`` silently loses text in LibreOffice.
    """
    from docxtpl import DocxTemplate

    try:
        tpl = DocxTemplate(str(template))
    except Exception as exc:
        raise DraftError(f"template {template} cannot be opened: {exc}") from exc
    logo = _logo(tpl, Path(ctx.agency.logo)) if ctx.agency.logo is not None else None
    emblem = None
    if ctx.kop.head_of_region and ctx.kop.emblem is not None:
        emblem = _logo(tpl, Path(ctx.kop.emblem), height_mm=EMBLEM_HEIGHT_MM,
                       width_mm=EMBLEM_HEIGHT_MM * 1.2)
    try:
        tpl.render(ctx.template_context(logo, emblem), autoescape=True)
    except Exception as exc:
        raise DraftError(f"template {template} cannot be rendered: {exc}") from exc
    buf = io.BytesIO()
    tpl.save(buf)
    write_atomic(Path(out), buf.getvalue())


def _logo(tpl: DocxTemplate, path: Path, *, height_mm: float = LOGO_MAX_HEIGHT_MM,
          width_mm: float = LOGO_MAX_WIDTH_MM) -> InlineImage | None:
    """The agency's logo (or the emblem), scaled to fit its box; ``None`` if unreadable."""
    from docx.shared import Mm
    from docxtpl import InlineImage
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            width, height = img.size
    except (OSError, UnidentifiedImageError):
        return None
    if width / height > width_mm / height_mm:
        return InlineImage(tpl, str(path), width=Mm(width_mm))
    return InlineImage(tpl, str(path), height=Mm(height_mm))
