"""A demonstration PKI: a root CA, a key for every official who marks, and the agency's seal.

``spt init --demo`` and the tests need keys that behave like real ones (a
chain to a trust root, the usual key usages, PKCS#12 files protected by a
passphrase) without anyone's real certificate. Everything here is clearly
labelled "DEMO" in the certificates, so a demo letter can never pass for an
official one.

Keys are ECDSA P-256: they are generated and used in a fraction of a
millisecond, and every validator we target (pyHanko, poppler/NSS, Acrobat)
accepts them. The root's private key is never written to disk: it lives in
the :class:`DemoPki` object only, so nobody can issue more "demo" certificates
later; tests use :meth:`DemoPki.issue` while the object is alive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pipeline.config import SEAL_LABEL, Config, KeyConfig, SecretRef
from pipeline.core.workflow import Action, SigningMode
from pipeline.signing.passphrases import new_passphrase, write_private

DEMO_OU = "DEMO - bukan sertifikat resmi"
ROOT_CN_PREFIX = "DEMO Root CA SPT "
SEAL_CN_PREFIX = "DEMO Cap Dinas "

LEAF_VALIDITY = dt.timedelta(days=730)
# Never fetched (the demo validates offline from pki/demo-root.crl); ".invalid" never resolves.
DEMO_CRL_URL = "http://crl.spt-demo.invalid/demo-root.crl"
ROOT_VALIDITY = dt.timedelta(days=3650)
# Certificates start a little in the past: a machine whose clock is slightly behind
# the one that made them must not see them as "not yet valid".
BACKDATE = dt.timedelta(hours=1)

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True)
class DemoIdentity:
    """One demo key holder: an official of a stage, or the agency's seal."""

    label: str                       # the stage key, or "cap_dinas"
    subject_cn: str
    certificate: x509.Certificate
    pkcs12: Path | None              # where the key + chain went
    passphrase_file: Path | None     # where its passphrase went (None: an env var, see below)
    passphrase_env: str | None
    certificate_pem: Path | None = None


@dataclass
class DemoPki:
    """What :func:`create_demo_pki` made. ``root_key`` exists only in memory."""

    root_pem: Path
    root_cert: x509.Certificate
    root_key: ec.EllipticCurvePrivateKey
    organization: str
    identities: dict[str, DemoIdentity] = field(default_factory=dict)
    # Passphrases of keys whose config names an environment variable: the caller must
    # set these variables (name -> passphrase) before the service loads the keys.
    env_passphrases: dict[str, str] = field(default_factory=dict)
    # Set when the config lists a local CRL (trust.crls): every certificate names this
    # distribution point, and the CRL file there is the demo CA's (see create_demo_pki).
    crl_url: str | None = None

    def issue(
        self,
        common_name: str,
        *,
        key: PrivateKey | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        nip: str | None = None,
        title: str | None = None,
        email: str | None = None,
        time_stamping: bool = False,
    ) -> tuple[x509.Certificate, PrivateKey]:
        """Issue another certificate from the demo root (tests: expired ones, a TSA, …)."""
        key = key or ec.generate_private_key(ec.SECP256R1())
        now = _now()
        cert = _leaf_certificate(
            subject=_subject(common_name, self.organization, nip=nip, title=title),
            public_key=key.public_key(),
            issuer_cert=self.root_cert,
            issuer_key=self.root_key,
            not_before=not_before or now - BACKDATE,
            not_after=not_after or now + LEAF_VALIDITY,
            email=email,
            time_stamping=time_stamping,
            crl_url=self.crl_url,
        )
        return cert, key

    def issue_tsa(self) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
        """A timestamping authority certificate (RSA: pyHanko's test TSA signs with RSA only)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert, _ = self.issue("DEMO TSA SPT", key=key, time_stamping=True)
        return cert, key


def create_demo_pki(
    config: Config,
    *,
    out_dir: Path | None = None,
    now: dt.datetime | None = None,
) -> DemoPki:
    """Create the demo root, a key per marking official, and the seal key, where ``config`` says.

    Each service-signed stage gets ``stage.signing_key.pkcs12`` (key, certificate,
    root) with a fresh random passphrase in the configured passphrase file
    (mode 0600) or, when the config names an environment variable, returned in
    :attr:`DemoPki.env_passphrases` for the caller to set. An approver-signed
    stage gets its certificate at ``stage.certificate`` and the key beside it
    (``.p12`` and ``.pass``) for the official to sign with. The seal gets
    ``seal.signing_key.pkcs12``. The root goes to the first ``trust.roots``
    entry (``pki/demo-root.pem`` in the default config).

    With ``out_dir``, every file goes into that folder instead, under the file
    name the config gives it. Keys configured on a PKCS#11 token are skipped
    (a token is provisioned by its own tools).
    """
    now = now or _now()
    org = config.agency.name
    pki_dir = config.path(config.paths.pki)

    def place(p: Path) -> Path:
        p = config.path(p)
        return out_dir / p.name if out_dir is not None else p

    root_pem = place(config.trust.roots[0]) if config.trust.roots else place(
        pki_dir / "demo-root.pem"
    )
    for folder in {root_pem.parent, out_dir or pki_dir}:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)

    root_key = ec.generate_private_key(ec.SECP256R1())
    root_cert = _root_certificate(root_key, config.agency.unit or org, org, now)
    _write_public(root_pem, root_cert.public_bytes(serialization.Encoding.PEM))
    pki = DemoPki(root_pem=root_pem, root_cert=root_cert, root_key=root_key, organization=org)
    if config.trust.crls:
        # Offline validation data: the root's key exists only now, so its CRL is issued
        # now, empty, valid as long as the root (docs/signing.md, "the demo, offline").
        pki.crl_url = DEMO_CRL_URL
        _write_public(place(config.trust.crls[0]), _demo_crl(root_cert, root_key, now))

    for stage in config.stage:
        if stage.action is Action.DRAFT:
            continue
        person = stage.person
        subject = _subject(person.name, org, nip=person.nip, title=person.jabatan)
        if stage.signing is SigningMode.APPROVER and stage.certificate is not None:
            cert_path = place(stage.certificate)
            key_cfg = KeyConfig(
                pkcs12=cert_path.with_suffix(".p12"),
                passphrase=SecretRef(file=cert_path.with_suffix(".pass")),
            )
        else:
            cert_path = None
            key_cfg = stage.signing_key
        if key_cfg is None or key_cfg.pkcs12 is None:
            continue
        ident = _make_identity(
            pki, stage.key, subject, key_cfg, place, now, email=person.email,
            cert_pem=cert_path,
        )
        pki.identities[stage.key] = ident

    # Deputies (Plh./Plt.) with a key of their own ([[delegation.deputy]]): named as in
    # pegawai.csv, whose names their certificates must carry.
    if config.delegation.deputy:
        from pipeline.signing.keys import DEPUTY_PREFIX, _deputy_names

        names = _deputy_names(config)
        for deputy in config.delegation.deputy:
            if deputy.signing_key.pkcs12 is None:
                continue
            label = DEPUTY_PREFIX + deputy.nip
            subject = _subject(names.get(deputy.nip, deputy.nip), org, nip=deputy.nip)
            pki.identities[label] = _make_identity(pki, label, subject, deputy.signing_key,
                                                   place, now, email=None)

    tsa_key = config.trust.tsa_key
    if tsa_key is not None and tsa_key.pkcs12 is not None and not config.trust.tsa_url:
        cert, key = pki.issue("DEMO TSA " + (config.agency.unit or org)[:40],
                              key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
                              not_after=now + ROOT_VALIDITY - BACKDATE, time_stamping=True)
        _write_key(pki, "tsa", key, cert, tsa_key, place)

    if config.seal is not None and config.seal.signing_key.pkcs12 is not None:
        subject = _subject(SEAL_CN_PREFIX + org, org)
        pki.identities[SEAL_LABEL] = _make_identity(
            pki, SEAL_LABEL, subject, config.seal.signing_key, place, now,
            email=config.agency.email,
        )
    return pki


# --- internals --------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _make_identity(
    pki: DemoPki,
    label: str,
    subject: x509.Name,
    key_cfg: KeyConfig,
    place,
    now: dt.datetime,
    *,
    email: str | None,
    cert_pem: Path | None = None,
) -> DemoIdentity:
    assert key_cfg.pkcs12 is not None and key_cfg.passphrase is not None
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _leaf_certificate(
        subject=subject,
        public_key=key.public_key(),
        issuer_cert=pki.root_cert,
        issuer_key=pki.root_key,
        not_before=now - BACKDATE,
        not_after=now + LEAF_VALIDITY,
        email=email,
        crl_url=pki.crl_url,
    )
    passphrase = new_passphrase()
    p12_path = place(key_cfg.pkcs12)
    p12 = pkcs12.serialize_key_and_certificates(
        name=label.encode(),
        key=key,
        cert=cert,
        cas=[pki.root_cert],
        encryption_algorithm=serialization.BestAvailableEncryption(passphrase.encode()),
    )
    write_private(p12_path, p12)
    pass_file: Path | None = None
    if key_cfg.passphrase.file is not None:
        pass_file = place(key_cfg.passphrase.file)
        write_private(pass_file, passphrase + "\n")
    else:
        assert key_cfg.passphrase.env
        pki.env_passphrases[key_cfg.passphrase.env] = passphrase
    if cert_pem is not None:
        _write_public(cert_pem, cert.public_bytes(serialization.Encoding.PEM))
    cn = subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    return DemoIdentity(
        label=label,
        subject_cn=str(cn),
        certificate=cert,
        pkcs12=p12_path,
        passphrase_file=pass_file,
        passphrase_env=key_cfg.passphrase.env,
        certificate_pem=cert_pem,
    )


def _write_key(pki: DemoPki, label: str, key, cert, key_cfg: KeyConfig, place) -> None:
    """``key`` and ``cert`` (with the root) as PKCS#12 where ``key_cfg`` says, passphrase beside."""
    assert key_cfg.pkcs12 is not None and key_cfg.passphrase is not None
    passphrase = new_passphrase()
    write_private(place(key_cfg.pkcs12), pkcs12.serialize_key_and_certificates(
        name=label.encode(), key=key, cert=cert, cas=[pki.root_cert],
        encryption_algorithm=serialization.BestAvailableEncryption(passphrase.encode())))
    if key_cfg.passphrase.file is not None:
        write_private(place(key_cfg.passphrase.file), passphrase + "\n")
    else:
        assert key_cfg.passphrase.env
        pki.env_passphrases[key_cfg.passphrase.env] = passphrase


def _demo_crl(root_cert: x509.Certificate, root_key, now: dt.datetime) -> bytes:
    """An empty CRL of the demo root, valid until the root expires (PEM)."""
    ski = root_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(root_cert.subject)
        .last_update(now - BACKDATE)
        .next_update(root_cert.not_valid_after_utc)
        .add_extension(x509.CRLNumber(1), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                       critical=False)
        .sign(root_key, hashes.SHA256())
    )
    return crl.public_bytes(serialization.Encoding.PEM)


def _write_public(path: Path, data: bytes) -> None:
    """Certificates are public, but written the same atomic way (then opened up to 0644)."""
    write_private(path, data)
    path.chmod(0o644)


def _subject(
    common_name: str, organization: str, *, nip: str | None = None, title: str | None = None
) -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEMO_OU),
    ]
    if title:
        attrs.append(x509.NameAttribute(NameOID.TITLE, title[:64]))
    if nip:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, nip))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def _root_certificate(
    key: ec.EllipticCurvePrivateKey, short: str, organization: str, now: dt.datetime
) -> x509.Certificate:
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEMO_OU),
        x509.NameAttribute(NameOID.COMMON_NAME, (ROOT_CN_PREFIX + short)[:64]),
    ])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + ROOT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )


def _leaf_certificate(
    *,
    subject: x509.Name,
    public_key,
    issuer_cert: x509.Certificate,
    issuer_key: ec.EllipticCurvePrivateKey,
    not_before: dt.datetime,
    not_after: dt.datetime,
    email: str | None = None,
    time_stamping: bool = False,
    crl_url: str | None = None,
) -> x509.Certificate:
    issuer_ski = issuer_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=not time_stamping,
                key_encipherment=False, data_encipherment=False, key_agreement=False,
                key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski.value),
            critical=False,
        )
    )
    if time_stamping:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    if crl_url:
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)], relative_name=None,
            reasons=None, crl_issuer=None)]), critical=False)
    if email:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def demo_signed(pdf: bytes) -> bool:
    """Whether any signature in ``pdf`` was made with a DEMO certificate of this module.

    A DEMO certificate carries :data:`DEMO_OU` in its subject, and its issuer is a
    ``DEMO Root CA SPT`` root; the letter page then shows a DEMO banner instead of
    calling the letter valid. A PDF that cannot be read is not called DEMO (its own
    verification says what is wrong with it).
    """
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception:
        return False
    for sig in signatures:
        try:
            cert = sig.signer_cert
            subject, issuer = cert.subject.native, cert.issuer.native
        except Exception:
            continue
        if subject.get("organizational_unit_name") == DEMO_OU or str(
                issuer.get("common_name", "")).startswith(ROOT_CN_PREFIX):
            return True
    return False

