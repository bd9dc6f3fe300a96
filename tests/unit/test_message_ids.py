"""Message-IDs: stable across retries, different between installations, private files."""

from __future__ import annotations

import os
from email.message import EmailMessage

from pipeline.config import load_config
from pipeline.folders.layout import installation_id
from pipeline.mail.outbox import Outbox, message_id_for
from pipeline.store import Store
from pipeline.workspace_init import init_workspace


def _outbox(root):
    config = load_config(init_workspace(root))
    return config, Outbox(config, Store(config.state_dir / "spt.sqlite3"))


def _mail() -> EmailMessage:
    msg = EmailMessage()
    msg["To"] = "rina@diskopukm.kalbarprov.go.id"
    msg["Subject"] = "Uji"
    msg.set_content("isi")
    return msg


def test_two_installations_never_send_the_same_message_id(tmp_path):
    _, training = _outbox(tmp_path / "pelatihan")
    _, production = _outbox(tmp_path / "produksi")
    key = "terbit:SPT-2026-0001"
    assert training.message_id(key) != production.message_id(key)
    # Same installation, a new process (a retry after a crash): the same Message-ID.
    config, again = _outbox(tmp_path / "ulang")
    assert again.message_id(key) == Outbox(config, again.store).message_id(key)
    assert installation_id(config.state_dir) == installation_id(config.state_dir)


def test_mail_queued_before_the_upgrade_is_not_queued_again(tmp_path):
    config, outbox = _outbox(tmp_path / "ws")
    key = "tahap:SPT-2026-0001:1:1"
    legacy = message_id_for(key, config.mail.from_address)
    outbox.installation = ""          # as the version before installation ids queued it
    assert outbox.enqueue(_mail(), key=key, case_id="SPT-2026-0001", kind="tahap") == legacy
    outbox.installation = installation_id(config.state_dir)
    outbox.enqueue(_mail(), key=key, case_id="SPT-2026-0001", kind="tahap")
    assert len(list(config.outbox_dir.glob("*.eml"))) == 1


def test_outbox_files_are_private_whatever_the_umask(tmp_path):
    config, outbox = _outbox(tmp_path / "ws")
    old = os.umask(0)
    try:
        outbox.enqueue(_mail(), key="k", case_id="SPT-2026-0001", kind="terbit")
    finally:
        os.umask(old)
    (eml,) = config.outbox_dir.glob("*.eml")
    assert eml.stat().st_mode & 0o777 == 0o600
    assert config.outbox_dir.stat().st_mode & 0o777 == 0o700
