"""Crash at any instant: 30 cases through the whole chain while the service is SIGKILLed
at least 15 times at random instants, restarted each time, and IT runs spt status, agenda,
verify, audit verify and revoke beside it (see :mod:`tests.support.soak`).

The figures are printed (``pytest -s`` shows them) and the seed is in the
failure message, so a failing run can be replayed with
``bench/soak.py --seed N``.
"""

from __future__ import annotations

import os

import pytest

from tests.support.soak import SoakSettings, run_soak

pytestmark = pytest.mark.slow

CASES = int(os.environ.get("SPT_CHAOS_CASES", "30"))
KILLS = int(os.environ.get("SPT_CHAOS_KILLS", "15"))


def test_killed_at_random_instants_nothing_is_lost_or_done_twice(tmp_path):
    seed = os.environ.get("SPT_CHAOS_SEED")
    settings = SoakSettings(cases=CASES, kills=KILLS, seed=int(seed) if seed else None)
    result = run_soak(tmp_path, settings)
    print("\n" + result.figures())
    assert result.kills >= KILLS
    assert result.cases == CASES
    assert [int(n.split("/")[1]) for n in sorted(result.numbers)] == list(range(1, CASES + 1))
    assert result.verified_pyhanko == result.verified_pdfsig == CASES
    assert result.duplicate_deliveries == 0
    assert result.unexpected_exits == 0
    # IT's commands ran beside the service throughout, and none of them saw stale data.
    assert result.outside_commands >= 10 and result.outside_stale == 0
    assert result.revoked is not None
    assert result.problems == [], f"seed {result.seed}:\n" + "\n".join(result.problems)
