"""Routing policy as pure functions: quiet hours, throttle, digests, merging (clock injected)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from monitor.alerts.policy import decide, decide_alert, next_digest, notify_type, quiet_end, throttle_release
from monitor.settings import ConfigError
from monitor.settings.alerts import AlertsConfig, DigestConfig, Policy, effective_policy
from monitor.settings.rules import RuleConfig
from monitor.validate import load_checked

KYIV = ZoneInfo("Europe/Kyiv")


def at(y: int, mo: int, d: int, h: int, mi: int = 0, s: int = 0, tz: ZoneInfo | None = None) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=tz or UTC)


def test_immediate_by_default() -> None:
    d = decide(Policy(), at(2026, 5, 1, 12))
    assert (d.action, d.reason, d.release_at) == ("send", "immediate", None)


@pytest.mark.parametrize(("local_hour", "quiet", "until_day", "until_hour"), [
    (23, True, 2, 7),   # before midnight: ends tomorrow
    (3, True, 1, 7),    # after midnight: ends today
    (7, False, 0, 0),   # the end is not quiet
    (21, False, 0, 0),
    (22, True, 2, 7),   # the start is quiet
])
def test_quiet_hours_across_midnight_in_rule_tz(local_hour: int, quiet: bool, until_day: int,
                                                  until_hour: int) -> None:
    policy = Policy(quiet="22:00-07:00", tz="Europe/Kyiv")
    now = at(2026, 5, 1, local_hour, tz=KYIV)
    end = quiet_end(policy, now)
    if not quiet:
        assert end is None and decide(policy, now).action == "send"
        return
    assert end == at(2026, 5, until_day, until_hour, tz=KYIV)
    d = decide(policy, now)
    assert (d.action, d.reason, d.release_at) == ("hold", "quiet-hours", end)


def test_quiet_hours_same_day_window_and_dst_change() -> None:
    policy = Policy(quiet="12:00-14:00", tz="Europe/Kyiv")
    assert quiet_end(policy, at(2026, 5, 1, 13, 59, tz=KYIV)) == at(2026, 5, 1, 14, tz=KYIV)
    assert quiet_end(policy, at(2026, 5, 1, 14, tz=KYIV)) is None
    # Night of the spring change (clocks jump 03:00 -> 04:00 on 29 March 2026 in Kyiv).
    night = Policy(quiet="22:00-07:00", tz="Europe/Kyiv")
    end = quiet_end(night, at(2026, 3, 28, 23, tz=KYIV))
    assert end is not None and end.astimezone(UTC) == at(2026, 3, 29, 4)  # 07:00 EEST


def test_urgent_bypasses_quiet_hours_but_not_digest_mode() -> None:
    now = at(2026, 5, 1, 23, tz=KYIV)
    urgent = Policy(quiet="22:00-07:00", tz="Europe/Kyiv", priority="urgent")
    d = decide(urgent, now)
    assert (d.action, d.reason) == ("send", "urgent-in-quiet-hours")
    assert decide(urgent.model_copy(update={"mode": "digest"}), now).reason == "digest"
    assert notify_type("urgent") == "failure" and notify_type("high") == "warning"
    assert notify_type("low") == notify_type("normal") == "info"


def test_throttle_counts_the_last_hour_and_releases_when_a_slot_frees() -> None:
    now = at(2026, 5, 1, 12)
    sends = [now - timedelta(minutes=m) for m in (70, 50, 20, 5)]  # 3 inside the hour
    assert throttle_release(4, sends, now) is None
    assert throttle_release(3, sends, now) == now - timedelta(minutes=50) + timedelta(hours=1)
    assert throttle_release(2, sends, now) == now - timedelta(minutes=20) + timedelta(hours=1)
    assert throttle_release(None, sends * 10, now) is None
    d = decide(Policy(max_per_hour=3), now, sends)
    assert (d.action, d.reason, d.release_at) == ("hold", "throttled", at(2026, 5, 1, 12, 10))


def test_digest_next_fire_in_the_digest_timezone() -> None:
    policy = Policy(mode="digest", digest=DigestConfig(cron="0 8 * * *", tz="Europe/Kyiv"))
    fire = next_digest(policy, at(2026, 5, 1, 6))  # 09:00 Kyiv: today's 08:00 has passed
    assert fire == at(2026, 5, 2, 8, tz=KYIV)
    assert next_digest(policy, at(2026, 5, 1, 4, 59)) == at(2026, 5, 1, 8, tz=KYIV)
    # Exactly at the fire time: the next one (this one is being sent).
    assert next_digest(policy, at(2026, 5, 1, 8, tz=KYIV)) == at(2026, 5, 2, 8, tz=KYIV)
    d = decide(policy, at(2026, 5, 1, 6))
    assert (d.action, d.reason) == ("hold", "digest")


def test_several_rules_take_the_earliest_and_immediate_wins() -> None:
    now = at(2026, 5, 1, 23, tz=KYIV)
    digest = Policy(mode="digest", digest=DigestConfig(cron="0 8 * * *"), tz="Europe/Kyiv")
    quiet = Policy(quiet="22:00-07:00", tz="Europe/Kyiv")
    d = decide_alert({"a": digest, "b": quiet}, now)
    assert (d.reason, d.release_at) == ("quiet-hours", at(2026, 5, 2, 7, tz=KYIV))
    assert decide_alert({"a": digest, "b": quiet, "c": Policy()}, now).action == "send"
    assert decide_alert({}, now).action == "send"


def test_naive_clock_is_refused() -> None:
    with pytest.raises(ValueError):
        decide(Policy(), datetime(2026, 1, 1))


def test_rule_overrides_alerts_defaults() -> None:
    alerts = AlertsConfig(quiet="22:00-07:00", tz="Europe/Kyiv", max_per_hour=5)
    plain = effective_policy(alerts, RuleConfig(name="a", query="x"))
    assert (plain.quiet, plain.tz, plain.max_per_hour, plain.mode) == (
        "22:00-07:00", "Europe/Kyiv", 5, "immediate")
    rule = RuleConfig(name="b", query="x", priority="urgent", max_per_hour=1,
                      digest=DigestConfig(cron="30 7 * * 1-5", tz="UTC"))
    p = effective_policy(alerts, rule)
    assert (p.priority, p.max_per_hour, p.mode, p.digest.cron, p.digest_tz) == (
        "urgent", 1, "digest", "30 7 * * 1-5", "UTC")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("quiet", "22-07", "HH:MM-HH:MM"),
    ("quiet", "07:00-07:00", "same time"),
    ("tz", "Mars/Olympus", "unknown time zone"),
    ("digest", {"cron": "0 8 * * *", "tz": "Nowhere"}, "unknown time zone"),
    ("priority", "critical", "low"),
    ("mode", "sometimes", "immediate"),
    ("max_per_hour", 0, "greater than or equal to 1"),
])
def test_bad_policy_values_are_config_errors(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RuleConfig.model_validate({"name": "r", "query": "x", field: value})


def test_bad_digest_cron_is_a_config_error_naming_the_key(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[[rules]]\nname = "r"\nquery = "x"\ndigest = { cron = "0 8 * *" }\n')
    with pytest.raises(ConfigError, match=r"c.toml: rules\[0\].digest.cron: .*Wrong number of fields"):
        load_checked(cfg)


def test_last_digest_is_the_scheduled_time_the_job_stands_for() -> None:
    from monitor.alerts.policy import last_digest

    daily = Policy(mode="digest", digest=DigestConfig(cron="0 8 * * *", tz="Europe/Kyiv"))
    assert last_digest(daily, at(2026, 5, 1, 8, 0, 3, tz=KYIV)) == at(2026, 5, 1, 8, tz=KYIV)
    assert last_digest(daily, at(2026, 5, 1, 8, tz=KYIV)) == at(2026, 5, 1, 8, tz=KYIV)
    assert last_digest(daily, at(2026, 5, 1, 10, tz=KYIV)) is None  # beyond the misfire grace
    every5 = Policy(mode="digest", digest=DigestConfig(cron="*/5 * * * *"))
    assert last_digest(every5, at(2026, 5, 1, 8, 14)) == at(2026, 5, 1, 8, 10)
