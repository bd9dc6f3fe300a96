"""A real Samba server for tests, and officials acting through a Windows-like SMB2 client.

``smbd`` runs in the foreground on 127.0.0.1 and a free high port with its own
configuration, state and password database under a temporary folder (nothing
system-wide; recipe in ../shared/VERIFIED.md, "Samba as a test fixture"). Each
official is a Unix user with a Samba password (``smbpasswd -c``), generated per run.

:class:`SmbOfficial` acts through ``smbprotocol``'s ``smbclient`` module the way
Windows Explorer, Notepad and Word do, not the way a script does: files are created
empty and filled later, copies are written in chunks with pauses (a slow link), the
final size may be set before the bytes arrive, text comes as UTF-16 with a BOM, Word
leaves ``~$`` owner files and ``~WRL`` temporaries, and an open handle without
``FILE_SHARE_DELETE`` refuses a move (a sharing violation).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath

import smbclient
from smbprotocol.exceptions import SMBOSError

from pipeline.simulate import wait_until

SMBD = shutil.which("smbd") or "/usr/sbin/smbd"
# Debian ships vfs_full_audit in samba-vfs-modules (scripts/install.sh --dev installs it).
FULL_AUDIT = Path("/usr/lib/x86_64-linux-gnu/samba/vfs/full_audit.so")
AUDIT_TAG = "SMBAUDIT"
ACCOUNTS_LOCK = "/tmp/spt-test-samba-accounts.lock"
SMBPASSWD = shutil.which("smbpasswd") or "/usr/bin/smbpasswd"


def samba_available() -> bool:
    return os.path.exists(SMBD) and os.geteuid() == 0


def _samba_module_dirs() -> list[str]:
    try:
        out = subprocess.run([SMBD, "-b"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return []
    return [line.split(":", 1)[1].strip() for line in out.splitlines()
            if line.strip().startswith("MODULESDIR:")]


@dataclass(frozen=True)
class AuditLine:
    """One ``full_audit`` record: ``user`` (the SMB account), ``op`` (``renameat``,
    ``unlinkat``, ``mkdirat``, ``create_file``), ``ok``, and the op's arguments (paths on
    the server; for ``create_file``: access mask, file/dir, disposition, path)."""

    user: str
    address: str
    op: str
    ok: bool
    args: tuple[str, ...]

    def touches(self, path: Path | str) -> bool:
        return any(a == str(path) for a in self.args)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Share:
    """One ``[name]`` section: a folder and who may read or write it."""

    name: str
    path: Path
    valid_users: list[str]
    write_list: list[str] = field(default_factory=list)
    force_user: str | None = None

    def section(self) -> str:
        lines = [f"[{self.name}]", f"   path = {self.path}", "   browseable = yes",
                 "   read only = yes", f"   valid users = {' '.join(self.valid_users)}"]
        if self.write_list:
            lines.append(f"   write list = {' '.join(self.write_list)}")
        if self.force_user:
            lines.append(f"   force user = {self.force_user}")
        return "\n".join(lines)


class SambaServer:
    """``smbd`` on 127.0.0.1:<port>, private to one test; stop it with :meth:`stop`."""

    def __init__(self, home: Path):
        self.home = home
        self.port = _free_port()
        self.conf = home / "smb.conf"
        self.proc: subprocess.Popen | None = None
        self.passwords: dict[str, str] = {}
        self._made_users: list[str] = []
        self.caches: list[dict] = []  # the connections of officials "on another PC"
        self._lock = None

    def global_section(self) -> str:
        t = self.home
        return f"""[global]
   server role = standalone server
   security = user
   map to guest = never
   smb ports = {self.port}
   interfaces = lo
   bind interfaces only = yes
   disable netbios = yes
   server min protocol = SMB2
   lock directory = {t}/lock
   state directory = {t}/state
   cache directory = {t}/cache
   private dir = {t}/private
   pid directory = {t}/pid
   ncalrpc dir = {t}/ncalrpc
   passdb backend = tdbsam:{t}/private/passdb.tdb
   load printers = no
   printcap name = /dev/null
   disable spoolss = yes
   log level = 1
""" + (self._audit_section() if self.audited else "")

    @property
    def audited(self) -> bool:
        """Samba's ``full_audit`` module is there: every share records who did what."""
        return FULL_AUDIT.exists() or any(
            Path(d, "vfs", "full_audit.so").exists() for d in _samba_module_dirs())

    @staticmethod
    def _audit_section() -> str:
        # To smbd's own log, not syslog; %U is the account the official logged on with
        # (%u would be the share's `force user`, the service's user, for everyone).
        return f"""   vfs objects = full_audit
   full_audit:syslog = false
   full_audit:prefix = {AUDIT_TAG}|%U|%I
   full_audit:success = create_file mkdirat renameat unlinkat
   full_audit:failure = create_file mkdirat renameat unlinkat
"""

    def audit(self) -> list[AuditLine]:
        """What ``full_audit`` recorded so far: one line per SMB operation, with the account."""
        path = self.home / "smbd.log"
        if not path.exists():
            return []
        lines = []
        for raw in path.read_text(errors="replace").splitlines():
            raw = raw.strip()
            if raw.startswith(AUDIT_TAG + "|"):
                _tag, user, address, op, result, *args = raw.split("|")
                lines.append(AuditLine(user, address, op, result == "ok", tuple(args)))
        return lines

    def configure(self, shares_text: str) -> None:
        """Write ``smb.conf``: our ``[global]`` then ``shares_text`` (share sections).

        The officials' Unix accounts are machine-wide: one Samba fixture at a time (a
        lock, held until :meth:`stop`), so one run cannot remove accounts another uses."""
        if self._lock is None:
            self._lock = open(ACCOUNTS_LOCK, "a")  # noqa: SIM115 - held until stop()
            fcntl.flock(self._lock, fcntl.LOCK_EX)
        for sub in ("lock", "state", "cache", "private", "pid", "ncalrpc"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        self.conf.write_text(self.global_section() + "\n" + shares_text + "\n", encoding="utf-8")

    def add_user(self, name: str) -> str:
        """A Unix account (no home, no login) and its Samba password; returns the password."""
        try:
            pwd.getpwnam(name)
        except KeyError:
            subprocess.run(["useradd", "-M", "-s", "/usr/sbin/nologin", name], check=True)
            self._made_users.append(name)
        password = secrets.token_urlsafe(12)
        subprocess.run([SMBPASSWD, "-c", str(self.conf), "-a", "-s", name],
                       input=f"{password}\n{password}\n", text=True, check=True,
                       capture_output=True)
        self.passwords[name] = password
        return password

    def start(self) -> None:
        log = open(self.home / "smbd.log", "ab")  # noqa: SIM115 - the child keeps it open
        self.proc = subprocess.Popen(
            [SMBD, "--foreground", "--no-process-group", f"--configfile={self.conf}",
             "--debug-stdout"], stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)  # smbd signals its whole process group on exit

        def listening() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError("smbd exited:\n" + self.log_tail())
            with contextlib.suppress(OSError), socket.create_connection(
                    ("127.0.0.1", self.port), timeout=0.5):
                return True
            return False

        wait_until(listening, timeout=30, what="smbd to listen", interval=0.1)

    def log_tail(self, n: int = 30) -> str:
        path = self.home / "smbd.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:]) if path.exists() else ""

    def stop(self) -> None:
        smbclient.reset_connection_cache()
        for cache in self.caches:
            with contextlib.suppress(Exception):  # a connection smbd may have dropped
                smbclient.reset_connection_cache(connection_cache=cache)
        self.caches.clear()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # our own smbd, by its pid
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            # Its per-connection children (running as the officials' accounts) are in the
            # session we started it in: end them too, or the accounts cannot be removed.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
        for name in self._made_users:
            for _ in range(50):
                done = subprocess.run(["userdel", name], check=False, capture_output=True)
                if done.returncode in (0, 6):  # removed, or already gone
                    break
                time.sleep(0.1)
        self._made_users.clear()
        if self._lock is not None:
            self._lock.close()  # releases the accounts' lock
            self._lock = None

    def official(self, user: str, share: str) -> SmbOfficial:
        return SmbOfficial(self, user, share)


class SmbOfficial:
    """One official at a Windows PC with ``\\\\server\\<share>`` mapped as a drive."""

    def __init__(self, server: SambaServer, user: str, share: str, *,
                 connection_cache: dict | None = None):
        self.server = server
        self.user = user
        self.share = share
        self._cache = connection_cache  # None: smbclient's one, shared by every official
        extra = {} if connection_cache is None else {"connection_cache": connection_cache}
        smbclient.register_session("127.0.0.1", username=user,
                                   password=server.passwords[user], port=server.port,
                                   encrypt=False, **extra)

    def on_another_pc(self) -> SmbOfficial:
        """The same account from another PC (or Explorer window): its own SMB connection."""
        cache: dict = {}
        self.server.caches.append(cache)
        return SmbOfficial(self.server, self.user, self.share, connection_cache=cache)

    def unc(self, rel: str = "") -> str:
        """``\\\\127.0.0.1\\<share>\\<rel>`` (``rel`` written with forward slashes)."""
        base = f"\\\\127.0.0.1\\{self.share}"
        return base + ("\\" + str(PureWindowsPath(rel)) if rel else "")

    def _kw(self) -> dict:
        kw = {"port": self.server.port, "username": self.user,
              "password": self.server.passwords[self.user]}
        if self._cache is not None:
            kw["connection_cache"] = self._cache
        return kw

    # --- plain actions -------------------------------------------------------------

    def listdir(self, rel: str = "") -> list[str]:
        return smbclient.listdir(self.unc(rel), **self._kw())

    def exists(self, rel: str) -> bool:
        try:
            smbclient.stat(self.unc(rel), **self._kw())
            return True
        except (SMBOSError, FileNotFoundError):
            return False

    def read(self, rel: str) -> bytes:
        with smbclient.open_file(self.unc(rel), mode="rb", **self._kw()) as fh:
            return fh.read()

    def move(self, src: str, dst: str) -> None:
        """Explorer's drag to a subfolder on the same share: one SMB rename."""
        smbclient.rename(self.unc(src), self.unc(dst), **self._kw())

    def delete(self, rel: str) -> None:
        smbclient.remove(self.unc(rel), **self._kw())

    def delete_folder(self, rel: str) -> None:
        """Explorer's Delete on a folder: the files in it first, then the folder."""
        for name in self.listdir(rel):
            self.delete(f"{rel}/{name}")
        smbclient.rmdir(self.unc(rel), **self._kw())

    def write(self, rel: str, data: bytes) -> None:
        with smbclient.open_file(self.unc(rel), mode="wb", **self._kw()) as fh:
            fh.write(data)

    # --- what Windows does -----------------------------------------------------------

    def copy_slowly(self, rel: str, data: bytes, *, chunk: int = 64 * 1024,
                    stalls: dict[int, float] | None = None, presize: bool = False) -> None:
        """A copy over a slow link: ``chunk``-sized writes, pausing ``stalls[i]`` seconds
        before chunk ``i``; with ``presize`` the final size is set first (Explorer)."""
        stalls = stalls or {}
        with smbclient.open_file(self.unc(rel), mode="wb", **self._kw()) as fh:
            if presize:
                fh.truncate(len(data))
                fh.seek(0)
            for i, start in enumerate(range(0, len(data), chunk)):
                if i in stalls:
                    fh.flush()
                    time.sleep(stalls[i])
                fh.write(data[start:start + chunk])
                fh.flush()

    def new_text_document(self, folder: str, final_name: str, text: str, *,
                          encoding: str = "utf-8", typing_delay: float = 0.0) -> None:
        """Explorer's New > Text Document: an empty ``New Text Document.txt``, renamed, then
        opened in Notepad, typed and saved ``typing_delay`` seconds later."""
        empty = f"{folder}/New Text Document.txt"
        self.write(empty, b"")
        self.move(empty, f"{folder}/{final_name}")
        if typing_delay:
            time.sleep(typing_delay)
        self.write(f"{folder}/{final_name}", encode_like_notepad(text, encoding))

    def new_folder(self, folder: str, final_name: str) -> None:
        """Explorer's New > Folder: ``New folder`` made, then renamed as the official types."""
        smbclient.mkdir(self.unc(f"{folder}/New folder"), **self._kw())
        self.move(f"{folder}/New folder", f"{folder}/{final_name}")

    def word_save(self, rel: str, data: bytes, *, still_open: bool = False) -> None:
        """Word's save of ``rel``: owner file ``~$name``, write a ``~WRL0001.tmp``, rename the
        original away, rename the temporary to the name, delete the old one; the owner file
        goes when Word closes the document (``still_open``: not yet)."""
        folder, _, name = rel.rpartition("/")
        prefix = f"{folder}/" if folder else ""
        owner = f"{prefix}~${name[2:]}" if len(name) > 2 else f"{prefix}~${name}"
        self.write(owner, b"\x00" * 162)
        tmp = f"{prefix}~WRL0001.tmp"
        self.write(tmp, data)
        old = f"{prefix}~WRL0002.tmp"
        if self.exists(rel):
            self.move(rel, old)
        self.move(tmp, rel)
        if self.exists(old):
            self.delete(old)
        if not still_open:
            self.delete(owner)

    @contextlib.contextmanager
    def held_open(self, rel: str):
        """The file open in another program (a PDF reader) that does not allow deleting or
        renaming it: a move meanwhile fails with a sharing violation."""
        fh = smbclient.open_file(self.unc(rel), mode="rb", share_access="r", **self._kw())
        try:
            yield fh
        finally:
            fh.close()


def encode_like_notepad(text: str, encoding: str) -> bytes:
    """Notepad's encodings: ``utf-16`` ("Unicode": UTF-16LE with a BOM), ``utf-8-sig``,
    ``utf-8``, ``cp1252`` ("ANSI"); Windows line ends."""
    text = text.replace("\n", "\r\n")
    if encoding == "utf-16":
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode(encoding)


STATUS_SHARING_VIOLATION = 0xC0000043
STATUS_ACCESS_DENIED = 0xC0000022


def sharing_violation(exc: BaseException) -> bool:
    """Windows' "used by another process" (NT_STATUS_SHARING_VIOLATION)."""
    return isinstance(exc, SMBOSError) and exc.ntstatus == STATUS_SHARING_VIOLATION


def access_denied(exc: BaseException) -> bool:
    """NT_STATUS_ACCESS_DENIED, on a tree connect or on a write."""
    status = getattr(exc, "ntstatus", None) or getattr(
        getattr(exc, "__context__", None), "ntstatus", None)
    return status == STATUS_ACCESS_DENIED or "ACCESS_DENIED" in str(exc).upper() or (
        "0xc0000022" in str(exc).lower())


def wait_for(predicate, timeout: float, what: str):
    return wait_until(predicate, timeout=timeout, what=what, interval=0.1)


__all__ = ["AuditLine", "SambaServer", "Share", "SmbOfficial", "access_denied", "encode_like_notepad",
           "samba_available", "sharing_violation", "wait_for"]
