"""Response headers that keep the verification page to itself.

The page loads nothing from anywhere (it must work on an intranet with no
internet): its only stylesheet is inline and allowed by its SHA-256 in the
Content-Security-Policy (no ``'unsafe-inline'``), there is no script at all,
images are inline SVG or ``data:`` URLs, forms post only to this site, and no
one may frame it. No page is cached or indexed: a letter page names people.
"""

from __future__ import annotations

import base64
import hashlib

from flask import Response


def style_hash(css: str) -> str:
    """The CSP source expression allowing exactly this inline ``<style>`` content."""
    digest = hashlib.sha256(css.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(css: str) -> str:
    return "; ".join([
        "default-src 'none'",
        f"style-src {style_hash(css)}",
        "img-src 'self' data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ])


def security_headers(css: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(css),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "Pragma": "no-cache",
        "X-Robots-Tag": "noindex, nofollow",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }


def apply(response: Response, headers: dict[str, str]) -> Response:
    for name, value in headers.items():
        response.headers[name] = value
    return response
