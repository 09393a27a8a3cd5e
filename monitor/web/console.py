"""What the console's pages read and do, behind one object (no HTTP here).

Built from a running `App` (`Console.for_app`) or, in tests, from a config,
a store and a reload function. The config is read through a callable, so a
reload (from the console, SIGHUP or anywhere) is seen by the next request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.settings import Config
from monitor.settings.rules import RuleConfig
from monitor.store.sql import Store
from monitor.web.backtest import ArticleIndex, Compiled

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Console:
    config_source: Callable[[], Config]
    store: Store
    state_dir: Path | None
    reload: Callable[[Config], None]
    wake: Callable[[Sequence[str]], None] = lambda _targets: None
    clock: Callable[[], datetime] = _utcnow
    _index: ArticleIndex | None = field(default=None, init=False)
    _compiled: dict[str, Compiled] = field(default_factory=dict, init=False)
    _compiled_for: Config | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    @classmethod
    def for_app(cls, app: Any) -> Console:
        return cls(lambda: app.config, app.store, app.state_dir, app.reload, app._wake, app.clock)

    @property
    def config(self) -> Config:
        return self.config_source()

    @property
    def index(self) -> ArticleIndex:
        with self._lock:
            if self._index is None:
                self._index = ArticleIndex(self.store.articles)
            return self._index

    def compile(self, rule: RuleConfig) -> Compiled:
        """One rule compiled with the real matcher (same places, homes and cache as the daemon)."""
        config = self.config
        if config is not self._compiled_for:  # reloaded: places or homes may have changed
            self._compiled, self._compiled_for = {}, config
        key = rule.model_dump_json()
        found = self._compiled.get(key)
        if found is None:
            from monitor.app import compile_matcher

            single = config.model_copy(update={"rules": (rule,)})
            found = Compiled(rule, compile_matcher(single, self.state_dir))
            if len(self._compiled) > 64:
                self._compiled.clear()
            self._compiled[key] = found
        return found

    def accept(self, config: Config) -> None:
        """A config the console wrote: reload the daemon with it (raises ConfigError to undo)."""
        self.reload(config)
        log.info("configuration changed from the web console and reloaded")

    def hit_counts(self) -> dict[str, list[int]]:
        now = self.clock()
        return self.store.articles.rule_hits([now - timedelta(days=7), now - timedelta(hours=24)])
