"""Shared test helpers: paths to the repository's resources and sample data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def default_config_text() -> str:
    return (ROOT / "pipeline" / "resources" / "workspace" / "spt.toml").read_text(encoding="utf-8")
