"""HTML -> plain text with the page's title: scripts, styles and navigation dropped.

Built on the standard library's tolerant `html.parser`, so hostile or broken
markup degrades to text instead of raising.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Content of these elements is never article text.
_SKIP = {"script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside",
         "form", "button", "select", "iframe", "object", "canvas", "menu"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
         "source", "track", "wbr"}
_BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
          "section", "article", "main", "blockquote", "pre", "hr", "dd", "dt", "figcaption", "td"}
_SPACES = re.compile(r"[ \t\r\f\v]+")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip_depth = 0
        self.in_title = False
        self.title = ""
        self.meta: dict[str, str] = {}
        self.parts: list[str] = []
        self.main_parts: list[str] = []
        self.main_depth = 0  # inside <article> or <main>
        self.h1 = ""
        self.in_h1 = False
        self.links: list[tuple[str, str]] = []  # (href, link text) of visible <a href>
        self._link: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if tag == "meta":
                a = {k: v or "" for k, v in attrs}
                key = a.get("property") or a.get("name") or ""
                if key:
                    self.meta[key.lower()] = a.get("content", "")
            if tag in _BLOCK:
                self._emit("\n")
            return
        if tag in _SKIP:
            self.skip_depth += 1
        elif tag == "title":
            self.in_title = True
        elif tag in ("article", "main"):
            self.main_depth += 1
        elif tag == "h1":
            self.in_h1 = True
        elif tag == "a" and not self.skip_depth:
            href = next((v for k, v in attrs if k == "href" and v), None)
            self._link = (href.strip(), []) if href else None
        if tag in _BLOCK:
            self._emit("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag == "title":
            self.in_title = False
        elif tag in ("article", "main"):
            self.main_depth = max(0, self.main_depth - 1)
        elif tag == "h1":
            self.in_h1 = False
        elif tag == "a" and self._link is not None:
            href, parts = self._link
            self.links.append((href, " ".join("".join(parts).split())))
            self._link = None
        if tag in _BLOCK:
            self._emit("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
            return
        if self.skip_depth:
            return
        if self.in_h1:
            self.h1 += data
        if self._link is not None:
            self._link[1].append(data)
        self._emit(data)

    def _emit(self, text: str) -> None:
        self.parts.append(text)
        if self.main_depth:
            self.main_parts.append(text)


def _tidy(parts: list[str]) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment or page, one block per line."""
    return parse_html(markup)[1]


def _extract(markup: str) -> _TextExtractor:
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # html.parser is tolerant; be safe against odd input anyway
        pass
    return parser


def text_and_links(markup: str) -> tuple[str, list[tuple[str, str]]]:
    """Visible text of a page and its links as (href, link text), in page order."""
    parser = _extract(markup)
    return _tidy(parser.parts), parser.links


def parse_html(markup: str) -> tuple[str, str, dict[str, str]]:
    """(title, main text, meta tags) of an HTML page.

    The title prefers og:title, then <title>, then the first <h1>; the text
    prefers <article>/<main> when the page marks one.
    """
    parser = _extract(markup)
    main = _tidy(parser.main_parts)
    text = main if len(main) > 200 else _tidy(parser.parts)
    title = parser.meta.get("og:title") or " ".join(parser.title.split()) or " ".join(parser.h1.split())
    return title.strip(), text, parser.meta
