"""Article identity: is this item new, unchanged, an edit, or a copy of another? (issue #10)

The dedupe stage right after normalise. Identity is the article id (the source
and its key: guid, then link, then content, as the sources compute it). The
pipeline reads what the store knows into a `Prior` first; `decide_identity` is a
pure function of the article, that value and the `on_update` setting.

- the id is known with the same text: "seen" (nothing to do);
- the id is known with other text: "update" (re-matched; rules that already
  alerted on the article do not alert again), or "update-ignored" with
  `on_update = "ignore"`;
- the id is new but another article carried the very same text within
  `content_window`: "copy" (recorded, joined to that article's story, no alert);
- else "new".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from monitor.article import Article
from monitor.settings.stories import OnUpdate
from monitor.store.base import SeenRow

IdentityAction = Literal["new", "seen", "update", "update-ignored", "copy"]


@dataclass(frozen=True, slots=True)
class Prior:
    """What the store holds about an article before it is decided on."""

    known: SeenRow | None = None  # the row with the same id
    copy: SeenRow | None = None  # another id whose text is the same, recorded within the window


@dataclass(frozen=True, slots=True)
class Identity:
    action: IdentityAction
    reason: str
    known: SeenRow | None = None  # for "seen" / "update*": this article's row; for "copy": the original

    @property
    def alerted_before(self) -> frozenset[str]:
        """Rules that already alerted on an earlier version of this very article."""
        return self.known.alerted if self.known is not None and self.action == "update" else frozenset()


def decide_identity(article: Article, prior: Prior, on_update: OnUpdate) -> Identity:
    known = prior.known
    if known is not None:
        if known.content_hash == article.content_hash:
            return Identity("seen", "same id, same text", known)
        if on_update == "ignore":
            return Identity("update-ignored", "same id, new text; on_update is \"ignore\"", known)
        return Identity("update", "same id, new text: re-matched", known)
    if prior.copy is not None:
        return Identity("copy", "same text as an article recorded within content_window", prior.copy)
    return Identity("new", "new id")
