"""``spt delegasi``: set, list and end a Plh./Plt. without touching the chain in spt.toml.

The decision (who holds a stage when) is :mod:`pipeline.core.delegation`; the records are in
the store (:mod:`pipeline.store.delegations`); this is the command IT runs. A delegation is
checked before it is recorded: the deputy is in pegawai.csv, has a key of their own that
opens and is valid over the whole period, is not the stage's official nor (by default) the
next stage's, and no other delegation of the stage overlaps. See docs/delegation.md.
"""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from pipeline.cli import CONFIG_OPTION, load_for_command
from pipeline.cli_id import Group
from pipeline.core.dates_id import format_date
from pipeline.core.delegation import Delegation, DelegationKind, check_new
from pipeline.core.workflow import Person


def _now() -> dt.datetime:
    """The service's time (``SPT_FAKE_NOW`` moves it in tests, as for the service)."""
    from pipeline.service.clock import clock_from_env

    return clock_from_env().now()


def parse_moment(text: str, tz: ZoneInfo, *, end: bool) -> dt.datetime:
    """``2026-12-07`` (the start of that day, or with ``end`` the end of it) or
    ``2026-12-07T13:00`` (local time unless an offset is given)."""
    text = text.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            if end:
                day += dt.timedelta(days=1)
            return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"'{text}' bukan tanggal (2026-12-07) atau waktu (2026-12-07T13:00)") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def shown(moment: dt.datetime, tz: ZoneInfo) -> str:
    """``7 Desember 2026 13.00 WIB``."""
    local = moment.astimezone(tz)
    return f"{format_date(local.date())} {local:%H.%M} {local.tzname() or tz.key}"


def _store(config, *, create: bool):
    from pipeline.folders.layout import Workspace
    from pipeline.store import Store

    try:
        return Store(Workspace(config).database, create=create)
    except FileNotFoundError:
        raise click.ClickException("Belum ada basis data: belum ada pelimpahan.") from None


def describe(d: Delegation, role: str, tz: ZoneInfo, now: dt.datetime) -> str:
    if d.ended_at is not None and d.ended_at <= now and d.ended_at < d.end:
        state = f"diakhiri {shown(d.ended_at, tz)}"
    elif d.until <= now:
        state = "berakhir"
    elif d.start > now:
        state = "akan berlaku"
    else:
        state = "berlaku"
    scope = f", hanya kasus {d.case_id}" if d.case_id else ""
    return (f"#{d.id}  {d.deputy.name} sebagai {d.kind.prefix} {role}{scope}: "
            f"{shown(d.start, tz)} s.d. {shown(d.end, tz)} [{state}]")


@click.group("delegasi", cls=Group)
def delegasi_group() -> None:
    """Plh./Plt.: pejabat pengganti sementara suatu tahap, tanpa mengubah rantai di spt.toml
    (lihat docs/delegation.md)."""


@delegasi_group.command("tetapkan")
@CONFIG_OPTION
@click.option("--tahap", "stage_key", required=True, metavar="KUNCI",
              help="Tahap yang dilimpahkan (kunci tahap di spt.toml, mis. sekda).")
@click.option("--pengganti", "nip", required=True, metavar="NIP",
              help="NIP pejabat pengganti, seperti di pegawai.csv.")
@click.option("--jenis", "kind", type=click.Choice(["plh", "plt"]), default="plh",
              help="plh: pelaksana harian (pejabat berhalangan sementara; bawaan); plt: "
                   "pelaksana tugas (jabatan lowong).")
@click.option("--mulai", "start", required=True, metavar="TANGGAL",
              help="Awal: 2026-12-07 (awal hari itu) atau 2026-12-07T13:00 (waktu setempat).")
@click.option("--selesai", "end", required=True, metavar="TANGGAL",
              help="Akhir: 2026-12-07 (sampai akhir hari itu) atau 2026-12-07T16:00. "
                   "Pelimpahan berakhir sendiri pada saat itu.")
@click.option("--kasus", "case_id", default=None, metavar="KASUS",
              help="Hanya untuk satu kasus (mis. SPT-2026-0007); bawaan: semua kasus.")
@click.option("--oleh", "actor", default=None, metavar="NAMA",
              help="Siapa yang menetapkan, untuk log audit (bawaan: pengguna sistem).")
def tetapkan(config_path: Path | None, stage_key: str, nip: str, kind: str, start: str,
             end: str, case_id: str | None, actor: str | None) -> None:
    """Tetapkan Plh./Plt. untuk satu tahap selama suatu masa."""
    from pipeline.core.nip import InvalidNip, parse_nip
    from pipeline.directory import DirectoryError, EmployeeDirectory
    from pipeline.signing.keys import check_deputy_key
    from pipeline.store.audit import AuditAction

    config = load_for_command(config_path)
    tz = config.tz
    workflow = config.workflow()
    try:
        nip = parse_nip(nip).digits
    except InvalidNip as exc:
        raise click.BadParameter(str(exc), param_hint="--pengganti") from None
    try:
        employee = EmployeeDirectory.load(config.pegawai_csv).by_nip(nip)
    except DirectoryError as exc:
        raise click.ClickException(str(exc)) from None
    if employee is None:
        raise click.ClickException(f"NIP {nip} tidak ada di data pegawai ({config.pegawai_csv}).")
    deputy = Person(name=employee.nama, nip=employee.nip, jabatan=employee.jabatan,
                    email=employee.email, pangkat=employee.pangkat)
    new = Delegation(stage_key=stage_key.strip().lower(), deputy=deputy,
                     kind=DelegationKind(kind), start=parse_moment(start, tz, end=False),
                     end=parse_moment(end, tz, end=True),
                     case_id=case_id.strip().upper() if case_id else None)
    now = _now()
    problems = []
    if not deputy.email:
        problems.append(f"{deputy.name} tidak mempunyai alamat surel di pegawai.csv: "
                        "pemberitahuan tahap tidak akan sampai")
    if new.end <= now:
        problems.append("masa pelimpahan sudah lewat")
    store = _store(config, create=True)
    try:
        if new.case_id is not None and store.cases.get(new.case_id) is None:
            problems.append(f"kasus {new.case_id} tidak ada")
        problems += check_new(workflow, new, store.delegations.all(),
                              allow_next_stage_official=
                              config.delegation.allow_next_stage_official, tz=tz)
        if not problems:
            problems += [f"kunci pengganti: {p}" for p in
                         check_deputy_key(config, deputy.nip, deputy.name,
                                          max(new.start, now), new.end)]
        if problems:
            raise click.ClickException(
                "Pelimpahan tidak ditetapkan:\n" + "\n".join(f"  - {p}" for p in problems))
        role = workflow.stage(new.stage_key).role
        who = actor or f"cli:{getpass.getuser()}"
        with store.transaction():
            new_id = store.delegations.add(new, by=who, at=now)
            store.audit.append(
                AuditAction.DELEGATION_SET, case_id=new.case_id, stage=new.stage_key,
                actor=who, at=now,
                detail={"delegation": new_id, "kind": new.kind.value,
                        "acting": f"{deputy.name} sebagai {new.kind.prefix} {role}",
                        "deputy_nip": deputy.nip, "start": new.start.isoformat(),
                        "end": new.end.isoformat()})
        recorded = store.delegations.get(new_id)
    finally:
        store.close()
    assert recorded is not None
    click.echo("Pelimpahan ditetapkan:")
    click.echo("  " + describe(recorded, role, tz, now))
    click.echo("Surel, pengingat dan eskalasi tahap ini kini ditujukan kepada pengganti selama "
               "masa itu; ia menandai dengan kuncinya sendiri. Beri akunnya hak tulis pada "
               "folder tahap (docs/delegation.md).")
    if any(d.nip == deputy.nip for d in config.delegation.deputy):
        click.echo("Kunci pengganti berasal dari [[delegation.deputy]]: bila entri itu baru "
                   "ditambahkan, mulai ulang layanan agar kuncinya dimuat.")


@delegasi_group.command("daftar")
@CONFIG_OPTION
@click.option("--semua", is_flag=True, help="Juga yang sudah berakhir.")
def daftar(config_path: Path | None, semua: bool) -> None:
    """Daftar pelimpahan yang berlaku dan yang akan berlaku."""
    config = load_for_command(config_path)
    workflow = config.workflow()
    now = _now()
    store = _store(config, create=False)
    try:
        rows = store.delegations.all() if semua else store.delegations.current(now)
    finally:
        store.close()
    if not rows:
        click.echo("Tidak ada pelimpahan." if semua else
                   "Tidak ada pelimpahan yang berlaku atau akan berlaku.")
        return
    for d in rows:
        try:
            role = workflow.stage(d.stage_key).role
        except KeyError:
            role = d.stage_key
        click.echo(describe(d, role, config.tz, now))


@delegasi_group.command("akhiri")
@CONFIG_OPTION
@click.argument("delegation_id", metavar="NOMOR", type=int)
@click.option("--alasan", "reason", default="", metavar="TEKS",
              help="Mengapa diakhiri lebih awal (log audit).")
@click.option("--oleh", "actor", default=None, metavar="NAMA",
              help="Siapa yang mengakhiri, untuk log audit (bawaan: pengguna sistem).")
def akhiri(config_path: Path | None, delegation_id: int, reason: str,
           actor: str | None) -> None:
    """Akhiri pelimpahan sekarang (pejabat kembali lebih awal); kasus yang menunggu di tahap
    itu kembali kepada pejabatnya, yang diberi tahu."""
    from pipeline.store.audit import AuditAction

    config = load_for_command(config_path)
    now = _now()
    who = actor or f"cli:{getpass.getuser()}"
    store = _store(config, create=False)
    try:
        with store.transaction():
            d = store.delegations.get(delegation_id)
            if d is None:
                raise click.ClickException(f"Pelimpahan #{delegation_id} tidak ada.")
            if not store.delegations.end(delegation_id, at=max(now, d.start), reason=reason):
                raise click.ClickException(f"Pelimpahan #{delegation_id} sudah berakhir.")
            store.audit.append(AuditAction.DELEGATION_ENDED, case_id=d.case_id,
                               stage=d.stage_key, actor=who, at=now,
                               detail={"delegation": delegation_id, "reason": reason})
        ended = store.delegations.get(delegation_id)
    finally:
        store.close()
    assert ended is not None
    try:
        role = config.workflow().stage(ended.stage_key).role
    except KeyError:
        role = ended.stage_key
    click.echo("Pelimpahan diakhiri:")
    click.echo("  " + describe(ended, role, config.tz, now))
