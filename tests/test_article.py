"""The normaliser: ids, hashes, dates, and hostile characters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from monitor.article import RawItem, normalise

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_id_is_stable_per_source_and_key_and_hash_ignores_spacing() -> None:
    a = normalise(RawItem(source="s", key="k", title="T", body="one  two"), NOW)
    b = normalise(RawItem(source="s", key="k", title="T", body="one two\n"), NOW)
    c = normalise(RawItem(source="s", key="other", title="T", body="x"), NOW)
    assert a.id == b.id != c.id
    assert a.content_hash == b.content_hash


def test_published_is_timezone_aware_utc() -> None:
    kyiv = timezone(timedelta(hours=3))
    published = datetime(2022, 9, 10, 15, tzinfo=kyiv)
    art = normalise(RawItem(source="s", key="k", title="T", published=published), NOW)
    assert art.published == datetime(2022, 9, 10, 12, tzinfo=UTC)
    assert normalise(RawItem(source="s", key="k", title="T"), NOW).published == NOW


def test_control_and_bidi_characters_are_removed() -> None:
    art = normalise(RawItem(source="s", key="k", title="a\u202eevil\u202c\x07 title", body="x\x00y"), NOW)
    assert art.title == "aevil title" and art.body == "xy"


def test_naive_clock_is_refused() -> None:
    with pytest.raises(ValueError):
        normalise(RawItem(source="s", key="k"), datetime(2026, 1, 1))
