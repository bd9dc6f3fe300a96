"""Shared test helpers: paths to the repository's resources and sample data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def default_config_text() -> str:
    return (ROOT / "pipeline" / "resources" / "workspace" / "spt.toml").read_text(encoding="utf-8")


@pytest.fixture(scope="session", autouse=True)
def _no_service_outlives_the_session():
    """Stop every ``spt serve`` a test started and left running (and so its LibreOffice)."""
    yield
    from tests.e2e.conftest import stop_leftover_services

    stop_leftover_services()
