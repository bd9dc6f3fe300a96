"""`spt init` lays out one folder to share, with nothing secret in it; doctor says so."""

from __future__ import annotations

from pipeline.config import load_config
from pipeline.ops.doctor import Section, _check_share
from pipeline.ops.share import samba_config, secrets_inside, shared_root
from pipeline.workspace_init import init_workspace


def test_init_shares_one_folder_without_secrets(tmp_path):
    config = load_config(init_workspace(tmp_path / "ws"))
    root = shared_root(config)
    assert root == tmp_path / "ws" / "bersama"
    assert sorted(p.name for p in root.iterdir()) == ["inbox", "stages"]
    assert secrets_inside(config) == []
    s = Section("share")
    _check_share(config, s)
    assert [f.level for f in s.findings] == ["OK"]
    text = samba_config(config, service_user="spt")
    assert f"path = {root}\n" in text and "read only = yes" in text
    assert "[spt-07-gubernur]" in text and "valid users = spt-gubernur\n" in text


def test_doctor_warns_when_a_secret_is_shared(tmp_path):
    path = init_workspace(tmp_path / "ws")
    text = path.read_text(encoding="utf-8").replace('pki = "pki"', 'pki = "bersama/pki"')
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    s = Section("share")
    _check_share(config, s)
    assert any(f.level == "PERINGATAN" and "pki/" in f.message for f in s.findings)


def test_doctor_warns_when_the_whole_workspace_is_the_share(tmp_path):
    path = init_workspace(tmp_path / "ws")
    text = (path.read_text(encoding="utf-8")
            .replace('shared = "bersama"', 'shared = "."')
            .replace('inbox = "bersama/inbox"', 'inbox = "inbox"')
            .replace('stages = "bersama/stages"', 'stages = "stages"'))
    path.write_text(text, encoding="utf-8")
    s = Section("share")
    _check_share(load_config(path), s)
    assert [f.level for f in s.findings] == ["PERINGATAN"]
    assert "seluruh folder kerja" in s.findings[0].message
