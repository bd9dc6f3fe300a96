"""Serving the application with waitress, the request body kept in memory and bounded.

Waitress buffers a request body before the application sees it, spilling to a
temporary file past ``inbuf_overflow``. Both that threshold and
``max_request_body_size`` are set just above the upload limit: an upload is
held in memory only, and a larger body is refused before it is read.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable

from flask import Flask
from waitress.server import create_server

from pipeline.config import WebConfig

log = logging.getLogger("spt.web")

# Multipart framing, headers of the part, and the form's other fields.
BODY_ALLOWANCE = 1024 * 1024


def serve(app: Flask, settings: WebConfig, *, host: str, port: int,
          on_ready: Callable[[str], None] | None = None) -> None:
    """Serve ``app`` on ``host:port`` until SIGTERM or SIGINT (``port`` 0: any free port)."""
    body_limit = settings.max_upload_bytes + BODY_ALLOWANCE
    server = create_server(
        app, host=host, port=port, threads=settings.threads, ident="spt-web",
        max_request_body_size=body_limit, inbuf_overflow=body_limit,
        channel_timeout=60, connection_limit=100, expose_tracebacks=False,
    )

    def stop(_signum, _frame) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    listening = getattr(server, "effective_listen", None) or [
        (server.effective_host, server.effective_port)]  # type: ignore[union-attr]
    urls = [f"http://{_url_host(h)}:{p}" for h, p in listening]
    if on_ready:
        on_ready(urls[0])
    log.info("spt web serving on %s", ", ".join(urls))
    try:
        server.run()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.close()
        log.info("spt web stopped")


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
