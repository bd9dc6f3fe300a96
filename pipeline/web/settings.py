"""The ``[web]`` section of ``spt.toml``: where ``spt web`` listens and what it accepts.

Until :class:`pipeline.config.Config` carries a ``web`` field, the defaults
apply (:func:`web_settings`); ``spt web`` options override single values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    from pipeline.config import Config


class WebConfig(BaseModel):
    """Settings of the verification page (``spt web``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    max_upload_mb: float = Field(default=10.0, gt=0, le=100)
    # Per client address; flask-limiter's memory storage: one process, counts lost on restart.
    rate_limit: str = "10/minute;100/hour"          # uploads (POST /periksa, POST /v/<token>)
    page_rate_limit: str = "120/minute;2000/hour"   # letter pages (GET /v/<token>)
    # Behind a reverse proxy: take the client address from X-Forwarded-For (one hop).
    trust_proxy: bool = False
    threads: int = Field(default=4, ge=1, le=64)

    @field_validator("rate_limit", "page_rate_limit")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        try:
            from limits import parse_many  # here: it imports asyncio (90 ms, 9 MB)

            parse_many(value)
        except ValueError:
            raise ValueError(
                f"'{value}' is not a rate limit (e.g. \"10/minute;100/hour\")"
            ) from None
        return value

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)


def web_settings(config: Config) -> WebConfig:
    """The configured ``[web]`` section, or the defaults."""
    value = getattr(config, "web", None)
    return value if isinstance(value, WebConfig) else WebConfig()
