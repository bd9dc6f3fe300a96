"""spt.toml validation: errors name the file, the key and what is wrong."""

import re

import pytest

from pipeline.config import ConfigError, load_config
from pipeline.core.workflow import Action


def write(tmp_path, text):
    path = tmp_path / "spt.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_config_is_the_sops_chain(tmp_path, default_config_text):
    cfg = load_config(write(tmp_path, default_config_text))
    wf = cfg.workflow()
    assert [s.key for s in wf.stages] == [
        "kepegawaian", "kasubag", "sekretaris", "inspektur", "asisten1", "sekda", "gubernur"]
    assert [s.folder for s in wf.stages] == [
        "01-kepegawaian", "02-kasubag", "03-sekretaris", "04-inspektur", "05-asisten1",
        "06-sekda", "07-gubernur"]
    assert [s.action for s in wf.stages] == [
        Action.DRAFT, Action.PARAF, Action.PARAF] + [Action.TANDATANGAN] * 4
    assert [s.mutu_baku_minutes for s in wf.stages] == [15, 10, None, 10, 10, None, 10]
    assert wf.finalization.mutu_baku_minutes == 10 and wf.receipt.mutu_baku_minutes == 5
    assert cfg.stages_dir == tmp_path / "bersama" / "stages"  # the one folder to share
    assert cfg.shared_dir == tmp_path / "bersama"
    assert cfg.stage[1].signing_key.pkcs12 == tmp_path / "pki" / "kasubag.p12"


def _errors(tmp_path, text):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    message = str(info.value)
    assert str(tmp_path / "spt.toml") in message
    return message


def test_missing_key_is_named(tmp_path, default_config_text):
    text = default_config_text.replace('folder = "02-kasubag"\n', "", 1)
    msg = _errors(tmp_path, text)
    assert re.search(r"stage\[1\]\.folder: required key is missing", msg)


def test_duplicate_folder_is_refused(tmp_path, default_config_text):
    text = default_config_text.replace('folder = "03-sekretaris"', 'folder = "02-kasubag"')
    assert "duplicate folder '02-kasubag'" in _errors(tmp_path, text)


def test_duplicate_stage_key_is_refused(tmp_path, default_config_text):
    text = default_config_text.replace('key = "sekretaris"', 'key = "kasubag"')
    assert "duplicate key 'kasubag'" in _errors(tmp_path, text)


def test_unknown_action_is_named(tmp_path, default_config_text):
    text = default_config_text.replace('action = "paraf"', 'action = "setuju"', 1)
    msg = _errors(tmp_path, text)
    assert "stage[1].action" in msg and "'setuju'" in msg


def test_unknown_key_is_named(tmp_path, default_config_text):
    text = default_config_text.replace("[watch]\n", "[watch]\nintervall = 3\n")
    assert "watch.intervall: unknown key" in _errors(tmp_path, text)


def test_unknown_stage_table_is_refused(tmp_path, default_config_text):
    text = default_config_text + '\n[[tahap]]\nkey = "x"\n'
    assert "tahap: unknown key" in _errors(tmp_path, text)


def test_invalid_nip_of_a_person(tmp_path, default_config_text):
    text = default_config_text.replace('"197804152005011002"', '"197804152005013002"')
    msg = _errors(tmp_path, text)
    assert "stage[1].person.nip" in msg and "jenis kelamin" in msg


def test_last_stage_must_sign(tmp_path, default_config_text):
    head, _, _ = default_config_text.partition('[[stage]]\nkey = "gubernur"')
    tail = default_config_text.split("# --- Automatic steps")[1]
    text = head + "# --- Automatic steps" + tail
    text = text.replace('key = "sekda"\nrole = "Sekretaris Daerah"\naction = "tandatangan"',
                        'key = "sekda"\nrole = "Sekretaris Daerah"\naction = "paraf"')
    assert "the last stage is the signatory" in _errors(tmp_path, text)


def test_secrets_are_not_in_the_file(tmp_path, default_config_text):
    text = default_config_text.replace(
        'passphrase = { file = "pki/kasubag.pass" }', 'passphrase = "hunter2"')
    msg = _errors(tmp_path, text)
    assert "stage[1].signing_key.passphrase" in msg
    assert "hunter2" not in msg


def test_bad_toml_and_missing_file(tmp_path):
    assert "not valid TOML" in _errors(tmp_path, "[agency\nname=1")
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nothing.toml")


def test_bad_timezone_and_number_format(tmp_path, default_config_text):
    text = default_config_text.replace('"Asia/Pontianak"', '"Mars/Olympus"')
    assert "agency.timezone" in _errors(tmp_path, text)
    text = default_config_text.replace('"{klasifikasi}/{urut:04d}/{unit}/{tahun}"',
                                       '"{klasifikasi}/{nomor}/{tahun}"')
    msg = _errors(tmp_path, text)
    assert "numbering.format" in msg and "nomor" in msg


def test_a_three_stage_chain_is_just_configuration(tmp_path, default_config_text):
    head = default_config_text.split("[[stage]]")[0]
    tail = "# --- Automatic steps" + default_config_text.split("# --- Automatic steps")[1]
    stages = '''
[[stage]]
key = "penyusun"
role = "Penyusun"
action = "draft"
folder = "1-susun"
person = { name = "A", nip = "199005122015032003", jabatan = "Penyusun", email = "a@x.go.id" }

[[stage]]
key = "kabag"
role = "Kepala Bagian"
action = "paraf"
mutu_baku = 30
folder = "2-kabag"
person = { name = "B", nip = "197804152005011002", jabatan = "Kabag", email = "b@x.go.id" }
signing_key = { pkcs12 = "pki/kabag.p12", passphrase = { env = "KABAG_PASS" } }

[[stage]]
key = "kadis"
role = "Kepala Dinas"
action = "tandatangan"
folder = "3-kadis"
person = { name = "C", nip = "196907211994031005", jabatan = "Kepala Dinas", email = "c@x.go.id" }
signing_key = { pkcs12 = "pki/kadis.p12", passphrase = { env = "KADIS_PASS" } }
'''
    wf = load_config(write(tmp_path, head + stages + tail)).workflow()
    assert [s.folder for s in wf.stages] == ["1-susun", "2-kabag", "3-kadis"]
    assert wf.signatory.key == "kadis" and wf.stages[1].field_name == "Paraf_kabag"


def test_an_elected_head_of_region_may_have_no_nip(tmp_path, default_config_text):
    """Permendagri 1/2023 Art. 44: the Gubernur signs with his name only, and has no NIP."""
    text = default_config_text.replace('"196505171991031008"', '""')
    config = load_config(write(tmp_path, text))
    assert config.stage[-1].person.nip == "" and config.workflow().signatory.person.nip == ""
    # An official whose block shows the NIP must have one.
    text = default_config_text.replace('"197804152005011002"', '""')
    msg = _errors(tmp_path, text)
    assert "stage[1]" in msg and "person.nip is empty" in msg
