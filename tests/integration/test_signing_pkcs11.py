"""A signer on a PKCS#11 token (SoftHSM2 standing in for a hardware key or an HSM)."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from pipeline.resources import WORKSPACE
from pipeline.signing.keys import KeyRing, KeyRingError
from pipeline.signing.marks import MarkAppearance, apply_mark
from pipeline.signing.verify import verify_pdf
from tests.support.signing import demo_workspace, prepared_pdf

SOFTHSM_MODULES = [Path("/usr/lib/softhsm/libsofthsm2.so"),
                   Path("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")]
MODULE = next((p for p in SOFTHSM_MODULES if p.exists()), None)
TOKEN = "spt-uji"
PIN = "314159"

pkcs11 = pytest.importorskip("pkcs11", reason="python-pkcs11 not installed (pyHanko[pkcs11])")
pytestmark = pytest.mark.skipif(
    MODULE is None or shutil.which("softhsm2-util") is None, reason="SoftHSM2 not installed"
)


@pytest.fixture(scope="module")
def hsm(tmp_path_factory):
    """One SoftHSM token directory for this module.

    SoftHSM reads ``SOFTHSM2_CONF`` once, when the module is first initialised
    in a process, so every test here shares it.
    """
    folder = tmp_path_factory.mktemp("hsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n")
    mp = pytest.MonkeyPatch()
    mp.setenv("SOFTHSM2_CONF", str(conf))
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN,
                    "--so-pin", "271828", "--pin", PIN], check=True, capture_output=True)
    yield folder
    mp.undo()


def _provision(folder: Path, cert, key) -> None:
    """Put ``key`` and ``cert`` on the token under the label 'kasubag'."""
    pem = folder / "key.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    pem.chmod(0o600)
    subprocess.run(["softhsm2-util", "--import", str(pem), "--token", TOKEN, "--label",
                    "kasubag", "--id", "01", "--pin", PIN], check=True, capture_output=True)
    pem.unlink()
    # softhsm2-util imports keys only; the certificate goes in through PKCS#11 itself.
    from pkcs11 import Attribute, CertificateType, ObjectClass

    token = pkcs11.lib(str(MODULE)).get_token(token_label=TOKEN)
    with token.open(rw=True, user_pin=PIN) as session:
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.TOKEN: True,
            Attribute.LABEL: "kasubag",
            Attribute.ID: b"\x01",
            Attribute.SUBJECT: cert.subject.public_bytes(),
            Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
        })


def test_sign_with_a_key_on_a_softhsm_token(hsm, tmp_path, monkeypatch, caplog):
    text = (WORKSPACE / "spt.toml").read_text(encoding="utf-8").replace(
        'signing_key = { pkcs12 = "pki/kasubag.p12", passphrase = { file = "pki/kasubag.pass" } }',
        f'signing_key = {{ pkcs11_module = "{MODULE}", pkcs11_token = "{TOKEN}", '
        'pkcs11_key_label = "kasubag", pkcs11_cert_label = "kasubag", '
        'pin = { env = "SPT_KASUBAG_PIN" } }',
    )
    config, pki = demo_workspace(tmp_path / "ws", config_text=text)
    cert, key = pki.issue("Hendra Wijaya, S.E.", nip="197804152005011002")
    _provision(hsm, cert, key)

    monkeypatch.setenv("SPT_KASUBAG_PIN", "000000")
    with caplog.at_level(logging.DEBUG), pytest.raises(KeyRingError) as exc:
        KeyRing.load(config)
    assert f"PIN token '{TOKEN}' salah" in str(exc.value)
    assert "000000" not in str(exc.value) + caplog.text

    monkeypatch.setenv("SPT_KASUBAG_PIN", PIN)
    ring = KeyRing.load(config)
    try:
        signer = ring.signer("kasubag")
        assert signer.kind == "pkcs11"
        assert signer.subject_cn == "Hendra Wijaya, S.E."
        stage = config.workflow().stage("kasubag")
        pdf = apply_mark(prepared_pdf(), field_name=stage.field_name, signer=signer,
                         appearance=MarkAppearance.for_stage(stage, config),
                         when=dt.datetime.now(dt.UTC))
        report = verify_pdf(pdf, trust_roots=config.trust.roots, workflow=config.workflow())
        assert report.ok, report.problems
        assert report.signatures[0].signer == "Hendra Wijaya, S.E."
    finally:
        ring.close()
    assert PIN not in caplog.text


def test_unknown_token_label_is_reported(hsm, tmp_path, monkeypatch):
    text = (WORKSPACE / "spt.toml").read_text(encoding="utf-8").replace(
        'signing_key = { pkcs12 = "pki/kasubag.p12", passphrase = { file = "pki/kasubag.pass" } }',
        f'signing_key = {{ pkcs11_module = "{MODULE}", pkcs11_token = "tidak-ada", '
        'pkcs11_key_label = "kasubag", pin = { env = "SPT_KASUBAG_PIN" } }',
    )
    config, _ = demo_workspace(tmp_path / "ws", config_text=text)
    monkeypatch.setenv("SPT_KASUBAG_PIN", PIN)
    with pytest.raises(KeyRingError, match="token 'tidak-ada'"):
        KeyRing.load(config)
