"""The chaos test at any size: N cases through the real service, SIGKILLed K times.

Same code as ``tests/chaos/test_chaos.py`` (:mod:`tests.support.soak`): a
demo workspace, the real LibreOffice, an SMTP sink counting deliveries per
Message-ID, officials moving every file they see (some cases returned once),
and a killer that SIGKILLs ``spt serve`` at random instants and restarts it.
Prints the figures and every problem found; exit status 1 if any.

    .venv/bin/python bench/soak.py --cases 100 --kills 40 [--seed N] [--converter soffice]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.soak import SoakSettings, run_soak  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--kills", type=int, default=40)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--converter", choices=["unoserver", "soffice"], default="unoserver",
                        help="the warm server (as in production) or a cold soffice per file")
    parser.add_argument("--drop-every", type=float, default=1.0,
                        help="seconds between two invitations")
    parser.add_argument("--keep", type=Path, default=None,
                        help="run in this (new) folder and keep it afterwards")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = SoakSettings(cases=args.cases, kills=args.kills, seed=args.seed,
                            converter=args.converter, drop_every=args.drop_every,
                            timeout=max(900.0, args.cases * 30.0))
    if args.keep:
        args.keep.mkdir(parents=True)
        result = run_soak(args.keep, settings)
    else:
        with tempfile.TemporaryDirectory(prefix="spt-soak-") as tmp:
            result = run_soak(Path(tmp), settings)
    if args.json:
        data = asdict(result)
        data["settings"] = asdict(result.settings)
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(result.figures())
        for problem in result.problems:
            print("PROBLEM:", problem)
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
