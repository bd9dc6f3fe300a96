"""A test PKI that behaves like a real one: certomancer's CA, served over HTTP on 127.0.0.1.

certomancer (by pyHanko's author) issues the root, an OCSP responder, a timestamping
authority, and one certificate per official and for the seal, each with a CRL
distribution point and an OCSP URL. Its ``Animator`` (a WSGI app) answers CRL, OCSP and
RFC 3161 requests as a real CA does; here it runs in a werkzeug server thread on a free
port of 127.0.0.1.

Revoking mid-run: :meth:`CertomancerPki.revoke` rebuilds the configuration with a
``revocation`` entry for that certificate and swaps the served app; the certificates
themselves stay byte for byte the same (same keys, serials and validity), so what was
issued before is still what the CA now says is revoked. :meth:`CertomancerPki.stop_serving`
makes the CA unreachable (the port stays taken by nobody: connections are refused).

Keys are generated per fixture into a temporary folder; nothing private is in the repo.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import threading
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig, KeyLabel
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from werkzeug.serving import make_server

from pipeline.config import Config
from pipeline.core.workflow import Action, SigningMode
from pipeline.signing.passphrases import new_passphrase, write_private

logging.getLogger("werkzeug").setLevel(logging.WARNING)

ARCH = "spt-test"
_CRL_PERIOD = dt.timedelta(days=1)
_FMT = "%Y-%m-%dT%H:%M:%S+0000"


def _key_usage(*usages: str) -> dict:
    return {"id": "key_usage", "critical": True,
            "smart-value": {"schema": "key-usage", "params": list(usages)}}


# Officials and the seal: a CRL distribution point. The TSA: CRL and OCSP. (Signers get no
# OCSP URL because poppler 22.12's pdfsig, through NSS, then rates every certificate
# "Unknown issue" against certomancer's responder, online or with -no-ocsp; pyHanko is
# happy either way. OCSP is exercised through the TSA's certificate.)
_CRL_EXTENSION = {"id": "crl_distribution_points",
                  "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["root"]}}}
_OCSP_EXTENSION = {"id": "authority_information_access",
                   "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": ["root"]}}}
_REVINFO_EXTENSIONS = [_CRL_EXTENSION]


class _Swappable:
    """A WSGI app that forwards to whichever Animator is current (for revoking mid-run)."""

    def __init__(self):
        self.app = None
        self.down: tuple[str, ...] = ()     # services answering 503: "crls", "ocsp", "tsa"

    def __call__(self, environ, start_response):
        parts = environ.get("PATH_INFO", "").strip("/").split("/")
        service = parts[1] if len(parts) > 1 else ""
        if self.app is None or service in self.down:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"CA sedang tidak tersedia"]
        return self.app(environ, start_response)


class CertomancerPki:
    """The test CA. ``labels``: one certificate per label (stage keys and ``cap_dinas``).

    ``subjects`` maps a label to its common name (the configured person's name, so the
    service's name check passes). Officials' certificates last ``leaf_days``; the TSA's
    ``tsa_days``; the root 20 years.
    """

    def __init__(self, folder: Path, subjects: dict[str, str], *, organization: str = "Pemda Uji",
                 leaf_days: int = 730, tsa_days: int = 3650,
                 now: dt.datetime | None = None):
        self.folder = folder
        self.subjects = dict(subjects)
        self.organization = organization
        now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
        self.now = now
        self.valid_from = now - dt.timedelta(days=1)
        self.leaf_until = now + dt.timedelta(days=leaf_days)
        self.tsa_until = now + dt.timedelta(days=tsa_days)
        self.root_until = now + dt.timedelta(days=7300)
        self.revoked: dict[str, tuple[dt.datetime, str]] = {}
        self._app = _Swappable()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread: threading.Thread | None = None
        self._keys()
        self._rebuild()

    # --- lifecycle -----------------------------------------------------------------
    def __enter__(self) -> CertomancerPki:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def stop_serving(self, *services: str) -> None:
        """The CA's endpoints (or only ``services``: "crls", "ocsp", "tsa") answer 503, an
        outage, until :meth:`resume_serving`."""
        self._app.down = services or ("crls", "ocsp", "tsa", "certs")

    def resume_serving(self) -> None:
        self._app.down = ()

    # --- revocation ----------------------------------------------------------------
    def revoke(self, label: str, *, since: dt.datetime | None = None,
               reason: str = "key_compromise") -> None:
        """Revoke ``label``'s certificate from ``since`` on; served at once.

        certomancer issues CRLs on a schedule (daily here) and lists a revocation only in
        CRLs issued after its date, so the default ``since`` is the current CRL's issue
        time: the revocation is published at once, as by a CA that issues an off-cycle CRL
        after a key compromise. (OCSP answers use the exact time.)
        """
        if since is None:
            now = dt.datetime.now(dt.UTC)
            since = self.valid_from + (now - self.valid_from) // _CRL_PERIOD * _CRL_PERIOD
        self.revoked[label] = (since.replace(microsecond=0), reason)
        self._rebuild()

    def reinstate(self, label: str) -> None:
        """Take ``label``'s revocation back (a test's control: the same certificate, good)."""
        self.revoked.pop(label, None)
        self._rebuild()

    def crl_lists(self, label: str) -> bool:
        """Whether the CRL the CA serves now (over HTTP) lists ``label``'s certificate."""
        import urllib.request

        from asn1crypto import crl as asn1_crl

        with urllib.request.urlopen(f"{self.url}/{ARCH}/crls/root/latest.crl",
                                    timeout=10) as resp:
            crl = asn1_crl.CertificateList.load(resp.read())
        serial = self.certificate(label).serial_number
        return any(r["user_certificate"].native == serial
                   for r in crl["tbs_cert_list"]["revoked_certificates"])

    # --- what the service needs ----------------------------------------------------
    @property
    def root_cert(self) -> x509.Certificate:
        return self.certificate("root")

    @property
    def tsa_url(self) -> str:
        return f"{self.url}/{ARCH}/tsa/tsa"

    def certificate(self, label: str) -> x509.Certificate:
        cert = self.arch.get_cert(CertLabel(label))
        return x509.load_der_x509_certificate(cert.dump())

    def asn1_certificate(self, label: str) -> asn1_x509.Certificate:
        return self.arch.get_cert(CertLabel(label))

    def private_key(self, label: str):
        return self._private[label]

    def write_pkcs12(self, label: str, path: Path, passphrase: str) -> None:
        p12 = pkcs12.serialize_key_and_certificates(
            name=label.encode(), key=self._private[label], cert=self.certificate(label),
            cas=[self.root_cert],
            encryption_algorithm=serialization.BestAvailableEncryption(passphrase.encode()),
        )
        write_private(path, p12)

    def install(self, config: Config) -> None:
        """Put this CA's keys where ``config`` expects the service's keys (like ``spt init``).

        Writes every service-signed stage's and the seal's PKCS#12 with a fresh passphrase
        file, and the root at ``trust.roots[0]``.
        """
        for stage in config.stage:
            if stage.action is Action.DRAFT:
                continue
            if stage.signing is SigningMode.APPROVER:
                # the official's own certificate (their key stays with them: beside it)
                if stage.certificate is not None and stage.key in self._private:
                    pem = config.path(stage.certificate)
                    write_private(pem, self.certificate(stage.key).public_bytes(
                        serialization.Encoding.PEM))
                    pem.chmod(0o644)
                    self.write_pkcs12(stage.key, pem.with_suffix(".p12"), "uji")
                continue
            self._install_key(stage.key, stage.signing_key, config)
        if config.seal is not None:
            self._install_key("cap_dinas", config.seal.signing_key, config)
        root = config.path(config.trust.roots[0])
        root.parent.mkdir(parents=True, exist_ok=True)
        write_private(root, self.root_cert.public_bytes(serialization.Encoding.PEM))
        root.chmod(0o644)

    def _install_key(self, label: str, key_cfg, config: Config) -> None:
        if key_cfg is None or key_cfg.pkcs12 is None or label not in self._private:
            return
        passphrase = new_passphrase()
        path = config.path(key_cfg.pkcs12)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.write_pkcs12(label, path, passphrase)
        assert key_cfg.passphrase is not None and key_cfg.passphrase.file is not None
        write_private(config.path(key_cfg.passphrase.file), passphrase + "\n")

    # --- internals -----------------------------------------------------------------
    def _keys(self) -> None:
        keydir = self.folder / "keys"
        keydir.mkdir(parents=True, exist_ok=True)
        self._private = {}
        labels = ["root", "ocsp", "tsa", *self.subjects]
        for label in labels:
            key = (rsa.generate_private_key(public_exponent=65537, key_size=2048)
                   if label in ("tsa", "root") else ec.generate_private_key(ec.SECP256R1()))
            self._private[label] = key
            pem = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
            write_private(keydir / f"{label}.key.pem", pem)
        self._keydir = keydir

    def _config(self) -> dict:
        window = {"valid-from": self.valid_from.strftime(_FMT)}
        entities = {
            "root": {"common-name": "Root CA Uji SPT"},
            "ocsp": {"common-name": "OCSP Uji SPT"},
            "tsa": {"common-name": "TSA Uji SPT"},
        }
        certs: dict = {
            "root": {
                "subject": "root", "subject-key": "root", "issuer": "root",
                "authority-key": "root",
                "validity": {**window, "valid-to": self.root_until.strftime(_FMT)},
                "extensions": [
                    {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                    _key_usage("digital_signature", "key_cert_sign", "crl_sign"),
                ],
            },
            "ocsp": {
                "issuer": "root",
                "validity": {**window, "valid-to": self.root_until.strftime(_FMT)},
                "extensions": [
                    _key_usage("digital_signature"),
                    {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
                    {"id": "ocsp_no_check"},
                ],
            },
            "tsa": {
                "issuer": "root",
                "validity": {**window, "valid-to": self.tsa_until.strftime(_FMT)},
                "extensions": [
                    _key_usage("digital_signature"),
                    {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                    _CRL_EXTENSION, _OCSP_EXTENSION,
                ],
            },
        }
        for label, cn in self.subjects.items():
            entities[label] = {"common-name": cn, "organizational-unit-name": "Uji"}
            cert = {
                "issuer": "root",
                "validity": {**window, "valid-to": self.leaf_until.strftime(_FMT)},
                "extensions": [
                    _key_usage("digital_signature", "non_repudiation"),
                    *_REVINFO_EXTENSIONS,
                ],
            }
            if label in self.revoked:
                since, reason = self.revoked[label]
                cert["revocation"] = {"revoked-since": since.strftime(_FMT), "reason": reason}
            certs[label] = cert
        return {
            "external-url-prefix": self.url,
            "keysets": {ARCH: {"path-prefix": str(self._keydir), "keys": {
                label: {"path": f"{label}.key.pem"} for label in self._private}}},
            "pki-architectures": {ARCH: {
                "keyset": ARCH,
                "entity-defaults": {"country-name": "ID",
                                    "organization-name": self.organization},
                "entities": entities,
                "certs": certs,
                "services": {
                    "ocsp": {"root": {"for-issuer": "root", "responder-cert": "ocsp",
                                      "signing-key": "ocsp"}},
                    "crl-repo": {"root": {"for-issuer": "root", "signing-key": "root",
                                          "simulated-update-schedule": "P1D"}},  # _CRL_PERIOD
                    "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
                },
            }},
        }

    def _rebuild(self) -> None:
        cfg = CertomancerConfig(copy.deepcopy(self._config()), key_search_dir=str(self.folder))
        self.arch = cfg.get_pki_arch(ArchLabel(ARCH))
        self._app.app = Animator(AnimatorArchStore(cfg.pki_archs), with_web_ui=False)


def subjects_for(config: Config) -> dict[str, str]:
    """The label -> common name map for ``config``'s marking stages and its seal."""
    subjects = {}
    for stage in config.stage:
        if stage.action is Action.DRAFT:
            continue
        subjects[stage.key] = stage.person.name
    if config.seal is not None:
        subjects["cap_dinas"] = "Cap Dinas " + config.agency.name
    return subjects


__all__ = ["CertomancerPki", "KeyLabel", "subjects_for"]
