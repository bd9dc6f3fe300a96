"""One issued letter for the whole session, and applications over it."""

from __future__ import annotations

import pytest

from tests.integration.web.issued import IssuedLetter, run_demo


@pytest.fixture(scope="session")
def issued(tmp_path_factory) -> IssuedLetter:
    return run_demo(tmp_path_factory.mktemp("web") / "demo")
