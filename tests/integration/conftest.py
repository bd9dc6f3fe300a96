"""What integration tests share: the sample workspace's configuration and employees.

The sample workspace is the one ``spt init`` writes (``pipeline/resources/workspace``).
A module that needs another configuration defines its own ``config`` fixture.
"""

from __future__ import annotations

import csv

import pytest

from pipeline.config import Config, load_config
from pipeline.resources import WORKSPACE


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(WORKSPACE / "spt.toml")


@pytest.fixture(scope="module")
def employees() -> list[dict[str, str]]:
    """The rows of the sample ``pegawai.csv``."""
    with open(WORKSPACE / "pegawai.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
