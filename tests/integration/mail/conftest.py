"""Fixtures for the mail tests: a real Dovecot and a real SMTP server (see mail_servers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .mail_servers import Dovecot, SmtpServer, can_run_dovecot, free_port


@pytest.fixture
def dovecot():
    reason = can_run_dovecot()
    if reason:
        pytest.skip(reason)
    server = Dovecot(free_port())
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def dovecot_stopped():
    """A Dovecot configured on a port but not started (the test starts it)."""
    reason = can_run_dovecot()
    if reason:
        pytest.skip(reason)
    server = Dovecot(free_port())
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def smtp_server():
    server = SmtpServer(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def workspace(tmp_path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    return root
