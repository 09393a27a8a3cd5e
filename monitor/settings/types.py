"""Small value types shared by config sections."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# No duration in the config means anything beyond this; it also keeps every
# `now + duration` far from datetime's year 9999.
LONGEST = timedelta(days=3650)


def parse_duration(value: object) -> timedelta:
    """`"90s"`, `"15m"`, `"6h"`, `"3d"`, or a number of seconds (at most ten years)."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a duration such as \"15m\"")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION.match(value)):
        seconds = float(m.group(1)) * _UNITS[m.group(2) or "s"]
    else:
        raise ValueError(f"expected a duration such as \"30s\", \"15m\", \"6h\" or \"3d\", got {value!r:.40}")
    if math.isnan(seconds):
        raise ValueError("expected a duration such as \"15m\", got nan")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    if seconds > LONGEST.total_seconds():  # also inf, 1e309 and "99999999999d"
        raise ValueError(f"{value!r:.40} is too long (at most {format_duration(LONGEST)})")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    seconds = value.total_seconds()
    for unit in ("d", "h", "m"):
        if seconds and seconds % _UNITS[unit] == 0:
            return f"{int(seconds // _UNITS[unit])}{unit}"
    return f"{seconds:g}s"


def at_most(limit: str) -> AfterValidator:
    """`Annotated[Duration, at_most("30d")]`: a duration key with a sane upper bound."""
    cap = parse_duration(limit)

    def check(value: timedelta) -> timedelta:
        if value > cap:
            raise ValueError(f"{format_duration(value)} is too long (at most {limit})")
        return value

    return AfterValidator(check)


Duration = Annotated[timedelta, BeforeValidator(parse_duration), PlainSerializer(format_duration)]


# A feed's or folder's `home`: one place, or a few for an outlet whose area spans a
# border (`["Minnesota", "Wisconsin"]` for a Duluth paper).
MAX_HOMES = 8


def _home_places(value: object) -> str | tuple[str, ...]:
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("must name a place")
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        names = tuple(value)
        if not names or not all(v.strip() for v in names):
            raise ValueError("must name at least one place, each not empty")
        if len(names) > MAX_HOMES:
            raise ValueError(f"at most {MAX_HOMES} places")
        return names[0] if len(names) == 1 else names
    raise ValueError('expected a place name or a list of them, such as "Texas" or ["Minnesota", "Wisconsin"]')


HomePlaces = Annotated[str | tuple[str, ...], BeforeValidator(_home_places)]
