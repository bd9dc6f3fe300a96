"""The hostile corpus through the validation functions alone (fast; no service needed).

The same files as :mod:`tests.hostile.test_hostile_inputs`, checked by
:func:`pipeline.untrusted.files.check_file`: what the service refuses, the
validation refuses with the same reason; what it takes, the validation takes.
"""

from __future__ import annotations

import pytest

from pipeline.config import LimitsConfig
from pipeline.extract import ExtractLimits
from pipeline.untrusted.files import Unusable, check_file
from tests.hostile.cases import CASES, IDS, Hostile


def test_the_corpus_is_big_enough():
    assert len(CASES) >= 30
    assert len(set(IDS)) == len(IDS)


@pytest.mark.parametrize("h", [h for h in CASES if h.file_like], ids=lambda h: h.id)
def test_the_validation_alone_agrees(tmp_path, h: Hostile):
    scratch = tmp_path / "luar"
    scratch.mkdir()
    folder = tmp_path / "inbox"
    folder.mkdir()
    path = h.make(folder, scratch)
    if path.suffix == ".eml" or h.outcome == "diproses":
        assert check_file(path, ExtractLimits.from_config(LimitsConfig())).kind in ("pdf", "docx", "eml")
        return
    with pytest.raises(Unusable) as exc:
        check_file(path, ExtractLimits.from_config(LimitsConfig()))
    assert h.reason in exc.value.reason
