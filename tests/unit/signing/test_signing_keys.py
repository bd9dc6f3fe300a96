"""The key ring: loading every signer once, and refusing to start with a key that cannot work."""

from __future__ import annotations

import datetime as dt
import logging
import shutil

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from pipeline.config import SEAL_LABEL, load_config
from pipeline.resources import WORKSPACE
from pipeline.signing.demo_pki import create_demo_pki
from pipeline.signing.keys import (
    KeyRing,
    KeyRingError,
    bare_name,
    names_match,
)
from pipeline.signing.passphrases import write_private


def _passphrases(config) -> list[str]:
    """Every passphrase of the workspace: none may ever appear in a message."""
    return [p.read_text().strip() for p in (config.root / "pki").glob("*.pass")]


def _load_error(config, caplog) -> KeyRingError:
    with caplog.at_level(logging.DEBUG), pytest.raises(KeyRingError) as exc:
        KeyRing.load(config)
    err = exc.value
    text = str(err) + repr(err) + repr(err.problems) + caplog.text
    for phrase in _passphrases(config):
        assert phrase not in text
    return err


def _replace_kasubag_cert(config, pki, cert, key) -> None:
    """Put another certificate in kasubag's PKCS#12, same passphrase, same file."""
    stage = config.stage[1]
    passphrase = stage.signing_key.passphrase.file.read_text().strip()
    data = pkcs12.serialize_key_and_certificates(
        b"kasubag", key, cert, [pki.root_cert],
        serialization.BestAvailableEncryption(passphrase.encode()),
    )
    write_private(stage.signing_key.pkcs12, data)


def test_loads_every_service_signer_and_the_seal(config, caplog):
    with caplog.at_level(logging.DEBUG):
        ring = KeyRing.load(config)
    assert set(ring.signers) == {"kasubag", "sekretaris", "inspektur", "asisten1", "sekda",
                                 "gubernur", SEAL_LABEL}
    kasubag = ring.signer("kasubag")
    assert kasubag.subject_cn == "Hendra Wijaya, S.E."
    assert kasubag.kind == "pkcs12"
    assert kasubag.location == config.agency.city
    assert ring.seal_signer().holder == config.agency.name
    assert ring.warnings == []
    for phrase in _passphrases(config):
        assert phrase not in caplog.text


def test_missing_key_file(config, caplog):
    config.stage[1].signing_key.pkcs12.unlink()
    err = _load_error(config, caplog)
    assert len(err.problems) == 1
    assert "tahap 'kasubag'" in str(err)
    assert "kasubag.p12 tidak ditemukan" in str(err)


def test_wrong_passphrase(config, caplog):
    write_private(config.stage[2].signing_key.passphrase.file, "salah-total-123\n")
    err = _load_error(config, caplog)
    assert "tahap 'sekretaris'" in str(err)
    assert "kata sandi salah" in str(err)
    assert "salah-total-123" not in str(err)


def test_passphrase_file_readable_by_others(config, caplog):
    config.stage[3].signing_key.passphrase.file.chmod(0o644)
    err = _load_error(config, caplog)
    assert "tahap 'inspektur'" in str(err)
    assert "mode 0644" in str(err)
    assert "chmod 600" in str(err)


def test_key_file_readable_by_group(config, caplog):
    config.seal.signing_key.pkcs12.chmod(0o640)
    err = _load_error(config, caplog)
    assert "cap dinas" in str(err)
    assert "mode 0640" in str(err)


def test_missing_passphrase_file(config, caplog):
    config.stage[4].signing_key.passphrase.file.unlink()
    err = _load_error(config, caplog)
    assert "tahap 'asisten1'" in str(err)
    assert "asisten1.pass tidak ditemukan" in str(err)


def test_unset_passphrase_env(tmp_path, caplog, monkeypatch):
    text = (WORKSPACE / "spt.toml").read_text(encoding="utf-8").replace(
        'passphrase = { file = "pki/sekda.pass" }', 'passphrase = { env = "SPT_SEKDA_PASS" }'
    )
    (tmp_path / "spt.toml").write_text(text, encoding="utf-8")
    config = load_config(tmp_path / "spt.toml")
    pki = create_demo_pki(config)
    monkeypatch.delenv("SPT_SEKDA_PASS", raising=False)
    err = _load_error(config, caplog)
    assert "variabel lingkungan SPT_SEKDA_PASS tidak diisi" in str(err)
    monkeypatch.setenv("SPT_SEKDA_PASS", pki.env_passphrases["SPT_SEKDA_PASS"])
    assert "sekda" in KeyRing.load(config).signers


def test_expired_certificate(config, pki, caplog):
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=800)
    cert, key = pki.issue("Hendra Wijaya, S.E.", not_before=past,
                          not_after=past + dt.timedelta(days=730))
    _replace_kasubag_cert(config, pki, cert, key)
    err = _load_error(config, caplog)
    assert "tahap 'kasubag'" in str(err)
    assert "kedaluwarsa" in str(err)


def test_not_yet_valid_certificate(config, pki, caplog):
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    cert, key = pki.issue("Hendra Wijaya, S.E.", not_before=future,
                          not_after=future + dt.timedelta(days=30))
    _replace_kasubag_cert(config, pki, cert, key)
    assert "belum berlaku" in str(_load_error(config, caplog))


def test_expiry_within_30_days_is_a_warning(config, pki, caplog):
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
    cert, key = pki.issue("Hendra Wijaya, S.E.", not_after=soon)
    _replace_kasubag_cert(config, pki, cert, key)
    with caplog.at_level(logging.WARNING):
        ring = KeyRing.load(config)
    assert len(ring.warnings) == 1
    assert "kasubag" in ring.warnings[0] and "akan kedaluwarsa" in ring.warnings[0]
    assert "akan kedaluwarsa" in caplog.text


def test_certificate_of_someone_else(config, pki, caplog):
    cert, key = pki.issue("Budi Santoso, S.T.")
    _replace_kasubag_cert(config, pki, cert, key)
    err = _load_error(config, caplog)
    assert "diterbitkan untuk 'Budi Santoso, S.T.', bukan untuk 'Hendra Wijaya, S.E.'" in str(err)


def test_certificate_with_another_nip(config, pki, caplog):
    cert, key = pki.issue("Hendra Wijaya, S.E.", nip="199001012015011001")
    _replace_kasubag_cert(config, pki, cert, key)
    err = _load_error(config, caplog)
    assert "NIP dalam sertifikat (199001012015011001) berbeda" in str(err)


def test_personal_certificate_cannot_be_the_seal(config, pki, caplog):
    cert, key = pki.issue("Hendra Wijaya, S.E.")  # same O (the agency), but a person
    passphrase = config.seal.signing_key.passphrase.file.read_text().strip()
    write_private(config.seal.signing_key.pkcs12, pkcs12.serialize_key_and_certificates(
        b"seal", key, cert, [pki.root_cert],
        serialization.BestAvailableEncryption(passphrase.encode())))
    err = _load_error(config, caplog)
    assert "sertifikat cap dinas diterbitkan untuk 'Hendra Wijaya, S.E.'" in str(err)


def test_untrusted_root(config, tmp_path, caplog):
    other = create_demo_pki(config, out_dir=tmp_path / "other-pki")
    stage = config.stage[6]
    shutil.copyfile(other.identities["gubernur"].pkcs12, stage.signing_key.pkcs12)
    shutil.copyfile(other.identities["gubernur"].passphrase_file,
                    stage.signing_key.passphrase.file)
    err = _load_error(config, caplog)
    assert "tahap 'gubernur'" in str(err)
    assert "sertifikat akar tepercaya (trust.roots)" in str(err)
    for phrase in [p.read_text().strip() for p in (tmp_path / "other-pki").glob("*.pass")]:
        assert phrase not in str(err)


def test_missing_trust_root(config, caplog):
    config.trust.roots[0].unlink()
    assert "demo-root.pem tidak ditemukan" in str(_load_error(config, caplog))


def test_every_problem_is_reported_at_once(config, caplog):
    config.stage[1].signing_key.pkcs12.unlink()
    write_private(config.stage[5].signing_key.passphrase.file, "bukan-ini\n")
    config.seal.signing_key.passphrase.file.chmod(0o604)
    err = _load_error(config, caplog)
    assert [p.label for p in err.problems] == ["kasubag", "sekda", SEAL_LABEL]
    assert str(err).count("\n  - ") == 3


def test_asking_for_an_unknown_signer(config):
    ring = KeyRing.load(config)
    with pytest.raises(KeyRingError, match="kepegawaian"):
        ring.signer("kepegawaian")


@pytest.mark.parametrize(("cn", "configured", "ok"), [
    ("Hendra Wijaya, S.E.", "Hendra Wijaya, S.E.", True),
    ("HENDRA WIJAYA", "Hendra Wijaya, S.E.", True),
    ("Hendra  Wijaya,S.E.", "Hendra Wijaya, S.E.", True),
    ("Sudirman Effendi", "Dr. H. Sudirman Effendi, M.Si.", True),
    ("Hendra Wijaya Putra", "Hendra Wijaya, S.E.", False),
    ("Budi Santoso", "Hendra Wijaya, S.E.", False),
])
def test_names_match(cn, configured, ok):
    assert names_match(cn, configured) is ok


def test_bare_name_strips_titles():
    assert bare_name("Dr. H. Sudirman Effendi, M.Si.") == "sudirman effendi"
    assert bare_name("Ir. Bambang Sutrisno, M.M.") == "bambang sutrisno"
