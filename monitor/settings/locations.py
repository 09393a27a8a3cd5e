"""Location rule sections: a rule's `locations` and user `[[places]]` (location issue)."""

from __future__ import annotations

from pydantic import Field

from monitor.settings.base import StrictModel


class NearConfig(StrictModel):
    place: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    radius_km: float = Field(gt=0, le=20_000)


class LocationsConfig(StrictModel):
    places: tuple[str, ...] = ()
    within: tuple[str, ...] = ()
    near: tuple[NearConfig, ...] = ()
    fields: tuple[str, ...] = ("title", "summary", "body")
    min_mentions: int = Field(default=1, ge=1)


class PlaceConfig(StrictModel):
    name: str
    aliases: tuple[str, ...] = ()
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    parent: str | None = None
    country: str | None = None
