"""Secrets out of anything a person reads or we store: logs, errors, `check`, the state.

What counts as a secret in a URL (and nothing else, so file names and article
paths stay readable):

- the userinfo (`user:password@`, up to the *last* `@` of the authority, so a
  password with a raw `@` is hidden whole);
- the value of a query argument whose name says it is one (`token`, `apikey`,
  `access_token`, `sig`, `client_secret`, `password`...);
- the value of every Apprise header/payload/parameter argument (`+Name=`,
  `-name=`, `:name=`): `+Authorization=Bearer ...` is the usual way to
  authenticate a webhook;
- path segments that carry a service token (Slack, Telegram, Discord..., also
  their native `https://` webhook URLs): when Apprise is loaded, the segments
  that Apprise's own privacy URL (`url(privacy=True)`) hides; otherwise, for
  non-web schemes, any token-like segment (8+ characters with a digit, or 16+).

`mask_text` applies `mask_url` to every URL inside free text (log lines,
error messages) and removes control and bidi characters, so a hostile file
name or feed title cannot rewrite a log line.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from urllib.parse import unquote

MASK = "***"
_SECRET_WORDS = r"pass|pwd|token|key|secret|auth|sig|session|credential|bearer|jwt|otp|cookie"
# `?apikey=`, `&access_token=`, `;sig=`: the name contains a secret word.
_SECRET_QUERY = re.compile(rf"(?i)([?&;][^=&#;]*(?:{_SECRET_WORDS})[^=&#;]*=)[^&#;]*")
# Apprise's `+header=`, `-payload=`, `:param=` arguments, raw or percent-encoded.
_PREFIXED_ARG = re.compile(r"(?i)([?&](?:\+|-|:|%2B|%2D|%3A)[^=&#]*=)[^&#]*")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*://)", re.I)
_USERINFO = re.compile(r"^([a-z][a-z0-9+.-]*://)([^/?#]*)@", re.I)
# `user:pass/word@host`: a password holding a `/` (rare, but seen).
_USERINFO_SLASH = re.compile(r"^([a-z][a-z0-9+.-]*://)([^/?#@:]+:[^?#@]*)@", re.I)
_DELIMS = re.compile(r"([/@:?&=#;])")
_WEB_SCHEMES = frozenset({"http", "https", "file", "ftp", "ftps"})
_TOKENISH = re.compile(r"^[A-Za-z0-9_\-:%+=~]+$")
# C0/C1 controls (tab and newline kept), bidi embeddings/overrides/isolates/marks, BOM.
UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_URL_IN_TEXT = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s'\"<>`]+")


def strip_unsafe(text: str) -> str:
    """Without control and bidi characters (a file name or feed title fit for a log line)."""
    return UNSAFE_CHARS.sub("", str(text))


def mask_url(url: str) -> str:
    """Hide credentials and tokens: `mailto://user:pw@host` -> `mailto://***@host`."""
    return _mask(strip_unsafe(url).strip(), "apprise" in sys.modules)


def mask_text(text: str) -> str:
    """Free text (a log line, an error) with every URL in it masked and unsafe characters gone."""
    return _URL_IN_TEXT.sub(lambda m: mask_url(m.group(0)), strip_unsafe(text))


@lru_cache(maxsize=1024)
def _mask(url: str, apprise_loaded: bool) -> str:
    match = _SCHEME.match(url)
    if match is None:
        return url  # a file path: nothing secret in it
    scheme = match.group(1)[:-3].lower()
    # Apprise also reads native webhook URLs (`https://discord.com/api/webhooks/ID/TOKEN`).
    secrets = _apprise_secrets(url) if apprise_loaded and scheme != "file" else None
    masked = url
    if secrets:
        masked = "".join(MASK if _is_secret(p, secrets) else p for p in _DELIMS.split(masked))
    if _USERINFO.match(masked):
        masked = _USERINFO.sub(rf"\1{MASK}@", masked, count=1)
    else:
        masked = _USERINFO_SLASH.sub(rf"\1{MASK}@", masked, count=1)
    if secrets is None and scheme not in _WEB_SCHEMES:
        masked = _mask_token_segments(masked)
    masked = _PREFIXED_ARG.sub(rf"\1{MASK}", masked)
    return _SECRET_QUERY.sub(rf"\1{MASK}", masked)


def _is_secret(piece: str, secrets: frozenset[str]) -> bool:
    return bool(piece) and not _DELIMS.fullmatch(piece) and (piece in secrets or unquote(piece) in secrets)


def _pieces(url: str) -> set[str]:
    out: set[str] = set()
    for raw in _DELIMS.split(url):
        if raw and not _DELIMS.fullmatch(raw):
            text = unquote(raw)
            out.update((raw, text))
            out.update(p for p in _DELIMS.split(text) if p and not _DELIMS.fullmatch(p))
    return out


def _apprise_secrets(url: str) -> frozenset[str] | None:
    """The pieces of `url` that Apprise's privacy URL hides, or None if Apprise cannot read it."""
    apprise = sys.modules["apprise"]
    try:
        plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
        if plugin is None:
            return None
        full, private = str(plugin.url(privacy=False)), str(plugin.url(privacy=True))
    except Exception:  # a plugin bug must not break a log line
        return None
    return frozenset(_pieces(full) - _pieces(private))


def _mask_token_segments(url: str) -> str:
    """Without Apprise: hide token-like host/path segments of a service URL (conservative)."""
    scheme_end = url.index("://") + 3
    head, sep, tail = url[scheme_end:].partition("?")
    segments = []
    for seg in head.split("/"):
        parts = seg.split(":") if "." not in seg else [seg]  # `host:port` keeps its port
        segments.append(":".join(MASK if _token_like(p) else p for p in parts))
    return url[:scheme_end] + "/".join(segments) + sep + tail


def _token_like(segment: str) -> bool:
    if not _TOKENISH.match(segment) or segment.startswith(("#", "@")):
        return False
    return len(segment) >= 16 or (len(segment) >= 8 and any(c.isdigit() for c in segment))
