"""The normaliser: ids, hashes, dates, and hostile characters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.article import RawItem, clean_text, normalise

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


# -- clean_text is tuned for speed; it must give exactly what the plain version gives ----------

def reference_clean_text(text: str, limit: int | None = None) -> str:
    """The original, straightforward `clean_text` (one regex per step)."""
    import re
    import unicodedata

    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text)
    text = re.sub(r"[ \t\f\v\u00a0]+", " ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if limit is not None and len(text) > limit:
        text = text[:limit]
    return text


_TRICKY = " \t\f\v\u00a0\n\r\x00\x07\x85\u2028\u2003\u3000\u202e\u2066e\u0301ab"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(_TRICKY), max_size=40) | st.text(max_size=40),
       st.none() | st.integers(0, 30))
def test_clean_text_equals_reference(text: str, limit: int | None) -> None:
    assert clean_text(text, limit) == reference_clean_text(text, limit)


@pytest.mark.parametrize("text", ["a  b", "a \t b", "a\u00a0b", " a ", "a\n\n\n\nb", "a \n \n \n b",
                                  "a\r\n\r\n\r\nb", "\t", "x\u00a0\u00a0 y", "e\u0301 \u202e"])
def test_clean_text_examples_equal_reference(text: str) -> None:
    assert clean_text(text) == reference_clean_text(text)


def test_clean_text_on_corpus_equals_reference() -> None:
    import json
    from pathlib import Path

    corpus = Path(__file__).resolve().parents[1] / "../shared/corpus/bbc-2004.jsonl"
    if not corpus.is_file():
        pytest.skip(f"corpus not found at {corpus}")
    with corpus.open(encoding="utf-8") as handle:
        for line in list(handle)[:300]:
            row = json.loads(line)
            for text in (row["title"], row["body"]):
                assert clean_text(text) == reference_clean_text(text)
