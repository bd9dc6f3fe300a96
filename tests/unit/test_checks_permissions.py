"""The state folder, the database and the secrets open to others are named at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.checks import permission_problems
from pipeline.config import load_config
from pipeline.mail.replies import load_or_create_secret
from pipeline.store import Store


@pytest.fixture
def config(tmp_path, default_config_text):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "pki").mkdir(mode=0o700)
    secret = ws / "pki" / "smtp.pass"
    secret.write_text("Sandi-Uji-Satu\n")
    secret.chmod(0o600)
    (ws / "spt.toml").write_text(default_config_text + (
        '\n[mail.smtp]\nhost = "127.0.0.1"\nuser = "spt"\n'
        'password = { file = "pki/smtp.pass" }\n'), encoding="utf-8")
    config = load_config(ws / "spt.toml")
    config.state_dir.mkdir(mode=0o700)
    Store(config.state_dir / "spt.sqlite3").close()
    load_or_create_secret(config.state_dir)
    return config


def test_a_closed_workspace_has_no_problem(config):
    assert permission_problems(config) == []


@pytest.mark.parametrize("name,mode", [
    ("state", 0o750), ("state/spt.sqlite3", 0o644), ("state/mail-token.key", 0o640),
    ("pki/smtp.pass", 0o604),
])
def test_each_open_one_is_named_with_its_fix(config, name, mode):
    path = Path(config.root) / name
    path.chmod(mode)
    problems = permission_problems(config)
    assert len(problems) == 1
    assert str(path) in problems[0] and f"{mode:04o}" in problems[0] and "chmod" in problems[0]
    assert "Sandi-Uji-Satu" not in problems[0]
