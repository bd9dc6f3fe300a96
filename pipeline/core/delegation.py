"""Plh. and Plt.: who holds a stage while its official is away (pure, no I/O).

Tata Naskah Dinas (Permendagri 1/2023) has a deputy act for an absent official: a
*Pelaksana Harian* (Plh.) for a short absence (leave, duty travel), a *Pelaksana Tugas*
(Plt.) for a vacancy. A :class:`Delegation` names the stage, the deputy, the kind and a
period ``[start, end)``; it may be limited to one case. The store keeps the records;
everything about what they mean is decided here:

- :func:`holder` -- who holds stage S at instant T for case C (a case's own delegation
  before one for every case; none: the stage's own official);
- :func:`held_workflow` -- the chain as held at T for C: each delegated stage carries the
  deputy as its ``person`` and the delegation as its ``acting``, so mails, reminders,
  escalations, the mark and the audit log follow the deputy without knowing about
  delegations;
- :func:`check_new` -- why a new delegation cannot be set (overlap, the next stage's
  official, the official themself, an empty period);
- the letter's words: :func:`title_line` ("Plh. SEKRETARIS DAERAH") and :func:`acting_phrase`
  ("Drs. A sebagai Plh. Sekretaris Daerah"); Article 44 (:func:`deputy_shows_nip`,
  :func:`without_degrees`): a Plh./Plt. of the head of region or of the Sekda signs with
  the name only, without academic degrees, NIP or rank.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from pipeline.core.letter_form import SignatureBlock, default_signature_block
from pipeline.core.workflow import Person, SigningMode, Stage, Workflow


class DelegationKind(enum.StrEnum):
    PLH = "plh"  # pelaksana harian: the official is away for a while
    PLT = "plt"  # pelaksana tugas: the office is vacant

    @property
    def prefix(self) -> str:
        """How letters write it before the office: ``Plh.`` / ``Plt.``."""
        return "Plh." if self is DelegationKind.PLH else "Plt."


@dataclass(frozen=True)
class Delegation:
    """One delegation as recorded. ``ended_at``: ended early by IT (``spt delegasi akhiri``)."""

    stage_key: str
    deputy: Person
    kind: DelegationKind
    start: dt.datetime
    end: dt.datetime
    case_id: str | None = None
    id: int | None = None
    ended_at: dt.datetime | None = None
    reason: str = ""

    @property
    def until(self) -> dt.datetime:
        """The instant it stops: its end, or the moment IT ended it, whichever is first."""
        return min(self.end, self.ended_at) if self.ended_at is not None else self.end

    def active_at(self, at: dt.datetime, case_id: str | None = None) -> bool:
        """In force at ``at`` (for ``case_id``, when it is limited to one case)."""
        if self.case_id is not None and self.case_id != case_id:
            return False
        return self.start <= at < self.until

    def overlaps(self, other: Delegation) -> bool:
        return self.start < other.until and other.start < self.until


@dataclass(frozen=True)
class Acting:
    """On a held stage: the deputy acts for ``official`` under ``delegation``."""

    official: Person
    delegation: Delegation

    @property
    def kind(self) -> DelegationKind:
        return self.delegation.kind


def holder(stage: Stage, at: dt.datetime, case_id: str | None,
           delegations: Iterable[Delegation]) -> Delegation | None:
    """The delegation holding ``stage`` at ``at`` for ``case_id``; ``None``: its official.

    A delegation for this very case comes before one for every case (IT can hand one
    urgent case to a deputy while the official keeps the others)."""
    general = None
    for d in delegations:
        if d.stage_key != stage.key or not d.active_at(at, case_id):
            continue
        if d.case_id is not None:
            return d
        general = general or d
    return general


def held_stage(stage: Stage, at: dt.datetime, case_id: str | None,
               delegations: Iterable[Delegation]) -> Stage:
    """``stage`` as held at ``at``: with the deputy as its person while delegated."""
    if stage.acting is not None:
        return stage
    d = holder(stage, at, case_id, delegations)
    if d is None:
        return stage
    return replace(stage, person=d.deputy, acting=Acting(official=stage.person, delegation=d))


def held_workflow(workflow: Workflow, at: dt.datetime, case_id: str | None,
                  delegations: Iterable[Delegation]) -> Workflow:
    """The chain as held at ``at`` for ``case_id`` (the same object when nothing is delegated)."""
    ds = [d for d in delegations if d.active_at(at, case_id)]
    if not ds:
        return workflow
    stages = tuple(held_stage(s, at, case_id, ds) for s in workflow.stages)
    return replace(workflow, stages=stages)


# --- setting one ------------------------------------------------------------------------


def check_new(workflow: Workflow, new: Delegation, existing: Iterable[Delegation], *,
              allow_next_stage_official: bool = False, tz: dt.tzinfo = dt.UTC) -> list[str]:
    """Why ``new`` cannot be set (Indonesian, for IT, times in ``tz``); empty when it can."""
    problems: list[str] = []
    try:
        stage = workflow.stage(new.stage_key)
    except KeyError:
        keys = ", ".join(s.key for s in workflow.reviewers)
        return [f"tahap '{new.stage_key}' tidak ada dalam rantai (pilih salah satu: {keys})"]
    if stage.index == 0:
        problems.append("tahap penyusunan draf tidak dapat dilimpahkan (tidak ada paraf atau "
                        "tanda tangan di sana)")
    if stage.signing is SigningMode.APPROVER:
        problems.append(f"tahap '{stage.key}' ditandatangani sendiri oleh pejabatnya di PDF; "
                        "pelimpahan hanya untuk tahap yang ditandai oleh layanan")
    if new.start.tzinfo is None or new.end.tzinfo is None:
        raise ValueError("a delegation's period needs aware datetimes")
    if new.end <= new.start:
        problems.append("akhir masa pelimpahan harus sesudah awalnya")
    if _same_person(new.deputy, stage.person):
        problems.append(f"{new.deputy.name} adalah pejabat tahap ini sendiri; pelimpahan "
                        "harus kepada orang lain")
    if stage.index < workflow.last_index:
        nxt = workflow.stages[stage.index + 1]
        if _same_person(new.deputy, nxt.person) and not allow_next_stage_official:
            problems.append(
                f"{new.deputy.name} adalah pejabat tahap berikutnya ({nxt.role}): satu orang "
                "akan memeriksa suratnya sendiri dua kali. Pilih pengganti lain, atau izinkan "
                "dengan [delegation] allow_next_stage_official = true")
    for old in existing:
        if old.stage_key != new.stage_key or not old.overlaps(new):
            continue
        if old.case_id is not None and new.case_id is not None and old.case_id != new.case_id:
            continue  # two single cases: never both in force for one case
        problems.append(
            f"bertumpang tindih dengan pelimpahan #{old.id} ({old.deputy.name} sebagai "
            f"{old.kind.prefix} {stage.role}, {_when(old.start, tz)} s.d. "
            f"{_when(old.until, tz)}): akhiri yang itu dulu")
    return problems


def _when(moment: dt.datetime, tz: dt.tzinfo) -> str:
    """``12 Desember 2026 00.00``."""
    from pipeline.core.dates_id import format_date

    local = moment.astimezone(tz)
    return f"{format_date(local.date())} {local:%H.%M}"


def _same_person(a: Person, b: Person) -> bool:
    if a.nip and b.nip:
        return a.nip == b.nip
    return a.email.strip().lower() == b.email.strip().lower()


# --- the letter's words ---------------------------------------------------------------


def acting_role(stage: Stage) -> str:
    """``Plh. Sekretaris Daerah`` on a held stage, else the stage's role."""
    if stage.acting is None:
        return stage.role
    return f"{stage.acting.kind.prefix} {stage.role}"


def acting_phrase(stage: Stage) -> str:
    """``Drs. A sebagai Plh. Sekretaris Daerah`` (the record of who acted), or the name."""
    if stage.acting is None:
        return stage.person.name
    return f"{stage.person.name} sebagai {acting_role(stage)}"


def title_line(stage: Stage, jabatan: str, configured: str | None = None) -> str:
    """The signature block's first line, before its comma: ``SEKRETARIS DAERAH``, or for a
    deputy ``Plh. SEKRETARIS DAERAH`` (``configured``: the office as the agency writes it)."""
    office = (configured or jabatan).upper()
    if stage.acting is None:
        return office
    return f"{stage.acting.kind.prefix} {office}"


def deputy_shows_nip(stage: Stage, block: SignatureBlock | None = None) -> bool:
    """Article 44: a Plh./Plt. of the head of region or of the Sekda signs without NIP or
    rank; other deputies show their own. ``block``: the office's configured block."""
    office_block = block or default_signature_block(stage.key, stage.role,
                                                    stage.acting.official.jabatan
                                                    if stage.acting else stage.person.jabatan)
    return office_block is SignatureBlock.NAME_RANK_NIP


# Academic degrees: a prefix (Dr., Drs., Dra., Ir., Prof.) or what follows the first comma
# (S.H., M.Si., Ph.D.). Religious titles (H., Hj.) are not degrees and stay.
_DEGREE_PREFIX = re.compile(r"^(?:(?:prof|dr|drs|dra|ir)\.\s*)+", re.IGNORECASE)


def without_degrees(name: str) -> str:
    """``Dr. H. Ahmad Rizal, S.H., M.Si.`` -> ``H. Ahmad Rizal``."""
    core = name.split(",", 1)[0].strip()
    return _DEGREE_PREFIX.sub("", core).strip() or core


def shown_name(stage: Stage, block: SignatureBlock | None = None) -> str:
    """The name under a held stage's block: without degrees where Article 44 says so."""
    if stage.acting is None or deputy_shows_nip(stage, block):
        return stage.person.name
    return without_degrees(stage.person.name)


def _plain(text: str) -> str:
    return " ".join(text.split()).rstrip(",").strip()


def printed_block_differs(printed_title: str, printed_name: str, *, title: str,
                          name: str, deputy: bool) -> bool:
    """Whether the signature block as printed (its office line(s), its name line) names
    someone other than the holder, whose block reads ``title`` (before its comma) and
    ``name``. For a deputy (``deputy``) the block must read exactly so (whitespace and the
    closing comma aside); for the official it must not be a Plh./Plt. block (the drafter's
    own wording of the official's block is theirs to keep)."""
    if not deputy:
        return _plain(printed_title).startswith(tuple(f"{k.prefix} " for k in DelegationKind))
    return (_plain(printed_title) != _plain(title)
            or _plain(printed_name) != _plain(name))
