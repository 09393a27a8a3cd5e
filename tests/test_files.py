"""Article files: each format, and every kind of bad file skipped with a reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.sources.files import SkipFile, load_file, parse_items, read_article_file
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


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_utf16_and_utf32_with_a_bom_are_decoded_not_called_binary(tmp_path: Path, codec: str) -> None:
    p = tmp_path / "wide.txt"
    text = "Use &lt;div&gt; in Kharkiv\n\nShelling reported near Kharkiv.\n"
    bom = {"utf-16-be": b"\xfe\xff", "utf-32-be": b"\x00\x00\xfe\xff"}.get(codec, b"")
    p.write_bytes(bom + text.encode(codec))  # utf-16/utf-32 write their own (little-endian) BOM
    raw = read_article_file(p, "f")
    assert (raw.title, raw.body) == ("Use &lt;div&gt; in Kharkiv", "Shelling reported near Kharkiv.")


def test_utf16_bom_with_broken_text_is_skipped_with_a_reason(tmp_path: Path) -> None:
    p = tmp_path / "broken.txt"
    p.write_bytes(b"\xff\xfeA\x00\x00\xd8")  # a lone high surrogate
    with pytest.raises(SkipFile, match="UTF-16 byte order mark but is not valid UTF-16"):
        read_article_file(p, "f")


def test_jsonl_batch_is_one_item_per_line_and_a_bad_line_is_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    p = tmp_path / "batch.jsonl"
    p.write_text('{"id": "a-1", "title": "First", "body": "One"}\n'
                 '{"title": "Broken", \n'
                 '\n'
                 '{"title": "Third", "body": "Three", "url": "https://example.org/3"}\n'
                 '[1, 2]\n')
    items = parse_items(p, load_file(p), "batch-src", key="in/batch.jsonl")
    assert [(i.key, i.title, i.body) for i in items] == [
        ("id:a-1", "First", "One"), ("in/batch.jsonl#line4", "Third", "Three")]
    assert items[1].url == "https://example.org/3"
    [message] = [r.getMessage() for r in caplog.records]
    assert "batch.jsonl" in message and "line 2: invalid JSON" in message and "line 5:" in message


def test_jsonl_with_no_good_line_is_skipped(tmp_path: Path) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text("not json\n")
    with pytest.raises(SkipFile, match=r"no article in the batch \(line 1: invalid JSON"):
        parse_items(p, load_file(p), "f")


_MAIL_HEAD = ("From: =?utf-8?q?Desk_=C3=89dition?= <desk@example.org>\nTo: me@example.org\n"
              "Subject: Road closed near Izium\nDate: Tue, 02 Dec 2025 08:30:00 +0100\nMIME-Version: 1.0\n")


def test_eml_plain_mail_is_one_article(tmp_path: Path) -> None:
    p = tmp_path / "mail.eml"
    p.write_bytes((_MAIL_HEAD + "Content-Type: text/plain; charset=utf-8\n\n"
                   "The road to Izium is closed since this morning.\n").encode())
    [item] = parse_items(p, load_file(p), "mail")
    assert item.title == "Road closed near Izium"
    assert item.author == "Desk \u00c9dition <desk@example.org>"
    assert item.published is not None and item.published.isoformat() == "2025-12-02T08:30:00+01:00"
    assert item.body.strip() == "The road to Izium is closed since this morning."


def _html_mail(tmp_path: Path, html: str) -> Path:
    p = tmp_path / "letter.eml"
    p.write_bytes((_MAIL_HEAD + 'Content-Type: multipart/alternative; boundary="b"\n\n--b\n'
                   "Content-Type: text/plain; charset=utf-8\n\nplain version\n--b\n"
                   "Content-Type: text/html; charset=utf-8\n\n" + html + "\n--b--\n").encode())
    return p


def test_eml_newsletter_of_links_becomes_one_item_per_linked_article(tmp_path: Path) -> None:
    p = _html_mail(tmp_path, (
        "<h1>Morning briefing</h1><ul>"
        '<li><a href="https://news.example/a">Shelling reported in Izium overnight</a></li>'
        '<li><a href="https://news.example/b">Bridge repairs finished near Kharkiv</a></li>'
        '<li><a href="https://news.example/c">Power back in most of Kupiansk today</a></li>'
        '<li><a href="https://news.example/b">Bridge repairs finished near Kharkiv</a></li>'
        '</ul><p><a href="https://news.example/unsubscribe?u=1">Unsubscribe from this list</a></p>'))
    items = parse_items(p, load_file(p), "mail", key="letter.eml")
    assert [(i.title, i.url) for i in items] == [
        ("Shelling reported in Izium overnight", "https://news.example/a"),
        ("Bridge repairs finished near Kharkiv", "https://news.example/b"),
        ("Power back in most of Kupiansk today", "https://news.example/c")]
    assert len({i.key for i in items}) == 3 and all(i.key.startswith("letter.eml#") for i in items)


def test_eml_html_mail_with_a_few_links_in_text_is_one_article(tmp_path: Path) -> None:
    prose = "<p>" + "Long reporting paragraph about the situation in the region. " * 20 + "</p>"
    links = "".join(f'<p>See <a href="https://x.example/{n}">our earlier report number {n}</a>.</p>'
                    for n in range(3))
    p = _html_mail(tmp_path, prose + links)
    [item] = parse_items(p, load_file(p), "mail")
    assert item.title == "Road closed near Izium" and item.body == "plain version"
