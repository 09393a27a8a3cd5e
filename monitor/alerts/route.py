"""Matches -> alerts: one `AlertItem` per (article, target), naming every rule.

Pure: no I/O, no clock. The pipeline first reads what a decision needs from the
store into an `AlertContext` (throttle history of the targets concerned, rules
already alerted on the article and its story), then calls `plan_alerts`, which
returns the outbox rows and, for every (rule, target) left out, a named reason.
`policy.py` decides *when* each row goes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from monitor.alerts.policy import Decision, decide_alert, notify_type
from monitor.article import Article
from monitor.match.types import Evidence, Match
from monitor.settings.alerts import PRIORITIES, AlertsConfig, Policy, Priority, effective_policy
from monitor.settings.rules import RuleConfig
from monitor.store.base import NewAlert, OutboxRow

EXCERPT_CHARS = 320  # the quoted sentence is cut around the match beyond this
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\n+")
_PLACE_KINDS = {"place", "point"}
_FIELD_PREFERENCE = ("body", "summary", "title", "tags")


@dataclass(frozen=True, slots=True)
class Excerpt:
    """The sentence that matched, with highlight spans relative to `text`."""

    field: str
    text: str
    spans: tuple[tuple[int, int], ...] = ()
    cut_start: bool = False  # text was cut before / after: show an ellipsis
    cut_end: bool = False


@dataclass(frozen=True, slots=True)
class AlertItem:
    """What an alert says about one article; JSON-able, so it can sit in the outbox."""

    article_id: str
    title: str
    source: str
    url: str
    published: datetime
    rules: tuple[str, ...]
    excerpt: Excerpt | None = None
    places: tuple[str, ...] = ()
    priority: Priority = "normal"
    tz: str = "UTC"
    story: str = ""  # the story id (docs/stories.md); "" if none
    also: tuple[str, ...] = ()  # other sources that reported the story ("also reported by")
    follow_up: bool = False  # the story already alerted this target: shown only in a digest

    def to_json(self) -> dict[str, Any]:
        ex = self.excerpt
        return {
            "article_id": self.article_id,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "published": self.published.isoformat(),
            "rules": list(self.rules),
            "excerpt": None if ex is None else {
                "field": ex.field, "text": ex.text, "spans": [list(s) for s in ex.spans],
                "cut_start": ex.cut_start, "cut_end": ex.cut_end,
            },
            "places": list(self.places),
            "priority": self.priority,
            "tz": self.tz,
            "story": self.story,
            "also": list(self.also),
            "follow_up": self.follow_up,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AlertItem:
        ex = data.get("excerpt")
        return cls(
            article_id=str(data["article_id"]),
            title=str(data["title"]),
            source=str(data["source"]),
            url=str(data["url"]),
            published=datetime.fromisoformat(data["published"]),
            rules=tuple(data["rules"]),
            excerpt=None if not ex else Excerpt(
                ex["field"], ex["text"], tuple((int(a), int(b)) for a, b in ex["spans"]),
                bool(ex.get("cut_start")), bool(ex.get("cut_end")),
            ),
            places=tuple(data.get("places", ())),
            priority=data.get("priority", "normal"),
            tz=data.get("tz", "UTC"),
            story=str(data.get("story") or ""),
            also=tuple(str(a) for a in data.get("also") or ()),
            follow_up=bool(data.get("follow_up")),
        )


@dataclass(frozen=True, slots=True)
class Routed:
    """One alert for one target: the item, the rules' policies, its idempotency key."""

    target: str
    item: AlertItem
    policies: Mapping[str, Policy] = field(default_factory=dict)  # rule name -> policy

    @property
    def key(self) -> str:
        return alert_key(self.item.article_id, self.target)


def alert_key(article_id: str, target: str) -> str:
    """Stable across re-sends and restarts: the idempotency key receivers may dedupe on."""
    return hashlib.sha256(f"{article_id}\x1f{target}".encode()).hexdigest()[:24]


def route(
    article: Article,
    matches: Sequence[Match],
    rules: Sequence[RuleConfig],
    alerts: AlertsConfig,
) -> list[Routed]:
    """Group matches by target: several rules naming one target give one alert."""
    by_name = {r.name: r for r in rules}
    per_target: dict[str, list[Match]] = {}
    for m in matches:
        rule = by_name.get(m.rule)
        if rule is None:
            continue
        for target in dict.fromkeys(rule.notify):
            per_target.setdefault(target, []).append(m)
    out = []
    for target, group in per_target.items():
        policies = {m.rule: effective_policy(alerts, by_name[m.rule]) for m in group}
        out.append(Routed(target, build_item(article, group, policies), policies))
    return out


def build_item(article: Article, matches: Sequence[Match], policies: Mapping[str, Policy]) -> AlertItem:
    evidence = [e for m in matches for e in m.evidence]
    first_policy = next(iter(policies.values()), None)
    priority: Priority = max((p.priority for p in policies.values()), key=PRIORITIES.index, default="normal")
    return AlertItem(
        article_id=article.id,
        title=article.title,
        source=article.source,
        url=article.url,
        published=article.published,
        rules=tuple(dict.fromkeys(m.rule for m in matches)),
        excerpt=excerpt(article, evidence),
        places=places(evidence),
        priority=priority,
        tz=first_policy.tz if first_policy else "UTC",
    )


def places(evidence: Sequence[Evidence]) -> tuple[str, ...]:
    names = []
    for e in evidence:
        if e.kind in _PLACE_KINDS:
            name = e.detail.get("place") or e.detail.get("name") or e.text
            names.append(str(name))
    return tuple(dict.fromkeys(n for n in names if n))


def excerpt(article: Article, evidence: Sequence[Evidence], limit: int = EXCERPT_CHARS) -> Excerpt | None:
    """The sentence around the first textual match, preferring body over title."""
    textual = [e for e in evidence if e.kind != "point" and e.end > e.start]
    if not textual:
        return None
    fields = {e.field for e in textual}
    name = next((f for f in _FIELD_PREFERENCE if f in fields), textual[0].field)
    text = article.field_text(name)
    hits = sorted((e.start, e.end) for e in textual if e.field == name and e.end <= len(text))
    if not hits:
        return None
    anchor_start, anchor_end = hits[0]
    start, end = _sentence_bounds(text, anchor_start, anchor_end)
    cut_start = cut_end = False
    if end - start > limit:
        # Centre the window on the first hit, then snap to word borders.
        half = max(0, (limit - (anchor_end - anchor_start)) // 2)
        new_start = max(start, anchor_start - half)
        new_end = min(end, new_start + limit)
        new_start = max(start, min(new_start, new_end - limit))
        cut_start, cut_end = new_start > start, new_end < end
        start, end = _snap(text, new_start, new_end, anchor_start, anchor_end)
    spans = []
    for a, b in hits:
        if a >= start and b <= end:
            spans.append((a - start, b - start))
    return Excerpt(name, text[start:end], _merge(spans), cut_start, cut_end)


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    s = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        s = m.end()
    after = _SENTENCE_END.search(text, end)
    e = after.start() if after else len(text)
    while s < start and text[s].isspace():
        s += 1
    return s, max(e, end)


def _snap(text: str, start: int, end: int, keep_start: int, keep_end: int) -> tuple[int, int]:
    if start > 0:
        space = text.find(" ", start, keep_start)
        if space != -1:
            start = space + 1
    if end < len(text):
        space = text.rfind(" ", keep_end, end)
        if space != -1:
            end = space
    return start, end


def _merge(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return tuple(out)


# -- outbox rows -------------------------------------------------------------------
# An alert row's body is the AlertItem as JSON (body_format "alert"); a digest
# row's body lists the items (body_format "digest"). Rows are rendered per
# service when sent, so one row serves an email and a chat service alike.

ALERT_FORMAT = "alert"
DIGEST_FORMAT = "digest"
STORY_REASON = "story"  # a held "also reported by" row, folded into the target's next digest
SendHistory = tuple[tuple[tuple[str, ...], datetime], ...]  # ((rules, queued at), ...)
SkipReason = Literal["already-alerted-article", "already-alerted-story"]


@dataclass(frozen=True, slots=True)
class AlertContext:
    """Everything routing needs from the state, read before deciding (no reads mid-decision)."""

    sends: Mapping[str, SendHistory] = field(default_factory=dict)  # target -> sends in the last hour
    article_alerted: frozenset[str] = frozenset()  # rules that alerted on an earlier version
    story_id: str = ""
    story_alerted: frozenset[tuple[str, str]] = frozenset()  # (rule, target) the story already alerted
    version: str = ""  # "" for an article's first version; the content hash for an update


@dataclass(frozen=True, slots=True)
class Skipped:
    rule: str
    target: str
    reason: SkipReason


@dataclass(frozen=True, slots=True)
class Plan:
    alerts: tuple[NewAlert, ...] = ()
    skipped: tuple[Skipped, ...] = ()

    @property
    def alerted(self) -> tuple[tuple[str, str], ...]:
        """(rule, target) pairs this plan alerts, now or in a digest (not "also reported" rows)."""
        return tuple((r, a.target) for a in self.alerts if a.reason != STORY_REASON for r in a.rules)

    @property
    def rules_alerted(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r for r, _ in self.alerted))


def skip_reason(rule: RuleConfig, target: str, context: AlertContext) -> SkipReason | None:
    """Why `rule` must not alert `target` again for this article, under its `dedupe` mode."""
    if rule.dedupe == "off":
        return None
    if rule.name in context.article_alerted:
        return "already-alerted-article"
    if rule.dedupe == "story" and (rule.name, target) in context.story_alerted:
        return "already-alerted-story"
    return None


def plan_alerts(
    article: Article,
    matches: Sequence[Match],
    rules: Sequence[RuleConfig],
    alerts: AlertsConfig,
    now: datetime,
    context: AlertContext | None = None,
) -> Plan:
    """Matches -> outbox rows, each sent now or held under its rules' policy.

    A (rule, target) the article or its story already alerted is left out with
    its reason; when left out for the story, the target gets an "also reported
    by" row that waits for its next digest.
    """
    context = context or AlertContext()
    by_name = {r.name: r for r in rules}
    out: list[NewAlert] = []
    skipped: list[Skipped] = []
    for routed in route(article, matches, rules, alerts):
        fresh: list[str] = []
        repeats: list[str] = []
        for name in routed.item.rules:
            why = skip_reason(by_name[name], routed.target, context)
            if why is None:
                fresh.append(name)
                continue
            skipped.append(Skipped(name, routed.target, why))
            if why == "already-alerted-story":
                repeats.append(name)
        if fresh:
            policies = {n: routed.policies[n] for n in fresh}
            history: dict[str, list[datetime]] = {}
            if any(p.max_per_hour for p in policies.values()):
                for names, at in context.sends.get(routed.target, ()):
                    for name in names:
                        history.setdefault(name, []).append(at)
            decision = decide_alert(policies, now, history)
            item = replace(routed.item, rules=tuple(fresh), story=context.story_id)
            out.append(outbox_alert(routed.target, item, decision, context.version))
        elif repeats:
            item = replace(routed.item, rules=tuple(repeats), story=context.story_id, follow_up=True)
            out.append(outbox_alert(routed.target, item, Decision("hold", STORY_REASON), context.version))
    return Plan(tuple(out), tuple(skipped))


def outbox_alert(target: str, item: AlertItem, decision: Decision, version: str = "") -> NewAlert:
    # An update's alert needs its own idempotency key, or the outbox would drop it as a repeat.
    key = f"article:{item.article_id}" + (f"@{version[:16]}" if version else "")
    if decision.reason == STORY_REASON:
        key = f"story:{item.article_id}" + (f"@{version[:16]}" if version else "")
    return NewAlert(
        target=target,
        key=key,
        title=item.title or "(untitled)",
        body=json.dumps(item.to_json(), ensure_ascii=False),
        body_format=ALERT_FORMAT,
        notify_type=notify_type(item.priority),
        rules=item.rules,
        article_id=item.article_id,
        state="held" if decision.held else "pending",
        release_at=decision.release_at,
        reason=decision.reason,
    )


def fold_stories(items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Digest items (JSON) with "also reported by" rows folded into their story.

    A follow-up row joins the first item of its story in the digest (its source is
    added to `also`); follow-ups whose story has no item here become one item.
    """
    out: list[dict[str, Any]] = []
    lead: dict[str, dict[str, Any]] = {}
    for item in items:
        story = item.get("story") or ""
        first = lead.get(story) if story else None
        if first is None:
            item = dict(item, also=list(item.get("also") or ()))
            out.append(item)
            if story:
                lead[story] = item
            continue
        if item.get("follow_up") or first.get("follow_up"):
            source = str(item.get("source", ""))
            if source and source != first.get("source") and source not in first["also"]:
                first["also"].append(source)
            if not item.get("follow_up"):  # an item of its own replaces a follow-up as the lead
                former = str(first.get("source", ""))
                first.update({k: v for k, v in item.items() if k != "also"}, follow_up=False)
                if former and former != source and former not in first["also"]:
                    first["also"].append(former)
        else:
            out.append(item)
    return out


def digest_alert(target: str, rows: Sequence[OutboxRow], tz: str | None = None) -> NewAlert:
    """Held rows of one target -> one digest row (items newest first when rendered)."""
    items = fold_stories([json.loads(r.body) for r in rows if r.body_format == ALERT_FORMAT])
    reasons = sorted({r.reason for r in rows if r.reason and r.reason != STORY_REASON} or {STORY_REASON})
    priorities = [i.get("priority", "normal") for i in items]
    top = max(priorities, key=lambda p: PRIORITIES.index(p) if p in PRIORITIES else 0, default="normal")
    rules = tuple(dict.fromkeys(n for r in rows for n in r.rules))
    ids = ",".join(str(r.id) for r in rows)
    body = {"items": items, "reasons": reasons, "tz": tz or (items[0].get("tz") if items else "UTC")}
    return NewAlert(
        target=target,
        key="digest:" + hashlib.sha256(ids.encode()).hexdigest()[:20],
        title=f"digest of {len(items)} alert(s)",
        body=json.dumps(body, ensure_ascii=False),
        body_format=DIGEST_FORMAT,
        notify_type=notify_type(top),  # type: ignore[arg-type]
        rules=rules,
        reason="digest-release",
    )


def empty_digest(target: str, rule: str, fire_time: datetime, tz: str) -> NewAlert:
    """`send_empty = true`: a digest that says nothing matched."""
    body = {"items": [], "reasons": ["digest"], "tz": tz, "rules": [rule]}
    return NewAlert(
        target=target,
        key=f"digest-empty:{rule}:{fire_time.isoformat()}",
        title="empty digest",
        body=json.dumps(body),
        body_format=DIGEST_FORMAT,
        rules=(rule,),
        reason="digest-release",
    )
