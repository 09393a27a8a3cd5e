"""The one shape every source has: it reads, and hands `RawItem`s to a sink.

The pipeline never reads files or fetches feeds: a source turns whatever it
watches into `RawItem`s and calls `sink(items, alert, done)`. `done(ok)` (if
given) is called once every item of the batch went through the pipeline; `ok`
is True if none hit an internal error or was left to another instance sharing
the database, so a source can remember what it handed over
(a file's stamp) only after it is safely recorded: a crash in between
hands the item over again, it never loses it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from monitor.article import RawItem

Done = Callable[[bool], None]  # called once per batch: True if every item was recorded


class Sink(Protocol):
    def __call__(self, items: Sequence[RawItem], alert: bool = True, done: Done | None = None) -> None: ...


class Source(Protocol):
    """A folder watcher or the feed poller, as `App` drives it."""

    def run_once(self) -> None:
        """Hand over everything available now; return once it is all submitted."""

    def start(self, scheduler: Any) -> None:
        """Keep handing over new items (watch, or schedule polls on `scheduler`)."""

    def close(self) -> None:
        """Stop; items not handed over yet are found again at the next start."""


if TYPE_CHECKING:  # both sources satisfy the protocol: checked by mypy, costs nothing at run time
    from monitor.sources.feeds import FeedPoller
    from monitor.sources.foldersource import FolderSource

    def _conforms(feeds: FeedPoller, folders: FolderSource) -> tuple[Source, Source]:
        return feeds, folders
