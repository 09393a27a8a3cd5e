"""Notices that are not about an article (feed health) as ordinary outbox alerts.

They take the same road as an article's alert: rendered by the target's
templates (so escaped like any alert), sent now or held under the `[alerts]`
policy (quiet hours, digests), with a priority that says how bad it is:
a failing or silent feed is `high` (Apprise type "warning"), a recovery
`normal` ("info"). Pure: the clock reading is passed in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime

from monitor.alerts.policy import decide, notify_type
from monitor.alerts.route import ALERT_FORMAT, AlertItem, Excerpt
from monitor.settings.alerts import AlertsConfig, Priority, effective_policy
from monitor.store.base import NewAlert

HEALTH_RULE = "feed-health"  # what the alert names as its rule
_HEALTH_KEY = re.compile(r"^feed-health:.+:(failing|silent|recovered):")
HEALTH_PRIORITY: dict[str, Priority] = {"failing": "high", "silent": "high", "recovered": "normal"}


def notice_kind(key: str) -> str:
    """The event of a feed-health key `feed-health:FEED:KIND:SINCE` ("" for other keys)."""
    found = _HEALTH_KEY.match(key)  # FEED may hold ":" and SINCE (ISO time) always does
    return found.group(1) if found else ""


def notice_alerts(targets: Sequence[str], title: str, body: str, key: str, alerts: AlertsConfig,
                  known: Sequence[str], now: datetime) -> list[NewAlert]:
    priority = HEALTH_PRIORITY.get(notice_kind(key), "normal")
    policy = effective_policy(alerts).model_copy(update={"priority": priority})
    decision = decide(policy, now)
    item = AlertItem(article_id=key, title=title, source="newsmon", url="", published=now,
                     rules=(HEALTH_RULE,), excerpt=Excerpt("body", body), priority=priority,
                     tz=policy.tz)
    return [NewAlert(target=t, key=key, title=title, body=json.dumps(item.to_json(), ensure_ascii=False),
                     body_format=ALERT_FORMAT, notify_type=notify_type(priority), rules=(HEALTH_RULE,),
                     state="held" if decision.held else "pending", release_at=decision.release_at,
                     reason=decision.reason)
            for t in dict.fromkeys(targets) if t in known or t.startswith("tag:")]
