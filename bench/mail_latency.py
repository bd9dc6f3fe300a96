"""Latency from an invitation email arriving in the mailbox to its draft in the drafting folder.

Runs a real Dovecot and SMTP sink (as the tests do), the real service, and
appends N invitation emails one at a time, timing each until
``stages/01-*/<case>.docx`` appears. Needs root (Dovecot runs as in the tests).

    .venv/bin/python bench/mail_latency.py [-n 10] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import SAMPLES  # noqa: E402
from tests.e2e.test_mail_service import invitation, mail_office  # noqa: E402
from tests.integration.mail.mail_servers import Dovecot, SmtpServer, free_port  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    dovecot, smtp = Dovecot(free_port()), SmtpServer(free_port())
    dovecot.start()
    smtp.start()
    samples = sorted(SAMPLES.glob("*.pdf"))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            office = mail_office(Path(tmp), dovecot, smtp)
            office.service.start()
            known: set[str] = set()
            latencies = []
            for i in range(args.n):
                pdf = samples[i % len(samples)]
                # A different file each time (the same invitation twice opens one case).
                unique = Path(tmp) / f"u{i}.pdf"
                unique.write_bytes(pdf.read_bytes() + f"\n% {i}\n".encode())
                started = time.monotonic()
                dovecot.append(invitation(unique))
                case = office.officials.new_cases(known, timeout=60)[0]
                latencies.append(time.monotonic() - started)
                known.add(case)
            office.service.stop()
    finally:
        smtp.stop()
        dovecot.cleanup()
    result = {"n": len(latencies), "median_s": statistics.median(latencies),
              "min_s": min(latencies), "max_s": max(latencies)}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"email arriving -> draft in the drafting folder, n={result['n']}: "
              f"median {result['median_s']:.2f} s (min {result['min_s']:.2f}, "
              f"max {result['max_s']:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
