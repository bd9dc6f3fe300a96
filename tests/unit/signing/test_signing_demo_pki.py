"""The demo PKI: where the files go, how they are protected, what the certificates say."""

from __future__ import annotations

import stat

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from pipeline.config import SEAL_LABEL, load_config
from pipeline.core.workflow import Action
from pipeline.resources import WORKSPACE
from pipeline.signing.demo_pki import DEMO_OU, create_demo_pki


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_marking_stage_and_the_seal_get_a_key_where_the_config_says(config, pki):
    marking = [s for s in config.stage if s.action is not Action.DRAFT]
    assert set(pki.identities) == {s.key for s in marking} | {SEAL_LABEL}
    for stage in marking:
        ident = pki.identities[stage.key]
        assert ident.pkcs12 == stage.signing_key.pkcs12
        assert ident.passphrase_file == stage.signing_key.passphrase.file
        assert ident.subject_cn == stage.person.name
    assert pki.identities[SEAL_LABEL].pkcs12 == config.seal.signing_key.pkcs12
    assert pki.root_pem == config.trust.roots[0]
    assert pki.root_pem.name == "demo-root.pem"


def test_secret_files_are_private_and_the_root_is_public(config, pki):
    for ident in pki.identities.values():
        assert _mode(ident.pkcs12) == 0o600
        assert _mode(ident.passphrase_file) == 0o600
    assert _mode(pki.root_pem) == 0o644
    assert _mode(config.root / "pki") == 0o700
    # nothing left behind from the atomic writes
    assert not [p for p in (config.root / "pki").iterdir() if p.name.startswith(".spt-tmp-")]


def test_pkcs12_opens_with_its_passphrase_and_holds_key_cert_and_root(config, pki):
    stage = config.stage[1]
    ident = pki.identities[stage.key]
    passphrase = ident.passphrase_file.read_text().strip()
    assert len(passphrase) >= 24
    key, cert, cas = pkcs12.load_key_and_certificates(ident.pkcs12.read_bytes(),
                                                      passphrase.encode())
    assert key is not None
    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == stage.person.name
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == DEMO_OU
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == stage.person.nip
    assert (subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
            == config.agency.name)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert [c.subject for c in cas] == [pki.root_cert.subject]
    assert pki.root_cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value.startswith(
        "DEMO Root CA SPT ")
    validity = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert 700 < validity.days < 740


def test_seal_certificate_names_the_agency(config, pki):
    seal = pki.identities[SEAL_LABEL]
    assert seal.subject_cn == "DEMO Cap Dinas " + config.agency.name


def test_passphrases_are_distinct(pki):
    phrases = {i.passphrase_file.read_text() for i in pki.identities.values()}
    assert len(phrases) == len(pki.identities)


def test_env_passphrases_are_returned_not_written(tmp_path):
    text = (WORKSPACE / "spt.toml").read_text(encoding="utf-8").replace(
        'passphrase = { file = "pki/kasubag.pass" }', 'passphrase = { env = "SPT_KASUBAG_PASS" }'
    )
    (tmp_path / "spt.toml").write_text(text, encoding="utf-8")
    config = load_config(tmp_path / "spt.toml")
    pki = create_demo_pki(config)
    assert set(pki.env_passphrases) == {"SPT_KASUBAG_PASS"}
    assert not (tmp_path / "pki" / "kasubag.pass").exists()
    assert pki.identities["kasubag"].passphrase_env == "SPT_KASUBAG_PASS"
    key, _, _ = pkcs12.load_key_and_certificates(
        (tmp_path / "pki" / "kasubag.p12").read_bytes(),
        pki.env_passphrases["SPT_KASUBAG_PASS"].encode(),
    )
    assert key is not None


def test_out_dir_relocates_every_file(config, tmp_path):
    out = tmp_path / "elsewhere"
    pki = create_demo_pki(config, out_dir=out)
    assert pki.root_pem == out / "demo-root.pem"
    assert all(i.pkcs12.parent == out for i in pki.identities.values())


def test_issue_makes_more_certificates_from_the_same_root(pki):
    cert, _key = pki.issue("Orang Lain")
    assert cert.issuer == pki.root_cert.subject
    tsa_cert, _ = pki.issue_tsa()
    eku = tsa_cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical
