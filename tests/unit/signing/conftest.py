"""Fixtures for the signing unit tests: a demo workspace with keys, in a temporary folder."""

from __future__ import annotations

import pytest

from pipeline.config import Config
from pipeline.signing.demo_pki import DemoPki
from tests.support.signing import demo_workspace


@pytest.fixture
def workspace(tmp_path) -> tuple[Config, DemoPki]:
    return demo_workspace(tmp_path / "ws")


@pytest.fixture
def config(workspace) -> Config:
    return workspace[0]


@pytest.fixture
def pki(workspace) -> DemoPki:
    return workspace[1]
