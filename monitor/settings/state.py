"""Where the state lives: a SQLite file in the state dir, or a shared PostgreSQL database."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, field_validator

from monitor.settings.base import StrictModel
from monitor.settings.types import Duration


class StateConfig(StrictModel):
    # None: SQLite in the state dir (one instance). "postgresql://USER:PASSWORD@HOST/DB":
    # any number of `newsmon run` instances share the work through this database.
    url: str | None = None
    # How long a dead instance's work (a lane, a feed poll, an article) stays claimed.
    lease_ttl: Duration = Field(default=timedelta(seconds=30), validate_default=True)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        scheme = value.split("://", 1)[0].lower() if "://" in value else ""
        if scheme not in {"postgresql", "postgres", "postgresql+psycopg"}:
            raise ValueError('expected a PostgreSQL URL, "postgresql://USER:PASSWORD@HOST:PORT/DATABASE" '
                             "(leave [state] out for SQLite in state_dir)")
        return value

    @field_validator("lease_ttl")
    @classmethod
    def _ttl(cls, value: timedelta) -> timedelta:
        if not timedelta(seconds=5) <= value <= timedelta(hours=1):
            raise ValueError("expected a duration from 5s to 1h")
        return value
