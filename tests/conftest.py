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


@pytest.fixture(autouse=True)
def _services_end_with_their_test():
    """A service started for one test is stopped when that test ends, even if it forgot to.

    Services of wider-scoped fixtures were created before this runs and are left alone.
    """
    from tests.e2e.conftest import STARTED, stop_leftover_services

    before = frozenset(STARTED)
    yield
    stop_leftover_services(keep=before)


# Files that take minutes, handed out first (with ``--no-loadscope-reorder``, which keeps the
# collection order instead of putting the files with the most tests first): one of them
# started last kept one worker busy for minutes after the other had run out of work.
LONGEST_FIRST = (
    "tests/chaos/test_chaos.py",
    "tests/chaos/test_refusal_crash_windows.py",
    "tests/e2e/test_smb_officials.py",
    "tests/bench/test_bench_smoke.py",
    "tests/e2e/test_kill_finalisation.py",
    "tests/hostile/test_hostile_environment.py",
    "tests/e2e/test_delegation.py",
)


@pytest.hookimpl(trylast=True)  # after pytest-randomly has shuffled
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))
