"""Location rule sections: a rule's `locations` and user `[[places]]` (location issue)."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from monitor.settings.base import StrictModel

# Place mentions are looked for in these article fields (docs/locations.md).
LOCATION_FIELDS = ("title", "summary", "body")


class NearConfig(StrictModel):
    """A circle: around a named place, or around `lat`/`lon`."""

    place: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)
    radius_km: float = Field(gt=0, le=20_000, allow_inf_nan=False)

    @model_validator(mode="after")
    def _centre(self) -> NearConfig:
        has_point = self.lat is not None or self.lon is not None
        if self.place is not None and has_point:
            raise ValueError("give `place` or `lat`/`lon`, not both")
        if self.place is None and (self.lat is None or self.lon is None):
            raise ValueError("needs `place`, or both `lat` and `lon`")
        return self


class LocationsConfig(StrictModel):
    places: tuple[str, ...] = ()
    within: tuple[str, ...] = ()
    near: tuple[NearConfig, ...] = ()
    fields: tuple[str, ...] = LOCATION_FIELDS
    min_mentions: int = Field(default=1, ge=1, le=1000)

    @field_validator("fields")
    @classmethod
    def _fields(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [f for f in value if f not in LOCATION_FIELDS]
        if unknown:
            raise ValueError(f"unknown field {unknown[0]!r}; expected some of "
                             f"{', '.join(LOCATION_FIELDS)}")
        if not value:
            raise ValueError("needs at least one field")
        return value

    @model_validator(mode="after")
    def _something(self) -> LocationsConfig:
        if not (self.places or self.within or self.near):
            raise ValueError("needs `places`, `within` or `near`")
        return self


class PlaceConfig(StrictModel):
    name: str
    aliases: tuple[str, ...] = ()
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    parent: str | None = None
    country: str | None = None
