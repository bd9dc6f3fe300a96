"""What the public page shows of an issued letter, and nothing more.

The page shows what the letter itself shows a reader: the agency, the number,
the date, the hal, the assigned employees (name, NIP, pangkat/golongan,
jabatan) and who signed it when; the NIP partly masked when
``letter.mask_nip`` is set. Never the case id, the pemohon, e-mail
addresses, file paths, or anything else the register holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pipeline.config import Config
from pipeline.core.dates_id import format_date
from pipeline.core.nip import Nip, looks_like_nip, normalize
from pipeline.core.workflow import Action
from pipeline.signing.seal import SEAL_FIELD
from pipeline.store.agenda import AgendaEntry
from pipeline.store.db import parse_iso

NO_VALUE = "—"


@dataclass(frozen=True)
class EmployeeView:
    nama: str
    nip: str
    pangkat: str
    jabatan: str


@dataclass(frozen=True)
class SignatoryView:
    kind: str            # "Paraf", "Tanda tangan", "Cap dinas", or "Tanda tangan lain"
    role: str            # the office it was given in
    signer: str          # the certificate's name
    signed_at: str       # "29 November 2026, 11.30 WIB", or "—"
    ok: bool             # intact, valid, trusted, and pyHanko's bottom line
    state: str           # what ``ok`` means, in words


@dataclass(frozen=True)
class LetterView:
    government: str
    agency: str
    number: str
    date: str
    hal: str
    employees: tuple[EmployeeView, ...]
    signatories: tuple[SignatoryView, ...] | None     # None: the archive could not be read
    revoked: bool
    revoked_on: str | None
    revoked_reason: str | None
    sha256: str


def format_moment(moment: dt.datetime, tz: ZoneInfo) -> str:
    """``29 November 2026, 11.30 WIB``: the way an Indonesian letter writes a time."""
    local = moment.astimezone(tz)
    return f"{format_date(local.date())}, {local:%H.%M} {local.tzname()}"


def public_nip(raw: object, *, mask: bool) -> str:
    """The NIP as the page prints it: masked (birth date and sequence hidden) or in full."""
    text = normalize(str(raw or ""))
    if not looks_like_nip(text):
        return NO_VALUE
    nip = Nip(text)
    return nip.masked() if mask else nip.formatted()


def employee_views(assignees: Iterable[dict], *, mask: bool) -> tuple[EmployeeView, ...]:
    views = []
    for person in assignees:
        pangkat = str(person.get("pangkat") or "").strip()
        golongan = str(person.get("golongan") or "").strip()
        if pangkat and golongan:
            pangkat = f"{pangkat} ({golongan})"
        views.append(EmployeeView(
            nama=str(person.get("nama") or NO_VALUE),
            nip=public_nip(person.get("nip"), mask=mask),
            pangkat=pangkat or golongan or NO_VALUE,
            jabatan=str(person.get("jabatan") or NO_VALUE),
        ))
    return tuple(views)


def _kinds(config: Config) -> dict[str, str]:
    kinds = {SEAL_FIELD: "Cap dinas"}
    for stage in config.workflow().stages:
        if stage.marks:
            kinds[stage.field_name] = "Paraf" if stage.action is Action.PARAF else "Tanda tangan"
    return kinds


ALTERED = "Utuh, tetapi berkas ini diubah sesudahnya dengan cara yang tidak diizinkan"


def signatory_views(config: Config, signatures: Sequence, *,
                    altered: bool = False) -> tuple[SignatoryView, ...]:
    """Each signature of a verification (:class:`pipeline.signing.verify.SignatureReport`).

    ``altered``: the document itself broke the rules (a field or a revision that is not
    the letter's): a signature that holds over what its signer saw is then not shown as
    simply "Utuh dan sah", since the file shows more than that.
    """
    kinds = _kinds(config)
    views = []
    for sig in signatures:
        ok = bool(sig.intact and sig.valid and sig.trusted and sig.bottom_line
                  and not sig.problems)
        views.append(SignatoryView(
            kind=kinds.get(sig.field_name, "Tanda tangan lain"),
            role=sig.role or NO_VALUE,
            signer=_signer(sig),
            signed_at=format_moment(sig.signing_time, config.tz) if sig.signing_time
            else NO_VALUE,
            ok=ok and not altered,
            state=ALTERED if ok and altered else _state(sig),
        ))
    return tuple(views)


def _signer(sig) -> str:
    """The signer's name; a Plh./Plt.'s as ``X sebagai Plh. <role>``."""
    if not sig.signer:
        return NO_VALUE
    if sig.role and sig.role.startswith(("Plh. ", "Plt. ")):
        return f"{sig.signer} sebagai {sig.role}"
    return sig.signer


def _state(sig) -> str:
    if not sig.intact:
        return "Rusak: berkas diubah setelah ditandatangani"
    if not sig.valid:
        return "Tidak sah"
    if not sig.trusted:
        return "Sertifikat tidak dikenal"
    if not sig.bottom_line:
        return "Berkas diubah dengan cara yang tidak diizinkan"
    if sig.problems:
        return "Tidak sesuai dengan surat ini: " + sig.problems[0]
    return "Utuh dan sah"


def letter_view(config: Config, entry: AgendaEntry,
                signatories: tuple[SignatoryView, ...] | None) -> LetterView:
    revoked_on = None
    if entry.revoked_at:
        revoked_on = format_date(parse_iso(entry.revoked_at).astimezone(config.tz).date())
    return LetterView(
        government=config.agency.government,
        agency=config.agency.name,
        number=entry.number,
        date=format_date(entry.letter_date),
        hal=entry.hal,
        employees=employee_views(entry.assignees, mask=config.letter.mask_nip),
        signatories=signatories,
        revoked=entry.revoked_at is not None,
        revoked_on=revoked_on,
        revoked_reason=entry.revoked_reason,
        sha256=entry.file_sha256,
    )
