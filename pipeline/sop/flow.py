"""The SOP as a sheet describes it: identity, roles as columns, steps as rows.

The SOP "Penerbitan Surat Perintah Tugas" is the specification of the
chain, and the chain is configuration; so the SOP sheet is derived from the
configuration (:func:`sop_steps`) rather than kept as a separate document
that drifts. With the default ``spt.toml`` the steps are exactly the 11 of the
agency's sheet (see ``shared/sop/penerbitan-spt.md``); change the chain and
the derived SOP changes with it.

The parts of the sheet that are not the chain (the SOP's number and dates,
who approved it, its legal basis, …) come from the optional ``[sop]`` table
(:class:`pipeline.config.SopConfig`), whose defaults are the agency's sheet.

Steps, in order:

1. the pemohon hands over the invitation (start, a terminator);
2. the drafting stage drafts the SPT (a process);
3. each reviewing stage, the signatory last, checks the draft (a decision:
   "Ya" forward with its paraf or signature, "Tidak" back one stage);
4. optionally, one official hands the signed SPT to the Pengadministrasi
   Umum (``[sop.handover]``, by default the Kasubag, 10 minutes: the SOP's
   step 9);
5. the Pengadministrasi Umum numbers, stamps and registers it (a process);
6. the pemohon receives it and signs the receipt (end, a terminator).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pipeline.config import HANDOVER_KEY, START_KEY, Config, SopConfig, StepText
from pipeline.core.delegation import Delegation
from pipeline.core.workflow import Action, Stage, Workflow

Kind = Literal["start", "process", "decision", "end"]


class SopError(Exception):
    """The ``[sop]`` settings do not fit the configured chain; ``str()`` says what to fix."""


# --- the derived SOP -----------------------------------------------------------------


@dataclass(frozen=True)
class Role:
    key: str          # "pemohon", a stage key, or "umum"
    label: str


@dataclass(frozen=True)
class SopStep:
    """One row of the SOP's flow table."""

    number: int                   # 1-based, as printed
    key: str                      # which row: START_KEY, a stage key, HANDOVER_KEY, umum, pemohon
    performer: str                # role key of the column holding its symbol
    kind: Kind
    activity: str
    kelengkapan: str
    waktu: str                    # "15 menit", or "" where the SOP sets no standard
    output: str
    keterangan: str
    yes_to: int | None            # index of the next step (None: the end)
    no_to: int | None = None      # decisions: index of the step a return goes back to


@dataclass(frozen=True)
class SopSheet:
    settings: SopConfig
    roles: list[Role]
    steps: list[SopStep]


def waktu(minutes: int | None) -> str:
    return f"{minutes} menit" if minutes else ""


def roles(config: Config, settings: SopConfig | None = None) -> list[Role]:
    """The role columns in the SOP's order (or ``[sop] columns``)."""
    settings = settings or config.sop
    wf: Workflow = config.workflow()
    labels = {wf.receipt.key: wf.receipt.role, wf.finalization.key: wf.finalization.role}
    labels |= {s.key: s.role for s in wf.stages}
    default = [wf.receipt.key, wf.drafting.key, wf.finalization.key,
               *(s.key for s in wf.stages[1:])]
    order = settings.columns or default
    missing = [k for k in labels if k not in order]
    unknown = [k for k in order if k not in labels]
    if missing or unknown or len(set(order)) != len(order):
        raise SopError(
            "[sop] columns harus memuat setiap pelaksana tepat satu kali: "
            f"{', '.join(default)}"
            + (f" (kurang: {', '.join(missing)})" if missing else "")
            + (f" (tidak dikenal: {', '.join(unknown)})" if unknown else "")
        )
    return [Role(k, settings.role_labels.get(k, labels[k])) for k in order]


def sop_steps(config: Config, settings: SopConfig | None = None, *,
              delegations: Sequence[Delegation] = ()) -> list[SopStep]:
    """The SOP's rows, derived from the configured chain; a step a Plh./Plt. holds in one of
    ``delegations`` (those in force or to come) says so in its keterangan."""
    settings = settings or config.sop
    wf: Workflow = config.workflow()
    umum, pemohon = wf.finalization, wf.receipt
    drafting = wf.drafting
    handover = _handover_stage(wf, settings)
    rows: list[dict[str, Any]] = []

    rows.append(dict(
        key=START_KEY, performer=pemohon.key, kind="start",
        activity=f"Menyerahkan surat undangan dari K/L/D/I kepada {drafting.role}",
        kelengkapan="Surat undangan dari K/L/D/I", waktu="", output="Surat undangan diserahkan",
        keterangan="Melalui surel atau folder inbox",
    ))
    first_reviewer = wf.stages[1]
    rows.append(dict(
        key=drafting.key, performer=drafting.key, kind="process",
        activity="Memeriksa surat undangan dan membuat draf SPT, kemudian menyampaikannya "
        f"kepada {first_reviewer.role}",
        kelengkapan="Surat undangan", waktu=waktu(drafting.mutu_baku_minutes),
        output="Draf SPT", keterangan="",
    ))
    for stage in wf.reviewers:
        is_signatory = stage is wf.signatory
        if is_signatory:
            nxt = handover.role if handover is not None else umum.role
        else:
            nxt = wf.stages[stage.index + 1].role
        prev = wf.stages[stage.index - 1]
        verb = "Memeriksa" if stage.index == 1 else "Mengoreksi"
        mark = "diparaf" if stage.action is Action.PARAF else "ditandatangani"
        rows.append(dict(
            key=stage.key, performer=stage.key, kind="decision",
            activity=f"{verb} draf SPT. Jika setuju, {mark} dan diteruskan kepada {nxt}; "
            f"jika tidak, dikembalikan kepada {prev.role} untuk diperbaiki",
            kelengkapan="Draf SPT, surat undangan", waktu=waktu(stage.mutu_baku_minutes),
            output="SPT yang telah ditandatangani" if is_signatory
            else "Draf SPT yang telah diperiksa",
            keterangan=_mark_note(stage, is_signatory)
            + _delegated_note(stage, delegations, config.tz),
            no_index=stage.index - 1,
        ))
    if handover is not None:
        rows.append(dict(
            key=HANDOVER_KEY, performer=handover.key, kind="process",
            activity=settings.handover.activity.format(umum=umum.role),
            kelengkapan="SPT yang telah ditandatangani", waktu=waktu(settings.handover.mutu_baku),
            output="SPT yang telah ditandatangani", keterangan="",
        ))
    rows.append(dict(
        key=umum.key, performer=umum.key, kind="process",
        activity=_sentence(umum.activity), kelengkapan="SPT yang telah ditandatangani, "
        "buku agenda", waktu=waktu(umum.mutu_baku_minutes),
        output="SPT tercatat dalam buku agenda",
        keterangan="Otomatis oleh layanan SPT (cap dinas elektronik)",
    ))
    rows.append(dict(
        key=pemohon.key, performer=pemohon.key, kind="end",
        activity=_sentence(pemohon.activity), kelengkapan="SPT yang telah ditandatangani",
        waktu=waktu(pemohon.mutu_baku_minutes), output="SPT diterima pemohon",
        keterangan="Tanda terima dicatat di buku agenda",
    ))

    unknown = sorted(set(settings.steps) - {r["key"] for r in rows})
    if unknown:
        raise SopError(f"[sop.steps] tidak dikenal: {', '.join(unknown)} "
                       f"(pilih dari: {', '.join(r['key'] for r in rows)})")
    # Stage index -> row index, for the returns ("Tidak") of each decision.
    row_of_stage = {s.index: next(i for i, r in enumerate(rows) if r["key"] == s.key)
                    for s in wf.stages}
    steps = []
    for i, row in enumerate(rows):
        text = settings.steps.get(row["key"], StepText())
        no_index = row.pop("no_index", None)
        steps.append(SopStep(
            number=i + 1, key=row["key"], performer=row["performer"], kind=row["kind"],
            activity=text.activity or row["activity"],
            kelengkapan=text.kelengkapan or row["kelengkapan"], waktu=row["waktu"],
            output=text.output or row["output"],
            keterangan=text.keterangan if text.keterangan is not None else row["keterangan"],
            yes_to=i + 1 if i + 1 < len(rows) else None,
            no_to=row_of_stage[no_index] if no_index is not None else None,
        ))
    return steps


def derive(config: Config, delegations: Sequence[Delegation] = ()) -> SopSheet:
    """Everything the sheet shows, checked against the chain."""
    settings = config.sop
    return SopSheet(settings, roles(config, settings),
                    sop_steps(config, settings, delegations=delegations))


def _handover_stage(wf: Workflow, settings: SopConfig) -> Stage | None:
    """The official of step 9, if configured and part of this chain (not the signatory)."""
    if not settings.handover.enabled:
        return None
    for stage in wf.stages[:-1]:
        if stage.key == settings.handover.stage:
            return stage
    return None


def _mark_note(stage: Stage, is_signatory: bool) -> str:
    if stage.action is Action.PARAF:
        return "Paraf elektronik"
    if is_signatory:
        return "Tanda tangan elektronik pejabat penandatangan"
    return "Tanda tangan elektronik"


def _delegated_note(stage: Stage, delegations: Sequence[Delegation], tz) -> str:
    """``; Plh.: Rahmat Hidayat (12 s.d. 14 Desember 2026)``: the stage's delegations, one
    phrase per deputy and kind (consecutive days merged), at most two, kept short so the
    sheet still fits its page."""
    from pipeline.core.dates_id import format_range
    from pipeline.core.delegation import without_degrees

    spans: dict[tuple[str, str], list[dt.date]] = {}
    for d in sorted((d for d in delegations if d.stage_key == stage.key),
                    key=lambda d: d.start):
        first = d.start.astimezone(tz).date()
        last = (d.until - dt.timedelta(seconds=1)).astimezone(tz).date()
        span = spans.setdefault((d.kind.prefix, without_degrees(d.deputy.name)), [first, last])
        span[0], span[1] = min(span[0], first), max(span[1], last)
    notes = []
    for (prefix, name), (first, last) in list(spans.items())[:2]:
        when = format_range(first, last)
        notes.append(f"; {prefix}: {name} ({when})")
    if len(spans) > 2:
        notes.append(f"; {len(spans) - 2} pelimpahan lain")
    return "".join(notes)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text
