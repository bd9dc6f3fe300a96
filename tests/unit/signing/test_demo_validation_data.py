"""`spt init --demo` brings its own validation data: the demo CA's CRL and a local TSA."""

from __future__ import annotations

import datetime as dt
import stat

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from pipeline.config import load_config
from pipeline.signing.keys import KeyRing
from pipeline.signing.ltv import LtvSettings, local_timestamper, timestamper_for_config
from pipeline.signing.revocation import check_signers
from pipeline.workspace_init import init_workspace


def _demo(tmp_path):
    return load_config(init_workspace(tmp_path / "ws", demo=True))


def test_demo_config_validates_offline(tmp_path):
    config = _demo(tmp_path)
    assert config.trust.fetch_validation_data is False
    assert config.trust.tsa_url is None and config.trust.tsa_key is not None
    assert [p.name for p in config.trust.crls] == ["demo-root.crl"]


def test_demo_crl_is_the_roots_empty_and_lasts_as_long_as_the_root(tmp_path):
    config = _demo(tmp_path)
    root = x509.load_pem_x509_certificate(config.trust.roots[0].read_bytes())
    crl = x509.load_pem_x509_crl(config.trust.crls[0].read_bytes())
    assert crl.is_signature_valid(root.public_key())
    assert crl.issuer == root.subject
    assert len(list(crl)) == 0
    assert crl.next_update_utc == root.not_valid_after_utc
    assert crl.last_update_utc <= dt.datetime.now(dt.UTC)


def test_every_demo_certificate_names_the_crl_that_is_never_fetched(tmp_path):
    config = _demo(tmp_path)
    ring = KeyRing.load(config)
    try:
        for signer in ring.signers.values():
            cert = x509.load_der_x509_certificate(signer.certificate.dump())
            dp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
            assert dp[0].full_name[0].value.endswith(".invalid/demo-root.crl")
        # with the local CRL and no fetching, nobody is revoked and nothing is unknown
        statuses = check_signers(config, ring.signers)
        assert statuses and all(not s.revoked and s.unknown is None for s in statuses)
    finally:
        ring.close()


def test_demo_tsa_key_is_private_and_a_timestamping_certificate(tmp_path):
    config = _demo(tmp_path)
    key_cfg = config.trust.tsa_key
    assert stat.S_IMODE(key_cfg.pkcs12.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_cfg.passphrase.file.stat().st_mode) == 0o600
    stamper = local_timestamper(config, key_cfg)
    cert = x509.load_der_x509_certificate(stamper.tsa_cert.dump())
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert cert.not_valid_after_utc > dt.datetime.now(dt.UTC) + dt.timedelta(days=3000)
    assert type(timestamper_for_config(config)) is type(stamper)
    assert "DEMO" in cert.subject.rfc4514_string()


def test_settings_read_the_trust_section(tmp_path):
    config = _demo(tmp_path)
    settings = LtvSettings.from_config(config)
    assert settings.fetch is False and len(settings.roots) == 1 and len(settings.crls) == 1
    assert settings.timeout_seconds == config.trust.fetch_timeout_seconds
