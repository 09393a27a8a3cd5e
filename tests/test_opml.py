"""OPML import/export: a real-reader-shaped export, duplicates, drop-in file, round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.settings import load_config
from monitor.sources.opml import OpmlError, export_opml, parse_opml, plan_import

FIX = Path(__file__).parent / "fixtures" / "feeds"
EXPORT = FIX / "reader-export.opml"


def run(*args: str) -> tuple[int, str]:
    from monitor.cli import main

    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_parse_nested_folders_as_tags() -> None:
    feeds = parse_opml(EXPORT.read_bytes())
    by_url = {f.url: f for f in feeds}
    assert by_url["https://feeds.bbci.co.uk/news/world/rss.xml"].tags == ("News", "World")
    assert by_url["https://meduza.io/rss/en/all"].name == "Meduza & Co"
    assert by_url["https://meduza.io/rss/en/all"].tags == ("News", "Europe")
    assert by_url["https://example.com/feed.json"].tags == ()
    assert len(feeds) == 8


def test_plan_skips_duplicates_and_makes_names_unique() -> None:
    feeds = parse_opml(EXPORT.read_bytes())
    plan = plan_import(feeds, ["http://FEEDS.arstechnica.com/arstechnica/index#x"], ["Meduza & Co"])
    added = [(f.name, f.url) for f in plan.added]
    assert added == [
        ("BBC News - World", "https://feeds.bbci.co.uk/news/world/rss.xml"),
        ("Kyiv Independent", "https://kyivindependent.com/feed/"),
        ("Meduza & Co (2)", "https://meduza.io/rss/en/all"),
        ("Ars Technica", "https://feeds.arstechnica.com/arstechnica/science"),
        ('Unfiled "quoted" feed', "https://example.com/feed.json"),
    ]
    reasons = sorted(why for _, why in plan.skipped)
    assert reasons == ["duplicate URL", "duplicate URL", "not an http(s) URL"]


@pytest.mark.parametrize(
    "data",
    [
        b"not xml at all <",
        b"<html><body/></html>",
        b"<opml version='2.0'><head/></opml>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body/></opml>',
    ],
)
def test_bad_opml_is_refused(data: bytes) -> None:
    with pytest.raises(OpmlError):
        parse_opml(data)


def test_import_writes_dropin_adds_include_and_round_trips(tmp_path: Path) -> None:
    main = tmp_path / "newsmon.toml"
    main.write_text(
        '# my config\nlog_level = "info"\n\n[[feeds]]\nname = "Ars Technica"\n'
        'url = "http://feeds.arstechnica.com/arstechnica/index"\ntags = ["Tech"]\n',
        encoding="utf-8",
    )
    code, out = run("feeds", "import", str(EXPORT), "--config", str(main))
    assert code == 0, out
    assert "skipped: Ars Technica (http://feeds.arstechnica.com/arstechnica/index): duplicate URL" in out
    assert "skipped: Local file (file:///etc/passwd): not an http(s) URL" in out
    assert "5 feed(s) written to" in out and 'added `include = ["feeds.d/*.toml"]`' in out
    dropin = tmp_path / "feeds.d" / "reader-export.toml"
    assert dropin.is_file()
    config = load_config(main)
    assert len(config.feeds) == 6
    assert {f.name: f.tags for f in config.feeds}["Ars Technica (2)"] == ("Tech",)
    # Again: everything is a duplicate now, nothing changes.
    before = dropin.read_text(encoding="utf-8")
    code, out = run("feeds", "import", str(EXPORT), "--config", str(main))
    assert code == 0 and "nothing to add" in out and dropin.read_text(encoding="utf-8") == before
    # Export, import into an empty config: the same feeds, names and tags.
    exported = tmp_path / "out.opml"
    code, out = run("feeds", "export", "--config", str(main), "-o", str(exported))
    assert code == 0, out
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "newsmon.toml").write_text("", encoding="utf-8")
    code, out = run("feeds", "import", str(exported), "--config", str(fresh / "newsmon.toml"))
    assert code == 0, out
    again = load_config(fresh / "newsmon.toml")
    assert sorted((f.name, f.url, f.tags) for f in again.feeds) == sorted(
        (f.name, f.url, f.tags) for f in config.feeds
    )


def test_include_that_misses_the_dropin_is_reported(tmp_path: Path) -> None:
    main = tmp_path / "newsmon.toml"
    main.write_text('include = ["conf.d/*.toml"]\n', encoding="utf-8")
    code, _out = run("feeds", "import", str(EXPORT), "--config", str(main))
    assert code == 2
    assert not (tmp_path / "feeds.d").exists()
    assert main.read_text(encoding="utf-8") == 'include = ["conf.d/*.toml"]\n'


def test_export_escapes_and_nests() -> None:
    text = export_opml([('A <b> & "c"', "https://x/?a=1&b=2", ("News", "World")), ("B", "https://y/", ())])
    feeds = parse_opml(text.encode())
    assert [(f.name, f.url, f.tags) for f in feeds] == [
        ("B", "https://y/", ()),
        ('A <b> & "c"', "https://x/?a=1&b=2", ("News", "World")),
    ]
