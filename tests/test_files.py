"""Article files: each format, and every kind of bad file skipped with a reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.sources.files import SkipFile, read_article_file
from tests.conftest import SEED


def test_seed_txt_first_line_is_title() -> None:
    raw = read_article_file(SEED, "seeds")
    assert raw.title.startswith("Russia-Ukraine War")
    assert "Bohun Brigade" in raw.body
    assert raw.published is not None and raw.published.tzinfo is not None


def test_markdown_front_matter(tmp_path: Path) -> None:
    p = tmp_path / "a.md"
    p.write_text("---\ntitle: Front title\nurl: https://example.org/a\npublished: 2022-09-10T12:00:00Z\n"
                 "tags: [war, ukraine]\nsource: wire\n---\n# Heading\n\nBody with a [link](http://x).\n")
    raw = read_article_file(p, "folder")
    assert (raw.title, raw.url, raw.source) == ("Front title", "https://example.org/a", "wire")
    assert raw.tags == ("war", "ukraine")
    assert raw.published is not None and raw.published.year == 2022
    assert "Body with a link." in raw.body


def test_markdown_toml_front_matter(tmp_path: Path) -> None:
    p = tmp_path / "b.md"
    p.write_text('+++\ntitle = "Toml title"\n+++\nText.\n')
    assert read_article_file(p, "f").title == "Toml title"


def test_html_drops_scripts_and_navigation(tmp_path: Path) -> None:
    p = tmp_path / "a.html"
    p.write_text("<html><head><title>Page title</title><script>var secret='x'</script>"
                 "<style>p{}</style></head><body><nav>Home | World</nav><article><p>"
                 + "Real article text about Izium. " * 10
                 + "</p></article><footer>(c)</footer></body></html>")
    raw = read_article_file(p, "f")
    assert raw.title == "Page title"
    assert "Izium" in raw.body
    assert "secret" not in raw.body and "Home" not in raw.body and "(c)" not in raw.body


def test_json_article(tmp_path: Path) -> None:
    p = tmp_path / "a.json"
    p.write_text(json.dumps({"title": "T", "body": "B", "url": "https://e.org", "author": {"name": "A"},
                             "published": "2022-09-10T10:00:00+03:00", "tags": "x, y"}))
    raw = read_article_file(p, "f")
    assert (raw.title, raw.body, raw.author, tuple(raw.tags)) == ("T", "B", "A", ("x", "y"))


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("binary.txt", bytes(range(256)) * 16, "binary"),
        ("picture.gif", b"GIF89a", "unsupported file type"),
        ("broken.json", b'{"title": ', "invalid JSON at line 1"),
        ("list.json", b"[1, 2]", "one article object"),
        ("bad-front.md", b"---\ntitle: [unclosed\n---\nx\n", "front matter is not valid YAML"),
    ],
)
def test_bad_files_are_skipped_with_a_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(SkipFile) as skip:
        read_article_file(p, "f")
    assert reason in skip.value.reason


def test_oversized_and_directory(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("Title\n\n" + "word " * 1000)
    with pytest.raises(SkipFile, match="oversized"):
        read_article_file(big, "f", max_bytes=1000)
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    with pytest.raises(SkipFile, match="not a regular file"):
        read_article_file(folder, "f")


def test_invalid_utf8_is_decoded_with_a_note(tmp_path: Path) -> None:
    p = tmp_path / "latin.txt"
    p.write_bytes(b"Bad bytes \xff Izium title\n\nBody with \xc3\x28 invalid UTF-8 about Izium.\n")
    raw = read_article_file(p, "f")
    assert "Izium" in raw.title and "replaced" in raw.origin
