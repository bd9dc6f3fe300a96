"""``spt doctor`` checks of what people see: the QR code's address, the trust root, the
mails' folder names and where escalations go (kept apart from :mod:`pipeline.ops.doctor`,
which checks that the machine can run the service).
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.ops.doctor import Section

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def check_qr_and_trust(config: Config, s: Section) -> None:
    """The QR code's ``letter.verify_url`` and the trust roots, as a phone and a reader see them."""
    url = config.letter.verify_url
    if not url:
        s.warn("letter.verify_url tidak diisi: kode QR hanya memuat nomor dan sidik berkas, "
               "tanpa alamat halaman verifikasi",
               "isi letter.verify_url dengan alamat https publik halaman 'spt web'")
    else:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if _loopback(host):
            s.warn(f"letter.verify_url ({url}) menunjuk ke komputer ini sendiri ({host}): "
                   "ponsel yang memindai kode QR membuka alamat itu di ponsel itu sendiri "
                   "dan tidak menemukan apa pun",
                   "isi letter.verify_url dengan alamat publik yang dapat dibuka dari luar, "
                   "mis. https://spt.instansi.go.id (reverse proxy TLS di depan 'spt web')")
        if parts.scheme == "http":
            s.warn(f"letter.verify_url ({url}) memakai http biasa: halaman verifikasi dapat "
                   "dipalsukan di jaringan antara ponsel dan server",
                   "pakai https (sertifikat TLS pada reverse proxy di depan 'spt web')")
        elif parts.scheme != "https":
            s.warn(f"letter.verify_url ({url}) bukan alamat https", "tulis https://…")
        if parts.scheme == "https" and not _loopback(host):
            s.ok(f"kode QR menunjuk ke {url}")
    demo_roots = [root for root in config.trust.roots if _is_demo_root(root)]
    for root in demo_roots:
        s.warn(f"trust.roots memuat akar kepercayaan DEMO ({root}): surat yang ditandatangani "
               "dengan kunci demo dinyatakan sah oleh 'spt verify' (halaman web menandainya "
               "SURAT DEMO)",
               "untuk pemakaian resmi, ganti trust.roots dengan sertifikat akar penerbit resmi "
               "(mis. BSrE) dan kunci pejabat yang sebenarnya")
    if config.trust.roots and not demo_roots:
        s.ok(f"{len(config.trust.roots)} sertifikat akar kepercayaan, tidak ada yang DEMO")


def check_people_mail(config: Config, s: Section) -> None:
    """What the mails tell officials: their folder, and who hears of a late case."""
    if config.mail.share_path:
        s.ok(f"surel menyebut folder tahap di {config.mail.share_path}")
    else:
        s.warn("mail.share_path tidak diisi: surel menyebut folder tahap relatif terhadap "
               "ruang kerja (mis. stages/02-kasubag), bukan seperti yang terlihat di komputer "
               "pejabat", "isi mail.share_path, mis. '\\\\server\\spt'")
    it = config.escalation.it_email or config.working_time.supervisor_email
    if it:
        s.ok(f"eskalasi yang tidak dapat naik lagi dikirim ke {it}")
    else:
        s.warn("[escalation] it_email tidak diisi: keterlambatan di tahap penandatangan "
               "terakhir dan pada penomoran otomatis tidak dieskalasikan kepada siapa pun",
               "isi [escalation] it_email dengan alamat tim TI")


def _loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _is_demo_root(path) -> bool:
    """A root certificate made by ``spt init --demo`` (its name says DEMO)."""
    from cryptography import x509

    from pipeline.signing.demo_pki import DEMO_OU, ROOT_CN_PREFIX

    try:
        data = path.read_bytes()
        cert = (x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data
                else x509.load_der_x509_certificate(data))
    except (OSError, ValueError):
        return False
    names = {a.oid.dotted_string: str(a.value) for a in cert.subject}
    common = names.get(x509.NameOID.COMMON_NAME.dotted_string, "")
    unit = names.get(x509.NameOID.ORGANIZATIONAL_UNIT_NAME.dotted_string, "")
    return common.startswith(ROOT_CN_PREFIX) or unit == DEMO_OU or "DEMO" in common.split()


__all__ = ["check_people_mail", "check_qr_and_trust"]
