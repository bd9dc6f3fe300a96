"""The extractor against letters others published (issue 21): ``tests/data/real_letters``.

The letters' texts are real (each one's source is in ``SOURCES.md`` and ``src/``); we
re-typeset them and made some into scans and phone photos (``scripts/make_real_letters.py``).
Goals (issue 21): at least 95 % of fields right, at most 2 % wrong where null was possible.
Timings are the benchmark's business (``bench/extraction.py --sets``), not a test's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline.extract.fields import FIELD_KEYS

from .test_extract_corpus import _bench

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "data" / "real_letters"


@pytest.fixture(scope="module")
def bench():
    return _bench()


@pytest.fixture(scope="module")
def report(bench):
    return bench.run([REAL])


def test_every_letter_names_its_source_and_is_labelled():
    """Each letter names where it was published: a web page's address, or the public
    repository file that keeps a website's content (found with the file search, which gives
    the file's id but not always its repository's name)."""
    sources = sorted((REAL / "src").glob("*.txt"))
    assert len(sources) >= 43
    for path in sources:
        head = path.read_text(encoding="utf-8").split("\n---\n", 1)[0]
        source = head.splitlines()[0]
        assert source.startswith("source: http") or re.search(
            r"public GitHub repository.*read_file ids? \d{6,}", source
        ), path.name
    listed = (REAL / "SOURCES.md").read_text(encoding="utf-8")
    for path in sources:
        assert path.stem in listed, path.name
    for truth in REAL.glob("*.json"):
        assert set(json.loads(truth.read_text(encoding="utf-8"))) == set(FIELD_KEYS), (
            truth.name)


def test_the_set_has_scans_and_phone_photos(report):
    """A fifth of the letters also come as a scan (issue 21), and a few as phone photos."""
    carriers = [
        path.read_text(encoding="utf-8").split("\n---\n", 1)[0]
        for path in (REAL / "src").glob("*.txt")
    ]
    scanned = sum(bool(re.search(r"^carriers:.*\bscan\b", head, re.M)) for head in carriers)
    assert scanned * 5 >= len(carriers), (scanned, len(carriers))
    kinds = [Path(r.file).suffix for r in report.letters]
    assert kinds.count(".jpg") >= 2
    assert sum(r.text_source == "ocr" and r.file.endswith(".pdf") for r in report.letters) >= 2


def test_at_least_95_percent_of_fields_are_right(report, bench):
    assert report.accuracy >= 0.95, bench.render(report, details=True)


def test_a_confidently_wrong_value_is_rare(report, bench):
    assert report.wrong_rate <= 0.02, bench.render(report, details=True)


def test_letters_that_invite_no_one_give_nulls(report):
    for letter in report.letters:
        if "bukan-undangan" in letter.file:
            assert all(value is None for value in letter.got.values()), letter.file
