"""Runs unoserver for the service and makes sure it, and its LibreOffice, end with it.

Started by :mod:`pipeline.convert.unoserver` with the interpreter that has ``uno``
(Debian's ``/usr/bin/python3``), as ``python3 unoserver_launcher.py UNOSERVER_PATH ARGS…``;
it imports nothing of spt. It asks the kernel for a SIGTERM when the service goes
(``PR_SET_PDEATHSIG``: even a SIGKILLed service), runs unoserver as its child, and on
SIGTERM stops it the gentle way (SIGTERM to unoserver alone, which ends its soffice), then,
after a grace period, SIGKILLs the whole process group it leads. unoserver's own handler
can hang when LibreOffice is still starting or ``oosplash`` is stuck (seen under load: a
SIGKILLed service left unoserver and oosplash running); the group kill ends both.
"""

import ctypes
import os
import signal
import sys
import time

GRACE_SECONDS = 8.0


def main() -> int:
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != int(os.environ.get("SPT_SERVICE_PID", "0")):
        return 0  # the service was gone before the request took effect
    unoserver_path, args = sys.argv[1], sys.argv[2:]
    child = os.fork()
    if child == 0:
        # Not this file's folder (it holds spt's own unoserver.py), but the venv's packages.
        here = os.path.dirname(os.path.abspath(__file__))
        sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
        sys.path.append(unoserver_path)
        sys.argv = ["unoserver", *args]
        from unoserver.server import main as unoserver_main

        os._exit(unoserver_main() or 0)

    def stop(_signum, _frame) -> None:
        try:
            os.kill(child, signal.SIGTERM)
            deadline = time.monotonic() + GRACE_SECONDS
            while time.monotonic() < deadline and os.waitpid(child, os.WNOHANG)[0] == 0:
                time.sleep(0.1)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.killpg(0, signal.SIGKILL)  # whatever is left of the group, this process included

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    _, status = os.waitpid(child, 0)
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 1


if __name__ == "__main__":
    sys.exit(main())
