"""The verification web application (Flask): the page behind an SPT's QR code.

Routes:

- ``GET /``: what this site is, and a form to check a PDF. No listing of letters.
- ``GET /v/<token>``: the issued letter with this token (the QR code's URL):
  number, date, hal, employees, signatories, agency, status. Any token that
  is not an issued letter's (unknown or malformed alike) gets the same 404
  page, after the same work (:mod:`pipeline.web.tokens`).
- ``POST /periksa`` and ``POST /v/<token>``: check an uploaded PDF with the
  code of ``spt verify`` and say which of "the very file issued", "a genuine
  letter but another file", "not ours" holds (:mod:`pipeline.web.verdict`).
  Rate-limited per client address; the file stays in memory and is never
  stored (:mod:`pipeline.web.upload`).

Every response carries the headers of :mod:`pipeline.web.security`.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, abort, redirect, render_template, request, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from markupsafe import Markup
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from pipeline.config import Config, WebConfig
from pipeline.service import memory
from pipeline.signing.bounded import CheckGate
from pipeline.store.agenda import AgendaEntry
from pipeline.web import security
from pipeline.web.letters import letter_view
from pipeline.web.state import WebState
from pipeline.web.upload import (
    FIELD,
    FRAMING_ALLOWANCE,
    InMemoryRequest,
    UploadRefused,
    format_mb,
    read_upload,
    too_large_message,
)
from pipeline.web.verdict import check_upload

log = logging.getLogger("spt.web")

ROBOTS = "User-agent: *\nDisallow: /\n"
# Worker threads kept for pages (never waiting for a check).
PAGE_THREADS = 4


def create_app(config: Config, settings: WebConfig | None = None) -> Flask:
    """The application for the workspace of ``config`` (``settings``: its ``[web]`` section)."""
    settings = settings or config.web
    state = WebState.for_config(config, settings)
    headers = security.security_headers(state.css)

    app = Flask(__name__, static_folder=None)
    app.request_class = InMemoryRequest
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + FRAMING_ALLOWANCE,
        MAX_FORM_PARTS=16,
    )
    app.extensions["spt"] = state
    if settings.trust_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)  # type: ignore[method-assign]
    # Uploads are checked in bounded child processes, a few at a time; a few more may wait,
    # the rest are told the service is busy, so that threads stay free for the pages.
    checks = CheckGate(config.signature_check.concurrent,
                       max(1, settings.threads - config.signature_check.concurrent
                           - PAGE_THREADS))
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://",
                      headers_enabled=False, strategy="fixed-window")
    app.extensions["spt.limiter"] = limiter

    @app.context_processor
    def _page() -> dict:
        return {
            "css": Markup(state.css),  # our own stylesheet, hashed into the CSP
            "government": config.agency.government,
            "agency": config.agency.name,
            "max_upload_mb": format_mb(settings.max_upload_bytes),
            "upload_field": FIELD,
        }

    @app.after_request
    def _headers(response: Response) -> Response:
        return security.apply(response, headers)

    def not_found() -> tuple[str, int]:
        return render_template("not_found.html"), 404

    def message(title: str, text: str, status: int) -> tuple[str, int]:
        return render_template("message.html", title=title, text=text), status

    def issued(token: str) -> AgendaEntry:
        """The issued letter of ``token``; any other token ends in the 404 page."""
        store = state.store()
        case_id = state.tokens.case_for(store, token)
        entry = store.agenda.for_case(case_id) if case_id else None
        if entry is None:
            abort(404)
        return entry

    def run_check(page_entry: AgendaEntry | None, back: str):
        try:
            data = read_upload(request.files.get(FIELD), max_bytes=settings.max_upload_bytes)
        except UploadRefused as exc:
            return render_template("refused.html", text=str(exc), back=back), exc.status
        try:
            result = check_upload(config, data, state.store(), page_entry=page_entry,
                                  archived=state.signatories.check, gate=checks)
        finally:
            del data
            memory.release()  # the upload's buffers go back to the system, not kept
        log.info("upload checked: %s", result.verdict.value)
        return render_template("result.html", check=result, back=back)

    @app.get("/")
    def index():
        return render_template("index.html")

    @app.get("/robots.txt")
    def robots():
        return Response(ROBOTS, mimetype="text/plain")

    @app.get("/v/<path:token>")
    @limiter.shared_limit(settings.page_rate_limit, scope="halaman")
    def letter(token: str):
        entry = issued(token)
        view = letter_view(config, entry, state.signatories.get(state.store(), entry))
        return render_template("letter.html", letter=view,
                               demo=state.signatories.is_demo(state.store(), entry),
                               action=url_for("letter_check", token=token))

    @app.post("/v/<path:token>")
    @limiter.shared_limit(settings.rate_limit, scope="unggah")
    def letter_check(token: str):
        return run_check(issued(token), back=url_for("letter", token=token))

    @app.post("/periksa")
    @limiter.shared_limit(settings.rate_limit, scope="unggah")
    def check():
        return run_check(None, back=url_for("index"))

    @app.get("/periksa")
    def check_form():
        return redirect(url_for("index"), code=303)

    @app.errorhandler(404)
    def _not_found(_exc):
        return not_found()

    @app.errorhandler(413)
    def _too_large(_exc):
        return message("Berkas terlalu besar", too_large_message(settings.max_upload_bytes), 413)

    @app.errorhandler(429)
    def _too_many(_exc):
        current = limiter.current_limit
        wait = max(1, int(current.reset_at - time.time())) if current else 60
        body, status = message(
            "Terlalu banyak permintaan",
            "Anda sudah terlalu sering memeriksa dalam waktu singkat. "
            f"Silakan coba lagi {_after(wait)}.", 429)
        return Response(body, status=status, headers={"Retry-After": str(wait)})

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        return message("Permintaan tidak dapat dilayani",
                       "Halaman ini tidak menerima permintaan seperti itu.", exc.code or 400)

    @app.errorhandler(Exception)
    def _error(exc: Exception):
        log.exception("web: unexpected error")
        return message("Terjadi kesalahan",
                       "Terjadi kesalahan pada layanan ini. Silakan coba lagi nanti.", 500)

    return app


def _after(seconds: int) -> str:
    """``dalam 40 detik`` / ``dalam 3 menit`` / ``dalam 2 jam``: when to try again."""
    if seconds < 90:
        return f"dalam {seconds} detik"
    if seconds < 90 * 60:
        return f"dalam {round(seconds / 60)} menit"
    return f"dalam {round(seconds / 3600)} jam"
