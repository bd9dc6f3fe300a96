"""``spt doctor``: is this installation ready to run, and if not, what exactly to fix.

Each check prints one line per finding, ``OK``, ``PERINGATAN`` (works, but
needs attention soon) or ``MASALAH`` (the service will not work until it is
fixed), and under every non-OK finding what to do, in plain words for IT.
The exit status is 1 when there is any MASALAH, else 0.

Checked, in order: the configuration (stops here if it is invalid, naming
the key); the workspace files (employee directory, letter template, seal
image); every signing key and certificate (opened with its passphrase,
which is never printed; a certificate expiring within 30 days is a
warning); LibreOffice and the Python that has its ``uno`` module; the mail
servers (a TCP connection, and the TLS handshake where configured); the
folders (present, writable by this user, ``state/`` closed to others and on
a local disk); free disk space; the inotify watch limit against the number of
watched folders; the QR code's address (loopback, plain http) and a DEMO trust
root; the mails' share path and the escalation address
(:mod:`pipeline.ops.doctor_people`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import ssl
import stat
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import click

from pipeline.config import CONFIG_NAME, Config, ConfigError, SecretRef, load_config
from pipeline.logs import quiet
from pipeline.ops.doctor_people import check_people_mail, check_qr_and_trust

Level = Literal["OK", "PERINGATAN", "MASALAH"]
GB = 1024**3
LOW_DISK = 1 * GB
CRITICAL_DISK = 200 * 1024**2
NET_TIMEOUT = 5.0
INOTIFY = Path("/proc/sys/fs/inotify")


@dataclass(frozen=True)
class Finding:
    level: Level
    message: str
    fix: str = ""


@dataclass
class Section:
    title: str
    findings: list[Finding] = field(default_factory=list)

    def ok(self, message: str) -> None:
        self.findings.append(Finding("OK", message))

    def warn(self, message: str, fix: str = "") -> None:
        self.findings.append(Finding("PERINGATAN", message, fix))

    def problem(self, message: str, fix: str = "") -> None:
        self.findings.append(Finding("MASALAH", message, fix))


# --- entry point -----------------------------------------------------------------------


def run_doctor(config_path: Path | str, *, echo: Callable[[str], None] | None = None) -> int:
    """Run every check on the workspace of ``config_path``, print the findings; 0 when usable."""
    out = echo or (lambda line: click.echo(line))
    path = Path(config_path).absolute()
    sections = diagnose(path)
    out(f"spt doctor — {path}")
    colours = {"OK": "green", "PERINGATAN": "yellow", "MASALAH": "red"}
    for section in sections:
        out("")
        out(click.style(section.title, bold=True) if echo is None else section.title)
        for f in section.findings:
            tag = f"{f.level:<11}"
            if echo is None:
                tag = click.style(tag, fg=colours[f.level], bold=f.level != "OK")
            lines = f.message.splitlines() or [""]
            out(f"  {tag}{lines[0]}")
            for more in lines[1:]:
                out(f"  {'':<11}{more}")
            if f.fix:
                out(f"  {'':<11}→ {f.fix}")
    problems = sum(f.level == "MASALAH" for s in sections for f in s.findings)
    warnings = sum(f.level == "PERINGATAN" for s in sections for f in s.findings)
    out("")
    if problems:
        out(f"Hasil: {problems} masalah, {warnings} peringatan. Perbaiki yang bertanda MASALAH "
            "lalu jalankan 'spt doctor' lagi; layanan tidak dapat berjalan sebelum itu.")
    elif warnings:
        out(f"Hasil: tidak ada masalah, {warnings} peringatan. Layanan dapat berjalan; "
            "tangani peringatan sebelum menjadi masalah.")
    else:
        out("Hasil: semua pemeriksaan lolos. Layanan siap dijalankan.")
    return 1 if problems else 0


def diagnose(path: Path) -> list[Section]:
    """Every check's findings, in order (stops after the configuration if it is invalid)."""
    section = Section("Konfigurasi")
    try:
        config = load_config(path)
    except ConfigError as exc:
        section.problem(str(exc), "perbaiki kunci yang disebut di atas dalam spt.toml "
                        "(lihat komentar di berkas contoh dari 'spt init')")
        return [section]
    wf = config.workflow()
    chain = " → ".join(s.key for s in wf.stages)
    section.ok(f"spt.toml valid: {len(wf.stages)} tahap ({chain}), zona waktu "
               f"{config.agency.timezone}")
    _check_derived(config, section)
    sections = [section]
    for title, check in (
        ("Berkas kerja", _check_files), ("Kunci dan sertifikat", _check_keys),
        ("LibreOffice", _check_libreoffice), ("Server surel", _check_mail),
        ("Folder", _check_folders), ("Folder bersama (share)", _check_share),
        ("Ruang disk", _check_disk),
        ("Pemantauan folder (inotify)", _check_inotify),
        ("Cadangan", _check_backup),
        ("Pelimpahan (Plh./Plt.)", _check_delegations),
        ("Kode QR dan akar kepercayaan", check_qr_and_trust),
        ("Surel kepada pejabat dan eskalasi", check_people_mail),
    ):
        s = Section(title)
        try:
            check(config, s)
        except Exception as exc:  # a broken check must not hide the others
            s.problem(f"pemeriksaan gagal: {exc.__class__.__name__}: {exc}",
                      "laporkan ke pengembang beserta keluaran ini")
        sections.append(s)
    return sections


# --- checks ----------------------------------------------------------------------------


def _check_backup(config: Config, s: Section) -> None:
    from pipeline.backup.health import check_backup

    check_backup(config, s)


def _check_derived(config: Config, s: Section) -> None:
    """The parts of the configuration only other modules interpret: SOP sheet, working time."""
    from pipeline.ops.worktime import WorkingCalendar
    from pipeline.sop.flow import SopError, derive

    try:
        derive(config)
    except SopError as exc:
        s.problem(f"[sop]: {exc}", "sesuaikan [sop] dengan rantai tahap")
    cal = WorkingCalendar.from_config(config)
    s.ok(f"jam kerja {cal.start:%H.%M}–{cal.end:%H.%M}, {len(cal.weekdays)} hari seminggu, "
         "hari libur nasional dan cuti bersama dari pustaka 'holidays'")


def _check_files(config: Config, s: Section) -> None:
    from pipeline.directory import DirectoryError, EmployeeDirectory

    try:
        directory = EmployeeDirectory.load(config.pegawai_csv)
        s.ok(f"data pegawai: {len(directory.employees)} pegawai ({config.pegawai_csv})")
    except DirectoryError as exc:
        s.problem(f"data pegawai: {exc}",
                  "perbaiki pegawai.csv (kolom nama,nip,pangkat,golongan,jabatan,email)")
    template = config.letter.template
    if template.is_file():
        s.ok(f"templat surat: {template}")
    else:
        s.problem(f"templat surat tidak ditemukan: {template}",
                  "salin templat dengan 'spt init' atau perbaiki letter.template")
    _check_emblem(config, s)
    if config.seal is None:
        s.problem("[seal] belum diisi: cap dinas memerlukan kunci dan gambar",
                  "tambahkan [seal] dengan image dan signing_key ke spt.toml")
    elif not config.seal.image.is_file():
        s.problem(f"gambar cap dinas tidak ditemukan: {config.seal.image}",
                  "letakkan berkas PNG cap dinas di sana atau perbaiki seal.image")
    else:
        s.ok(f"gambar cap dinas: {config.seal.image}")


def _check_emblem(config: Config, s: Section) -> None:
    """The national emblem of the head of region's kop, when the signatory uses that kop."""
    from pipeline.core.letter_form import Kop

    if config.stage[-1].letterhead is not Kop.HEAD_OF_REGION:
        return
    emblem = config.letter.national_emblem
    if emblem is None or not emblem.is_file():
        s.problem(f"lambang negara untuk kop {config.letter.head_of_region_title} tidak "
                  f"ditemukan: {emblem}", "letakkan berkas gambar lambang negara resmi dan "
                  "isi letter.national_emblem di spt.toml")
    elif "contoh" in emblem.name.lower():
        s.warn(f"kop {config.letter.head_of_region_title} memakai gambar CONTOH lambang "
                  f"negara ({emblem.name})", "ganti dengan berkas lambang negara resmi "
                  "(letter.national_emblem di spt.toml) sebelum surat sungguhan diterbitkan")
    else:
        s.ok(f"lambang negara: {emblem}")


def _check_keys(config: Config, s: Section) -> None:
    from pipeline.signing.keys import KeyRing, KeyRingError

    with quiet("spt.signing", "pyhanko", "pyhanko_certvalidator"):
        try:
            ring = KeyRing.load(config)
        except KeyRingError as exc:
            for p in exc.problems:
                text = f"trust.roots: {p.message}" if p.label == "trust" else str(p)
                s.problem(text, _key_fix(p.message))
            return
    try:
        labels = ", ".join(sorted(ring.signers)) or "tidak ada"
        s.ok(f"{len(ring.signers)} kunci dapat dibuka dan cocok dengan sertifikatnya: {labels}")
        for warning in ring.warnings:
            s.warn(warning, "minta sertifikat baru ke penerbit (mis. BSrE) dan pasang sebelum "
                   "tanggal itu; setelah kedaluwarsa layanan menolak menandatangani")
        if not ring.warnings:
            s.ok("tidak ada sertifikat yang kedaluwarsa dalam 30 hari")
        _check_revocation(config, ring, s)
    finally:
        ring.close()


def _check_delegations(config: Config, s: Section) -> None:
    """Every delegation in force or to come: its deputy can mark over the whole period (a
    key that opens, a certificate in their name valid until its end), so that a missing key
    is found now and never when the deputy's file is moved (docs/delegation.md)."""
    from pipeline.folders.layout import Workspace
    from pipeline.ops.share import account
    from pipeline.service.clock import clock_from_env
    from pipeline.signing.keys import check_deputy_key
    from pipeline.store import Store

    database = Workspace(config).database
    if not database.exists():
        s.ok("tidak ada pelimpahan (belum ada basis data)")
        return
    now = clock_from_env().now()
    store = Store(database, create=False)
    try:
        current = store.delegations.current(now)
    finally:
        store.close()
    if not current:
        s.ok("tidak ada pelimpahan yang berlaku atau akan berlaku")
        return
    wf = config.workflow()
    for d in current:
        try:
            stage = wf.stage(d.stage_key)
        except KeyError:
            s.warn(f"pelimpahan #{d.id}: tahap '{d.stage_key}' tidak lagi ada dalam rantai",
                   f"akhiri dengan 'spt delegasi akhiri {d.id}'")
            continue
        what = f"pelimpahan #{d.id}: {d.deputy.name} sebagai {d.kind.prefix} {stage.role}"
        with quiet("spt.signing", "pyhanko", "pyhanko_certvalidator"):
            problems = check_deputy_key(config, d.deputy.nip, d.deputy.name,
                                        max(d.start, now), d.end)
        if problems:
            for p in problems:
                s.problem(f"{what}: {p}", "pasang kunci pengganti yang sah untuk seluruh masa "
                          f"itu, atau akhiri dengan 'spt delegasi akhiri {d.id}'")
        else:
            s.ok(f"{what}: kunci pengganti dapat dipakai sampai akhir masanya")
        s.warn(f"{what}: pengganti perlu hak tulis pada folder {stage.folder}",
               f"tambahkan akun Samba pengganti ke 'valid users' share spt-{stage.folder} "
               f"(di samping {account(stage)}) selama masa itu, lalu hapus kembali "
               "(docs/delegation.md)")


def _check_revocation(config: Config, ring, s: Section) -> None:
    from pipeline.signing.revocation import check_signers

    statuses = check_signers(config, ring.signers, approvers=True)
    for status in statuses:
        if status.revoked:
            s.problem(status.message, "minta sertifikat baru ke penerbit (mis. BSrE), pasang "
                      "kuncinya, lalu jalankan ulang layanan")
        elif status.unknown:
            s.warn(status.message, "periksa koneksi ke server CRL/OCSP penerbit sertifikat")
    if statuses and not any(st.revoked or st.unknown for st in statuses):
        s.ok(f"tidak ada sertifikat yang dicabut ({len(statuses)} diperiksa ke penerbitnya)")
    trust = config.trust
    if not trust.long_term:
        s.warn("data validasi jangka panjang (LTV) dimatikan (trust.long_term = false): "
               "surat tidak dapat dibuktikan lagi setelah sertifikatnya kedaluwarsa",
               "hapus baris trust.long_term = false")
    elif not trust.tsa_url and trust.tsa_key is None:
        s.warn("tidak ada server cap waktu (trust.tsa_url): surat diterbitkan B-LT tanpa "
               "cap waktu arsip, dan spt perpanjang tidak dapat berjalan",
               "isi trust.tsa_url dengan alamat TSA penerbit sertifikat (mis. BSrE)")
    elif trust.tsa_url:
        s.ok(f"surat diterbitkan PAdES B-LTA, cap waktu dari {trust.tsa_url}")
    else:
        s.ok("surat diterbitkan PAdES B-LTA, cap waktu dari kunci TSA demo di layanan")


def _key_fix(message: str) -> str:
    text = message.lower()
    if "chmod" in text:
        return "batasi izin berkas seperti disebut (hanya pengguna layanan yang boleh membaca)"
    if "kata sandi salah" in text or ("pin" in text and "salah" in text):
        return "periksa isi berkas/variabel kata sandi kunci ini"
    if "variabel lingkungan" in text:
        return "isi variabel itu untuk layanan (mis. EnvironmentFile= pada unit systemd)"
    if "tidak ditemukan" in text:
        return "salin berkasnya ke lokasi itu atau perbaiki path-nya di spt.toml"
    if "kedaluwarsa" in text or "belum berlaku" in text:
        return "pasang sertifikat yang masih berlaku"
    if "bukan untuk" in text or "diterbitkan untuk" in text:
        return "pakai kunci pejabat yang benar atau perbaiki nama orang itu di spt.toml"
    if "akar" in text or "trust.roots" in text:
        return "tambahkan sertifikat akar penerbit ke trust.roots"
    return "periksa kunci dan sertifikat tahap ini"


def _check_libreoffice(config: Config, s: Section) -> None:
    conv = config.converter
    soffice = shutil.which(conv.soffice)
    if soffice is None:
        s.problem(f"LibreOffice ('{conv.soffice}') tidak ditemukan",
                  "pasang paket libreoffice-writer (Debian/Ubuntu: apt install "
                  "libreoffice-writer) atau perbaiki converter.soffice")
    else:
        with tempfile.TemporaryDirectory(prefix="spt-doctor-") as home:
            result = _run([soffice, f"-env:UserInstallation=file://{home}/profile",
                           "--version"], timeout=60, env={"HOME": home})
        if result is not None and result.returncode == 0 and result.stdout.strip():
            s.ok(result.stdout.strip().splitlines()[0])
        else:
            s.problem(f"'{soffice} --version' gagal: {_why(result)}",
                      "pasang ulang LibreOffice; coba jalankan perintah itu sebagai pengguna "
                      "layanan")
    if conv.mode != "unoserver":
        s.ok("converter.mode = soffice: satu proses LibreOffice per dokumen (tanpa uno)")
        return
    python = conv.uno_python
    result = _run([str(python), "-c", "import uno"], timeout=30)
    if result is not None and result.returncode == 0:
        s.ok(f"{python} dapat mengimpor modul 'uno' (konverter cepat)")
    else:
        s.problem(f"{python} tidak dapat mengimpor 'uno': {_why(result)}",
                  "pasang python3-uno (Debian/Ubuntu) atau isi converter.uno_python dengan "
                  "Python milik LibreOffice, atau set converter.mode = \"soffice\"")


def _check_mail(config: Config, s: Section) -> None:
    mail = config.mail
    if mail.smtp is None:
        s.warn("[mail.smtp] tidak diisi: surel tidak dikirim, hanya disimpan di outbox/ "
               "sebagai .eml", "isi [mail.smtp] bila pejabat harus menerima pemberitahuan surel")
    else:
        _check_secret(s, "SMTP", mail.smtp.password)
        _check_server(s, "SMTP", mail.smtp.host, mail.smtp.port, mail.smtp.security, b"220")
    if mail.imap is None:
        s.ok("[mail.imap] tidak diisi: undangan masuk lewat folder inbox/ saja")
    else:
        _check_secret(s, "IMAP", mail.imap.password)
        _check_server(s, "IMAP", mail.imap.host, mail.imap.port, mail.imap.security, b"* OK")


def _check_secret(s: Section, what: str, ref: SecretRef | None) -> None:
    if ref is None:
        return
    from pipeline.signing.passphrases import SecretUnavailable, read_secret

    try:
        secret = read_secret(ref)
    except SecretUnavailable as exc:
        s.problem(f"kata sandi {what}: {exc}", "sediakan kata sandi itu untuk pengguna layanan")
        return
    del secret
    s.ok(f"kata sandi {what} tersedia ({'variabel ' + ref.env if ref.env else ref.file})")


def _check_server(s: Section, what: str, host: str, port: int, security: str,
                  greeting: bytes) -> None:
    where = f"{host}:{port}"
    try:
        sock = socket.create_connection((host, port), timeout=NET_TIMEOUT)
    except OSError as exc:
        s.problem(f"server {what} {where} tidak dapat dihubungi: {_net_reason(exc)}",
                  f"periksa alamat dan port {what} di spt.toml, DNS, dan firewall dari mesin ini")
        return
    with contextlib.closing(sock):
        try:
            if security == "tls":
                context = ssl.create_default_context()
                with context.wrap_socket(sock, server_hostname=host) as tls:
                    tls.settimeout(NET_TIMEOUT)
                    first = tls.recv(64)
            else:
                sock.settimeout(NET_TIMEOUT)
                first = sock.recv(64)
        except ssl.SSLCertVerificationError as exc:
            s.problem(f"server {what} {where}: sertifikat TLS ditolak ({exc.verify_message})",
                      "pasang sertifikat server yang sah atau pakai nama host yang tercantum "
                      "di sertifikatnya")
            return
        except (OSError, ssl.SSLError) as exc:
            s.problem(f"server {what} {where}: terhubung, tetapi gagal ({_net_reason(exc)})",
                      f"periksa {what.lower()}.security (tls/starttls/none) dan port-nya")
            return
    if first.startswith(greeting):
        s.ok(f"server {what} {where} menjawab ({security})")
    else:
        s.warn(f"server {what} {where} menjawab tidak seperti {what}: {first[:30]!r}",
               f"periksa port {what} dan {what.lower()}.security")


def _check_folders(config: Config, s: Section) -> None:
    from pipeline.folders.layout import Workspace
    from pipeline.folders.watch import NETWORK_FS, filesystem_type

    ws = Workspace(config)
    folders: list[tuple[str, Path]] = [("inbox", ws.inbox), ("inbox/diproses", ws.inbox_accepted),
                                       ("inbox/ditolak", ws.inbox_rejected)]
    for sf in ws.stage_folders:
        folders += [(f"tahap {sf.stage.key}", sf.root), (f"tahap {sf.stage.key}/disetujui",
                                                          sf.agreed),
                    (f"tahap {sf.stage.key}/dikembalikan", sf.returned)]
        if sf.cancel is not None:
            folders.append((f"tahap {sf.stage.key}/batal", sf.cancel))
    folders += [("outbox", ws.outbox), ("arsip", ws.arsip), ("state", ws.state)]
    if os.geteuid() == 0:
        s.warn("doctor berjalan sebagai root: izin folder diperiksa untuk root, bukan untuk "
               "pengguna layanan", "jalankan sebagai pengguna layanan, mis.: sudo -u spt "
               f"spt doctor --config {config.root / CONFIG_NAME}")
    bad, missing = 0, []
    for label, folder in folders:
        if folder.is_dir():
            if not _writable(folder):
                bad += 1
                s.problem(f"{label}: {folder} tidak dapat ditulisi oleh pengguna "
                          f"'{_user()}'", f"chown -R {_user()} {folder} (atau beri izin tulis)")
        elif folder.exists():
            bad += 1
            s.problem(f"{label}: {folder} ada tetapi bukan folder",
                      "hapus atau pindahkan berkas itu")
        else:
            parent = next((p for p in folder.parents if p.exists()), None)
            if parent is not None and _writable(parent):
                missing.append(label)
            else:
                bad += 1
                s.problem(f"{label}: {folder} belum ada dan tidak dapat dibuat",
                          f"buat folder itu dan beri izin tulis kepada '{_user()}'")
    if missing:
        s.warn(f"{len(missing)} folder belum ada: {', '.join(missing)}",
               "'spt serve' membuatnya saat mulai (atau jalankan 'spt init')")
    if not bad:
        present = len(folders) - len(missing)
        s.ok(f"{present} folder ada dan dapat ditulisi oleh '{_user()}'"
             + (f"; {len(missing)} lainnya dapat dibuat" if missing else ""))
    _check_private(s, "state", ws.state, "basis data dan berkas kasus")
    _check_private(s, "pki", config.path(config.paths.pki), "kunci penanda tangan")
    _check_private(s, "outbox", ws.outbox, "surel berisi token balasan")
    _check_private(s, "arsip", ws.arsip, "surat yang diterbitkan")
    if ws.database.exists() and stat.S_IMODE(ws.database.stat().st_mode) & 0o077:
        s.warn(f"basis data {ws.database} dapat dibaca pengguna lain",
               f"chmod 600 {ws.database}")
    kind = filesystem_type(ws.state if ws.state.exists() else config.root)
    if kind in NETWORK_FS:
        s.problem(f"state/ berada di sistem berkas jaringan ({kind}); SQLite (WAL) "
                  "memerlukan disk lokal", "pindahkan paths.state ke disk lokal mesin ini")
    watched = [d for d in ws.watched_dirs() if d.exists()]
    shared = sorted({filesystem_type(d) for d in watched} & NETWORK_FS)
    if shared and config.watch.mode == "inotify":
        s.warn(f"folder yang dipantau ada di {', '.join(shared)}: inotify tidak melihat "
               "perubahan dari komputer lain", "set watch.mode = \"poll\" (atau \"auto\")")


def _check_share(config: Config, s: Section) -> None:
    """Nothing secret inside the folder shared with officials."""
    from pipeline.ops.share import secrets_inside, shared_root

    root = shared_root(config)
    if root.resolve() == config.root.resolve():
        s.warn(f"folder bersama adalah seluruh folder kerja ({root}): kunci, basis data dan "
               "spt.toml ikut terbagi bila folder ini di-share",
               "set paths.shared, paths.inbox dan paths.stages ke satu subfolder (mis. "
               "\"bersama\", seperti buatan 'spt init'), lalu pindahkan folder inbox dan stages")
        return
    inside = secrets_inside(config)
    for label, path in inside:
        s.warn(f"{label} ({path}) berada di dalam folder bersama {root}: siapa pun yang "
               "dapat membuka share dapat menyalinnya",
               f"pindahkan ke luar {root} dan sesuaikan spt.toml")
    if not inside:
        s.ok(f"tidak ada rahasia di folder bersama {root} (bagikan hanya folder ini; "
             "konfigurasi Samba: 'spt share --samba')")


def _check_private(s: Section, label: str, folder: Path, what: str) -> None:
    if not folder.is_dir():
        return
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & 0o007:
        s.problem(f"{label}/ ({what}) dapat dibaca semua pengguna (mode {mode:04o})",
                  f"chmod 700 {folder}")
    elif mode & 0o070:
        s.warn(f"{label}/ ({what}) terbuka untuk grup (mode {mode:04o})", f"chmod 700 {folder}")
    else:
        s.ok(f"{label}/ hanya untuk pengguna layanan (mode {mode:04o})")


def _check_disk(config: Config, s: Section) -> None:
    seen: set[int] = set()
    for label, path in (("workspace", config.root), ("state", config.state_dir)):
        probe = path if path.exists() else config.root
        try:
            dev = probe.stat().st_dev
        except OSError:
            continue
        if dev in seen:
            continue
        seen.add(dev)
        free = shutil.disk_usage(probe).free
        text = f"{label}: {free / GB:.1f} GB bebas ({probe})"
        if free < CRITICAL_DISK:
            s.problem(text, "kosongkan ruang disk segera (mis. pindahkan arsip lama)")
        elif free < LOW_DISK:
            s.warn(text, "kosongkan ruang disk; di bawah 1 GB konversi dan arsip bisa gagal")
        else:
            s.ok(text)


def _check_inotify(config: Config, s: Section) -> None:
    from pipeline.folders.layout import Workspace
    from pipeline.folders.watch import choose_mode

    ws = Workspace(config)
    watched = ws.watched_dirs()
    mode = choose_mode(config.watch.mode, [d for d in watched if d.exists()])
    if mode == "poll":
        s.ok(f"mode poll: {len(watched)} folder diperiksa tiap {config.watch.poll_interval:g} "
             "detik (inotify tidak dipakai)")
        return
    limit = _read_int(INOTIFY / "max_user_watches")
    instances = _read_int(INOTIFY / "max_user_instances")
    if limit is None:
        s.warn("batas inotify tidak terbaca (bukan Linux?)", "set watch.mode = \"poll\"")
        return
    text = f"{len(watched)} folder dipantau; batas max_user_watches = {limit}"
    if instances is not None:
        text += f", max_user_instances = {instances}"
    if len(watched) > limit // 2:
        s.warn(text + ": batasnya hampir tercapai (program lain juga memakainya)",
               "naikkan batasnya: echo fs.inotify.max_user_watches=524288 > "
               "/etc/sysctl.d/60-spt.conf && sysctl --system")
    elif instances is not None and instances < 8:
        s.warn(text, "naikkan fs.inotify.max_user_instances (mis. 128) di /etc/sysctl.d/")
    else:
        s.ok(text)


# --- helpers ---------------------------------------------------------------------------


def _writable(folder: Path) -> bool:
    """Whether this user can create a file in ``folder`` (really trying: ACLs, read-only mounts)."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".spt-doctor-"):
            return True
    except OSError:
        return False


def _user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return str(os.geteuid())


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _run(cmd: list[str], *, timeout: float, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False,
                              env={**os.environ, **(env or {})})
    except (OSError, subprocess.TimeoutExpired):
        return None


def _why(result: subprocess.CompletedProcess[str] | None) -> str:
    if result is None:
        return "tidak dapat dijalankan atau tidak selesai"
    detail = (result.stderr or result.stdout or "").strip().splitlines()
    return f"kode keluar {result.returncode}" + (f" ({detail[-1][:160]})" if detail else "")


def _net_reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return f"tidak ada jawaban dalam {NET_TIMEOUT:g} detik"
    if isinstance(exc, socket.gaierror):
        return "nama host tidak dikenal"
    if isinstance(exc, ConnectionRefusedError):
        return "koneksi ditolak (tidak ada layanan di port itu)"
    return f"{exc.__class__.__name__}: {exc}"

