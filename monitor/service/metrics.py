"""Prometheus metrics: every metric object of newsmon, in one per-App registry.

Labels are bounded: source kinds (folder, feed), outcomes named by the
pipeline, fetch result kinds, delivery results, and target names from the
config. Never an article, a URL or a feed entry.

Counts are taken by observing results the code already returns (the
pipeline's `Result`, the outbox marks, the feed state a poll commits), so
the stages themselves know nothing about metrics.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

# The pipeline's outcomes, sorted into what the issue calls seen / matched / dropped.
MATCHED = {"alerted", "matched-no-target"}
DROPPED = {"seen", "duplicate", "skipped", "copy", "update-ignored", "claimed"}  # bounded labels
FETCH_KINDS = {"ok", "not_modified", "transient", "permanent", "refused"}
HEALTH_STATES = ("ok", "failing", "silent")


def source_kind(raw_kind: str) -> str:
    return "feed" if raw_kind == "feed" else "folder"


def fetch_kind(state: dict[str, Any]) -> str:
    """A feed poll's result, read from the state it committed."""
    kind = str(state.get("error_kind") or "")
    if kind:
        return kind if kind in FETCH_KINDS else "other"
    return "not_modified" if state.get("last_status") == 304 else "ok"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.articles_seen = Counter("newsmon_articles_seen", "Items that reached the pipeline",
                                     ["source_kind"], registry=r)
        self.articles_matched = Counter("newsmon_articles_matched", "Articles that matched a rule",
                                        ["source_kind"], registry=r)
        self.articles_dropped = Counter("newsmon_articles_dropped",
                                        "Items not matched because of dedupe or a skipped file",
                                        ["source_kind", "reason"], registry=r)
        self.alerts_queued = Counter("newsmon_alerts_queued", "Alerts written to the outbox",
                                     ["source_kind"], registry=r)
        self.fetches = Counter("newsmon_feed_fetches", "Feed polls by result", ["result"], registry=r)
        self.deliveries = Counter("newsmon_deliveries", "Delivery attempts by result and target",
                                  ["target", "result"], registry=r)
        self.rule_compile = Gauge("newsmon_rule_compile_seconds", "Time the last rule compile took",
                                  registry=r)
        self.last_reload = Gauge("newsmon_last_reload_success_timestamp_seconds",
                                 "When the configuration was last (re)loaded successfully", registry=r)
        self.reloads_failed = Counter("newsmon_reloads_failed", "Reloads refused (the old config stayed)",
                                      registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)

    # -- observers -----------------------------------------------------------------------------
    @contextmanager
    def compiling(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.rule_compile.set(time.perf_counter() - started)

    def reloaded(self, at: datetime) -> None:
        self.last_reload.set(at.timestamp())

    def article(self, result: Any, kind: str) -> None:
        """One pipeline `Result` (outcome, alerts) for an item of source kind `kind`."""
        kind = source_kind(kind)
        outcome = str(result.outcome)
        self.articles_seen.labels(kind).inc()
        if outcome in MATCHED:
            self.articles_matched.labels(kind).inc()
        elif outcome in DROPPED:
            self.articles_dropped.labels(kind, outcome).inc()
        if result.alerts:
            self.alerts_queued.labels(kind).inc(result.alerts)

    def delivery(self, target: str, result: str) -> None:
        self.deliveries.labels(target, result).inc()

    def fetch(self, state: dict[str, Any]) -> None:
        self.fetches.labels(fetch_kind(state)).inc()

    # -- wiring --------------------------------------------------------------------------------
    def watch(self, read_state: Callable[[], tuple[int, datetime | None, dict[str, int]]]) -> None:
        """Gauges read at scrape time: (pending alerts, oldest pending's creation, feeds by health)."""
        self.registry.register(_StateCollector(read_state))

    def instrument(self, pipeline: Any, store: Any) -> None:
        """Count pipeline results and outbox marks by wrapping those instances' methods.

        `process` sees every item the sources hand over (files they find unchanged
        or still bad are not handed over, so not counted).
        """
        process = pipeline.process

        # *args: the stages' signatures may grow; only the first argument and the result are read.
        @functools.wraps(process)
        def observed_process(raw: Any, *args: Any, **kwargs: Any) -> Any:
            result = process(raw, *args, **kwargs)
            self.article(result, getattr(raw, "kind", "file"))
            return result

        pipeline.process = observed_process
        for method, outcome in (("mark_sent", "sent"), ("mark_retry", "retry"), ("mark_dead", "dead")):
            setattr(store, method, self._marking(getattr(store, method), outcome))

    def _marking(self, mark: Callable[..., None], outcome: str) -> Callable[..., None]:
        @functools.wraps(mark)
        def observed(row_id: int, *args: Any, **kwargs: Any) -> None:
            mark(row_id, *args, **kwargs)
            # Lanes always pass their log entry (by keyword or last), which names the target.
            log: Any = kwargs.get("log", args[-1] if args else None)
            if hasattr(log, "row"):
                self.delivery(log.row.target, outcome)

        return observed

    def observe_sources(self, sources: Any) -> ObservedSources:
        return ObservedSources(sources, self)


class ObservedSources:
    """The source-state store a feed poller writes through: each committed
    `feed:` state is one finished poll, counted by its result."""

    def __init__(self, inner: Any, metrics: Metrics):
        self._inner, self._metrics = inner, metrics

    def get(self, key: str) -> dict[str, Any] | None:
        got: dict[str, Any] | None = self._inner.get(key)
        return got

    def all(self, prefix: str = "") -> dict[str, dict[str, Any]]:
        got: dict[str, dict[str, Any]] = self._inner.all(prefix)
        return got

    def put(self, key: str, value: dict[str, Any]) -> None:
        self._inner.put(key, value)
        self._count({key: value})

    def put_many(self, values: dict[str, dict[str, Any]]) -> None:
        put_many = getattr(self._inner, "put_many", None)
        if put_many is None:
            for key, value in values.items():
                self._inner.put(key, value)
        else:
            put_many(values)
        self._count(values)

    def _count(self, values: dict[str, dict[str, Any]]) -> None:
        for key, value in values.items():
            if key.startswith("feed:") and "last_attempt" in value:
                self._metrics.fetch(value)


class _StateCollector(Collector):
    def __init__(self, read: Callable[[], tuple[int, datetime | None, dict[str, int]]]):
        self._read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            pending, oldest, feeds = self._read()
        except Exception:  # a closed or locked store: leave these gauges out of this scrape
            return
        yield GaugeMetricFamily("newsmon_outbox_pending", "Alerts waiting to be delivered", value=pending)
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily("newsmon_outbox_oldest_pending_age_seconds",
                                "Age of the oldest alert waiting to be delivered", value=max(0.0, age))
        family = GaugeMetricFamily("newsmon_feeds", "Feeds by health", labels=["health"])
        for state in HEALTH_STATES:
            family.add_metric([state], feeds.get(state, 0))
        yield family
