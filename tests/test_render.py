"""Rendering: hostile article text comes out harmless in every format."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.alerts.render import (
    Renderer,
    TemplateProblem,
    cap,
    clean,
    compile_user_templates,
    safe_url,
    target_format,
)
from monitor.alerts.route import AlertItem, Excerpt
from monitor.settings.alerts import TemplatesConfig

HOSTILE_TITLE = "<img src=x onerror=alert(1)> Izium markerX"
HOSTILE_SENTENCE = (
    "Residents of Izium @everyone <!channel> <@U123> said \u202eevil\u202c text "
    "[click](javascript:alert(3)) <script>alert(6)</script>."
)


def hostile_item(**kw: object) -> AlertItem:
    base: dict[str, object] = dict(
        article_id="a1",
        title=HOSTILE_TITLE + " @here \u202etxt",
        source="feed<b>",
        url="javascript:alert(5)",
        published=datetime(2026, 3, 1, 10, 0, tzinfo=UTC),
        rules=("izium", "kharkiv"),
        excerpt=Excerpt("body", HOSTILE_SENTENCE, ((13, 18),)),
        places=("Izium",),
        priority="high",
        tz="Europe/Kyiv",
    )
    base.update(kw)
    return AlertItem(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_hostile_article_is_harmless_in_every_format(fmt: str) -> None:
    out = Renderer().alert(hostile_item(), fmt)
    for text in (out.title, out.body):
        assert "\u202e" not in text and "\u202c" not in text
        assert "@everyone" not in text and "@here" not in text
        assert "<!channel>" not in text and "<@U123>" not in text
    assert "<" not in out.title and ">" not in out.title  # titles are plain text everywhere
    assert "markerX" in out.title
    if fmt == "html":
        low = out.body.lower()
        assert "<img" not in low and "<script" not in low
        assert 'href="javascript' not in low
        assert "&lt;img src=x onerror=alert(1)&gt;" in out.body
        assert "<mark>Izium</mark>" in out.body
    if fmt == "markdown":
        assert "\\[click\\](javascript:alert(3))" in out.body  # not a live link
        assert "**Izium**" in out.body
    if fmt == "text":
        assert "«Izium»" in out.body


def test_alert_shows_time_in_rule_timezone_places_rules_and_link() -> None:
    item = hostile_item(url="https://news.example/a?x=1&y=2", title="Floods in Izium")
    text = Renderer().alert(item, "text").body
    assert "2026-03-01 12:00 EET" in text  # 10:00 UTC in Kyiv
    assert "Places: Izium" in text and "Rules: izium, kharkiv" in text
    assert "https://news.example/a?x=1&y=2" in text
    html_body = Renderer().alert(item, "html").body
    assert '<a href="https://news.example/a?x=1&amp;y=2">Floods in Izium</a>' in html_body


def test_unsafe_urls_are_dropped() -> None:
    for url in ["javascript:alert(1)", "data:text/html,x", "http://a b", 'https://x/"onmouseover=1', ""]:
        assert safe_url(url) == ""
    assert safe_url("https://example.com/path?q=1") == "https://example.com/path?q=1"


def test_clean_keeps_email_addresses_and_defuses_mentions() -> None:
    assert clean("mail me@example.com") == "mail me@example.com"
    assert "@everyone" not in clean("hi @everyone")
    assert clean("a\x00b\x1bc\u2066d") == "abcd"


def test_digest_newest_first_grouped_by_rule() -> None:
    old = hostile_item(article_id="o", title="Old story", published=datetime(2026, 3, 1, tzinfo=UTC),
                       rules=("alpha",))
    new = hostile_item(article_id="n", title="New story", published=datetime(2026, 3, 2, tzinfo=UTC),
                       rules=("alpha",))
    other = hostile_item(article_id="b", title="Beta story", rules=("beta", "alpha"))
    out = Renderer().digest([old, other, new], "text", "UTC")
    body = out.body
    assert body.index("New story") < body.index("Old story")
    assert body.index("== alpha (2) ==") < body.index("New story")
    assert "== beta (1) ==" in body and "(also: alpha)" in body
    assert out.title == "newsmon digest: 3 articles (alpha, beta)"


def test_empty_digest_says_so() -> None:
    out = Renderer().digest([], "html", "UTC")
    assert "Nothing new" in out.body and "0 articles" in out.title


def test_digest_over_the_cap_drops_oldest_and_says_how_many() -> None:
    items = [hostile_item(article_id=str(i), title=f"Story {i}",
                          published=datetime(2026, 3, 1, i, tzinfo=UTC)) for i in range(20)]
    out = Renderer().digest(items, "html", "UTC", max_chars=4000)
    assert len(out.body) <= 4000
    assert "Story 19" in out.body and "Story 0<" not in out.body
    assert "older articles not shown" in out.body


def test_cap_does_not_cut_inside_html_tags_or_entities() -> None:
    body = "<p>" + "a&amp;" * 10 + "</p>"
    for limit in range(5, len(body)):
        cut = cap(body, "html", limit)
        assert len(cut) <= limit
        tail = cut.rstrip("…")
        assert tail.rfind("<") <= tail.rfind(">")
        assert tail.rfind("&") <= tail.rfind(";")


def test_target_format_prefers_the_services_first_choice() -> None:
    assert target_format(["html", "text"]) == "html"
    assert target_format(["markdown", "text"]) == "markdown"
    assert target_format([]) == "text"


def test_sandbox_blocks_attribute_escape_at_load(tmp_path: Path) -> None:
    evil = tmp_path / "evil.j2"
    evil.write_text("{{ ''.__class__.__mro__ }}", encoding="utf-8")
    with pytest.raises(TemplateProblem, match="unsafe"):
        compile_user_templates(TemplatesConfig.model_construct(html=evil))


def test_template_syntax_error_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.j2"
    bad.write_text("ok\n{% if %}", encoding="utf-8")
    with pytest.raises(TemplateProblem, match=r"templates.text .*line 2"):
        compile_user_templates(TemplatesConfig.model_construct(text=bad))


def test_unknown_variable_is_a_load_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.j2"
    bad.write_text("{{ nosuch.thing }}", encoding="utf-8")
    with pytest.raises(TemplateProblem, match="undefined"):
        compile_user_templates(TemplatesConfig.model_construct(markdown=bad))


def test_user_html_template_is_autoescaped(tmp_path: Path) -> None:
    tpl = tmp_path / "mine.html.j2"
    tpl.write_text("<p>{{ article.title }} [{{ rules|join('|') }}]</p>{{ excerpt }}", encoding="utf-8")
    conf = TemplatesConfig(html=tpl, title="ALERT {{ article.title }}")
    out = Renderer(conf).alert(hostile_item(), "html")
    assert out.body.startswith("<p>&lt;img src=x")
    assert "<mark>Izium</mark>" in out.body and "<img" not in out.body
    assert out.title.startswith("ALERT ‹img")
    # Formats without a user template keep the default.
    assert Renderer(conf).alert(hostile_item(), "text").body.startswith("<img src=x")


def test_missing_template_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateProblem, match="cannot read"):
        compile_user_templates(TemplatesConfig(text=tmp_path / "nope.j2"))


def test_markdown_link_cannot_be_broken_out_of() -> None:
    item = hostile_item(url="https://x.test/a_(b)?q=[1]", title="Click [me](javascript:alert(1))")
    body = Renderer().alert(item, "markdown").body
    assert "[Click \\[me\\](javascript:alert(1))](https://x.test/a_%28b%29?q=%5B1%5D)" in body


def test_user_digest_templates_render_escaped_and_fall_back_per_format(tmp_path: Path) -> None:
    tpl = tmp_path / "digest.html.j2"
    tpl.write_text("<h1>{{ count }} for {{ rules|join(', ') }}</h1>{% for g in groups %}"
                   "{% for a in g['items'] %}<li>{{ a.article.title }}</li>{% endfor %}{% endfor %}",
                   encoding="utf-8")
    conf = TemplatesConfig(digest_html=tpl, digest_title="Desk: {{ count }} ({{ rules|join('/') }})")
    out = Renderer(conf).digest([hostile_item(), hostile_item(article_id="b", rules=("beta",))],
                                "html", "UTC")
    assert out.body.startswith("<h1>2 for izium, beta</h1><li>&lt;img src=x")
    assert "<img" not in out.body
    assert out.title == "Desk: 2 (izium/beta)"
    # Single alerts and other formats keep the built-in templates.
    assert Renderer(conf).digest([hostile_item()], "text", "UTC").body.startswith("== izium (1) ==")
    assert Renderer(conf).alert(hostile_item(), "html").title.startswith("‹img")


def test_broken_digest_template_is_a_config_error_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "d.j2"
    bad.write_text("{{ article.title }}", encoding="utf-8")  # a digest has no `article`
    with pytest.raises(TemplateProblem, match=r"templates.digest_text .*undefined"):
        compile_user_templates(TemplatesConfig(digest_text=bad))
    with pytest.raises(TemplateProblem, match="digest_title"):
        compile_user_templates(TemplatesConfig(digest_title="{{ nosuch }}"))


def test_digest_template_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    from monitor.settings import load_config

    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "d.md.j2").write_text("{{ count }} new", encoding="utf-8")
    conf = tmp_path / "newsmon.toml"
    conf.write_text('[alerts.templates]\ndigest_markdown = "tpl/d.md.j2"\n', encoding="utf-8")
    templates = load_config(conf).alerts.templates
    assert templates is not None and templates.digest_markdown == tmp_path / "tpl" / "d.md.j2"
    assert Renderer(templates).digest([hostile_item()], "markdown", "UTC").body == "1 new"


# -- titles are escaped like bodies, checked at real endpoints -------------------------------------

EVIL_TITLE = "Izium [click](http://evil) ![i](http://evil/x.png) Q&A *bold*"


def _deliver_one(tmp_path: Path, target_urls: list[str], title: str = EVIL_TITLE,
                 templates: str = "") -> None:
    from monitor.app import App
    from monitor.article import RawItem
    from monitor.settings import load_config

    cfg = tmp_path / "c.toml"
    urls = ", ".join(f'"{u}"' for u in target_urls)
    cfg.write_text(f'[[rules]]\nname = "izium"\nquery = "Izium"\nnotify = ["t"]\n'
                   f"[targets]\nt = [{urls}]\n[alerts]\n{templates}", encoding="utf-8")
    app = App(load_config(cfg), state_dir=tmp_path / "state", echo_alerts=False)
    app.open()
    try:
        assert app.pipeline is not None
        app.pipeline.process(RawItem("wire", "k1", title=title, body="Fighting near Izium today."))
        assert app.run_once().delivered == 1
    finally:
        app.stop()


def _no_live_markdown(text: str) -> None:
    assert "[click](" not in text and "![i](" not in text, text
    assert "\\[click\\](http://evil)" in text and "!\\[i\\](http://evil/x.png)" in text, text


def test_title_is_markdown_escaped_on_markdown_services(tmp_path: Path, endpoint: Any) -> None:
    # Mattermost has no title field: Apprise makes the title a Markdown heading of the message.
    mmost = f"mmost://127.0.0.1:{endpoint.port}/abcdefghijklmnopqrstuvwxyz?format=markdown"
    _deliver_one(tmp_path, [mmost, endpoint.url + "?format=markdown"])
    chat, hook = sorted(endpoint.wait_for(2), key=lambda p: "text" not in p)
    heading = chat["text"].splitlines()[0]
    assert heading.startswith("# Izium")
    _no_live_markdown(heading)
    _no_live_markdown(hook["title"])  # a JSON hook asked for Markdown gets an escaped title field
    _no_live_markdown(hook["message"])


def test_title_is_html_escaped_where_it_joins_an_html_body_and_plain_in_a_subject(
        tmp_path: Path, endpoint: Any, smtp: Any) -> None:
    import email
    from email import policy as email_policy

    mmost = f"mmost://127.0.0.1:{endpoint.port}/abcdefghijklmnopqrstuvwxyz?format=html"
    _deliver_one(tmp_path, [mmost, smtp.url], title="Izium Q&A <img src=x>")
    [chat] = endpoint.wait_for(1)
    head = chat["text"].split("<br />")[0]
    assert head == "<b>Izium Q&amp;A ‹img src=x›</b>", head
    [mail] = smtp.wait_for(1)
    subject = str(email.message_from_bytes(mail, policy=email_policy.default)["subject"])
    assert subject == "Izium Q&A ‹img src=x›"  # a subject is plain text, not HTML


def test_user_title_template_and_digest_titles_are_escaped_too(tmp_path: Path, endpoint: Any) -> None:
    mmost = f"mmost://127.0.0.1:{endpoint.port}/abcdefghijklmnopqrstuvwxyz?format=markdown"
    _deliver_one(tmp_path, [mmost], templates='templates = { title = "ALERT {{ article.title }}" }\n')
    heading = endpoint.wait_for(1)[0]["text"].splitlines()[0]
    assert heading.startswith("# ALERT Izium")
    _no_live_markdown(heading)
    conf = TemplatesConfig(digest_title="{% for g in groups %}{% for a in g['items'] %}"
                                        "{{ a.article.title }}{% endfor %}{% endfor %}")
    digest = Renderer(conf).digest([hostile_item(title=EVIL_TITLE)], "markdown", "UTC")
    _no_live_markdown(digest.title)
    default = Renderer().digest([hostile_item(rules=("a_[b](http://evil)",))], "markdown", "UTC")
    assert "[b](http://evil)" not in default.title and "\\[b\\](http://evil)" in default.title


def test_escaped_title_stays_within_the_title_limit() -> None:
    out = Renderer().alert(hostile_item(title="[x]" * 200), "markdown")
    assert len(out.title) <= 250 and out.title.endswith("…")
    assert not out.title.rstrip("…").endswith("\\")  # never a dangling escape
