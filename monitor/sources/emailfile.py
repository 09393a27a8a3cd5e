"""Saved emails (.eml) -> `RawItem`s: one article per mail, or one per linked article
when the mail is a newsletter that is essentially a list of links.

The newsletter heuristic (documented in docs/folders.md): the HTML body has at least
`MIN_LINKS` article-like links (http(s), link text of 3+ words, not unsubscribe/preferences
boilerplate) and their link text is at least `MIN_LINK_SHARE` of the mail's visible text.
Each such link becomes one item: title = link text, url = href.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from typing import Any
from urllib.parse import urlsplit

from monitor.article import RawItem
from monitor.sources.files import SkipFile, decode_text, make_item, parse_date
from monitor.sources.htmltext import text_and_links

MIN_LINKS = 3
MIN_LINK_SHARE = 0.3
MIN_LINK_WORDS = 3
_BOILERPLATE = re.compile(
    r"unsubscribe|opt[ -]?out|manage (your )?(preferences|subscription)|view (it |this )?(email )?in "
    r"(your |a )?browser|privacy policy|terms of (use|service)|forward to a friend|update your profile",
    re.I,
)


def parse_email(data: bytes, source: str, key: str, tags: Sequence[str], origin: str,
                mtime: datetime) -> list[RawItem]:
    msg = message_from_bytes(data, policy=policy.default)
    subject = _header(msg, "subject")
    author = _header(msg, "from")
    published = parse_date(_header(msg, "date")) or mtime
    html_part = _part_text(msg, "html")
    plain = _part_text(msg, "plain")
    if html_part:
        text, links = text_and_links(html_part)
        articles = newsletter_links(text, links)
        if articles:
            return [
                RawItem(source=source, key=f"{key}#{href}"[:512], title=title, url=href, author=author,
                        tags=tuple(tags), published=published, kind="file", origin=f"{origin} link {n}")
                for n, (href, title) in enumerate(articles, 1)
            ]
        body = plain or text
    else:
        body = plain
    fields: dict[str, Any] = {"title": subject, "body": body, "published": published, "author": author}
    return [make_item(fields, source, key, tags, origin, mtime)]


def newsletter_links(text: str, links: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (href, title) of each linked article if the text is essentially a list of links,
    else []. Pure: the heuristic in the module docstring."""
    found: dict[str, str] = {}
    for href, title in links:
        if (urlsplit(href).scheme in ("http", "https") and len(title.split()) >= MIN_LINK_WORDS
                and not _BOILERPLATE.search(title) and not _BOILERPLATE.search(href)):
            found.setdefault(href, title)
    visible = len(" ".join(text.split()))
    share = sum(len(t) for t in found.values()) / visible if visible else 0.0
    if len(found) >= MIN_LINKS and share >= MIN_LINK_SHARE:
        return list(found.items())
    return []


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # a malformed header the policy cannot parse
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _part_text(msg: Message, subtype: str) -> str:
    """The decoded text of the mail's preferred text/<subtype> body part, or ""."""
    part = msg.get_body(preferencelist=(subtype,)) if isinstance(msg, EmailMessage) else None
    if part is None:
        return ""
    try:
        content = part.get_content()
        return content if isinstance(content, str) else ""
    except (LookupError, ValueError, AssertionError):  # an unknown charset or a broken encoding
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            return ""
        try:
            return decode_text(payload)[0]
        except SkipFile:
            return ""
