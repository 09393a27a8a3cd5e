"""Routing: matches -> one alert per (article, target) naming every rule; held or sent per policy."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.alerts.route import (
    ALERT_FORMAT,
    STORY_REASON,
    AlertContext,
    AlertItem,
    Skipped,
    excerpt,
    fold_stories,
    plan_alerts,
    route,
)
from monitor.article import Article, RawItem, normalise
from monitor.match.types import Evidence, Match
from monitor.settings import ConfigError, load_config
from monitor.settings.alerts import AlertsConfig
from monitor.settings.rules import RuleConfig
from monitor.validate import load_checked

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
BODY = ("Officials spoke on Monday. Shelling hit Izium overnight, and Kharkiv lost power! "
        "Repairs are under way.")


def article() -> Article:
    return normalise(RawItem("bbc", "k1", title="Night of shelling", body=BODY, url="https://x.test/a"), NOW)


def ev(word: str, field: str = "body", kind: str = "term", **detail: object) -> Evidence:
    text = article().field_text(field)
    start = text.index(word)
    return Evidence(kind, field, start, start + len(word), word, dict(detail))


def rules() -> list[RuleConfig]:
    return [RuleConfig(name="izium", query="Izium", notify=("chat", "mail")),
            RuleConfig(name="kharkiv", query="Kharkiv", notify=("chat",), priority="high"),
            RuleConfig(name="quiet", query="Repairs", notify=("mail",), quiet="00:00-23:59")]


def test_two_rules_one_target_give_one_alert_naming_both() -> None:
    matches = [Match("izium", (ev("Izium"),)), Match("kharkiv", (ev("Kharkiv"),))]
    routed = {r.target: r for r in route(article(), matches, rules(), AlertsConfig())}
    assert sorted(routed) == ["chat", "mail"]
    assert routed["chat"].item.rules == ("izium", "kharkiv")
    assert routed["chat"].item.priority == "high"  # the highest of the rules
    assert routed["mail"].item.rules == ("izium",)
    assert routed["chat"].key != routed["mail"].key


def test_excerpt_is_the_matching_sentence_with_spans() -> None:
    ex = excerpt(article(), [ev("Izium"), ev("Kharkiv")])
    assert ex is not None
    assert ex.text == "Shelling hit Izium overnight, and Kharkiv lost power!"
    assert [ex.text[a:b] for a, b in ex.spans] == ["Izium", "Kharkiv"]
    # Title evidence only: the title is the excerpt; points have no text.
    ex2 = excerpt(article(), [ev("shelling", field="title"), Evidence("point", "geo", 0, 0, "")])
    assert ex2 is not None and ex2.field == "title" and ex2.spans == ((9, 17),)
    assert excerpt(article(), []) is None


def test_long_sentence_is_cut_around_the_match() -> None:
    body = "word " * 200 + "Izium " + "word " * 200
    art = normalise(RawItem("s", "k", title="t", body=body), NOW)
    start = body.index("Izium")
    ex = excerpt(art, [Evidence("term", "body", start, start + 5, "Izium")], limit=100)
    assert ex is not None and len(ex.text) <= 100 and ex.cut_start and ex.cut_end
    assert [ex.text[a:b] for a, b in ex.spans] == ["Izium"]


def test_places_come_from_place_evidence() -> None:
    matches = [Match("izium", (ev("Izium", kind="place", place="Izium, Ukraine"),))]
    item = route(article(), matches, rules(), AlertsConfig())[0].item
    assert item.places == ("Izium, Ukraine",)


def test_item_round_trips_through_json() -> None:
    item = route(article(), [Match("izium", (ev("Izium"),))], rules(), AlertsConfig())[0].item
    assert AlertItem.from_json(json.loads(json.dumps(item.to_json()))) == item


def test_plan_holds_in_quiet_hours_and_throttles_per_rule_and_target() -> None:
    matches = [Match("quiet", (ev("Repairs"),))]
    [held] = plan_alerts(article(), matches, rules(), AlertsConfig(), NOW).alerts
    assert (held.state, held.reason, held.body_format) == ("held", "quiet-hours", ALERT_FORMAT)
    assert held.release_at is not None and held.release_at > NOW

    throttled = [RuleConfig(name="t", query="Izium", notify=("chat",), max_per_hour=2)]
    m = [Match("t", (ev("Izium"),))]
    # The throttle history is a plain value read before deciding: only this rule's sends count.
    one = AlertContext(sends={"chat": ((("t",), NOW - timedelta(minutes=30)),
                                       (("other",), NOW - timedelta(minutes=1)))})
    [first] = plan_alerts(article(), m, throttled, AlertsConfig(), NOW, one).alerts
    assert first.state == "pending" and first.reason == "immediate"

    full = AlertContext(sends={"chat": ((("t",), NOW - timedelta(minutes=30)),
                                        (("t", "x"), NOW - timedelta(minutes=10)))})
    [second] = plan_alerts(article(), m, throttled, AlertsConfig(), NOW, full).alerts
    assert (second.state, second.reason) == ("held", "throttled")
    assert second.release_at == NOW + timedelta(minutes=30)
    # Another target's history does not throttle this one.
    elsewhere = AlertContext(sends={"mail": full.sends["chat"]})
    [third] = plan_alerts(article(), m, throttled, AlertsConfig(), NOW, elsewhere).alerts
    assert third.reason == "immediate"


def dedupe_rules() -> list[RuleConfig]:
    return [RuleConfig(name="story", query="Izium", notify=("chat", "mail")),
            RuleConfig(name="article", query="Izium", notify=("chat",), dedupe="article"),
            RuleConfig(name="off", query="Izium", notify=("chat",), dedupe="off")]


def dedupe_matches() -> list[Match]:
    return [Match(r.name, (ev("Izium"),)) for r in dedupe_rules()]


def test_plan_leaves_out_what_the_story_already_alerted_per_rule_and_target() -> None:
    context = AlertContext(story_id="s1", story_alerted=frozenset({("story", "chat"), ("article", "chat"),
                                                                  ("off", "chat")}))
    plan = plan_alerts(article(), dedupe_matches(), dedupe_rules(), AlertsConfig(), NOW, context)
    by_target = {(a.target, a.reason): a for a in plan.alerts}
    # chat: "article" and "off" still alert (they do not group by story); "story" is left out.
    assert by_target[("chat", "immediate")].rules == ("article", "off")
    assert by_target[("mail", "immediate")].rules == ("story",)  # the story never alerted mail
    assert plan.skipped == (Skipped("story", "chat", "already-alerted-story"),)
    assert ("chat", "story") not in by_target  # chat had a fresh alert: no "also reported" row
    assert set(plan.alerted) == {("article", "chat"), ("off", "chat"), ("story", "mail")}
    assert json.loads(by_target[("chat", "immediate")].body)["story"] == "s1"


def test_a_story_repeat_becomes_an_also_reported_row_for_the_next_digest() -> None:
    rules_ = [RuleConfig(name="story", query="Izium", notify=("chat",))]
    context = AlertContext(story_id="s1", story_alerted=frozenset({("story", "chat")}))
    matches = [Match("story", (ev("Izium"),))]
    [row] = plan_alerts(article(), matches, rules_, AlertsConfig(), NOW, context).alerts
    assert (row.state, row.reason, row.release_at) == ("held", STORY_REASON, None)
    item = AlertItem.from_json(json.loads(row.body))
    assert item.follow_up and item.story == "s1" and item.source == "bbc"


def test_an_update_re_alerts_only_rules_that_did_not_alert_and_dedupe_off_always() -> None:
    context = AlertContext(article_alerted=frozenset({"story", "article", "off"}), version="abc123")
    plan = plan_alerts(article(), dedupe_matches(), dedupe_rules(), AlertsConfig(), NOW, context)
    [chat] = plan.alerts  # only "off" alerts again; mail's only rule alerted before
    assert chat.rules == ("off",) and chat.key == f"article:{article().id}@abc123"
    assert {(s.rule, s.target, s.reason) for s in plan.skipped} == {
        ("story", "chat", "already-alerted-article"), ("story", "mail", "already-alerted-article"),
        ("article", "chat", "already-alerted-article")}


def test_digest_folds_also_reported_rows_into_their_story() -> None:
    first = route(article(), [Match("izium", (ev("Izium"),))], rules(), AlertsConfig())[0].item
    lead = dataclasses.replace(first, story="s1").to_json()
    copy = dataclasses.replace(first, article_id="x2", source="wire", story="s1", follow_up=True).to_json()
    other = dataclasses.replace(first, article_id="x3", source="afp", story="s2", follow_up=True).to_json()
    other2 = dataclasses.replace(first, article_id="x4", source="ap", story="s2", follow_up=True).to_json()
    folded = fold_stories([lead, copy, other, other2])
    assert [(f["article_id"], f["also"]) for f in folded] == [(first.article_id, ["wire"]), ("x3", ["ap"])]


def test_template_error_is_a_config_error_at_load(tmp_path: Path) -> None:
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "mail.html.j2").write_text("{{ ''.__class__.__mro__ }}", encoding="utf-8")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[alerts.templates]\nhtml = "tpl/mail.html.j2"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_checked(cfg)
    line = str(err.value)
    assert line.startswith(f"{cfg}: alerts.templates: ") and "unsafe" in line and "mail.html.j2" in line


def test_rule_policy_errors_name_file_and_rule(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[[rules]]\nname = "r"\nquery = "x"\nquiet = "late"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"c.toml: rules\[0\].quiet: .*HH:MM-HH:MM"):
        load_config(cfg)


def test_good_template_path_is_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "t.j2").write_text("{{ article.title }}!", encoding="utf-8")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[[rules]]\nname = "r"\nquery = "x"\ntemplates = { text = "t.j2" }\n'
                   '[alerts]\ntz = "Europe/Kyiv"\nmin_interval = { mail = "10s" }\n', encoding="utf-8")
    config = load_config(cfg)
    assert config.rules[0].templates is not None
    assert config.rules[0].templates.text == tmp_path / "t.j2"
    assert config.alerts.min_interval["mail"] == timedelta(seconds=10)
