"""The readable text of untrusted HTML (a mail body): the one HTML-to-text.

Scripts, styles and the head are dropped. Line-level tags (``br``, ``li``,
``tr``) end a line; block-level tags (``p``, ``div``, ``blockquote``, tables,
lists, headings) also leave one blank line. White space inside a line is
folded, as a browser does. Lines inside ``<blockquote>`` (quoted history) get
``> `` per level, unless the caller wants the quoted text as plain lines
(the extractor: a forwarded invitation is often quoted whole).
"""

from __future__ import annotations

import html.parser
import re
from typing import ClassVar


class _TextExtractor(html.parser.HTMLParser):
    """Visible text as ``(quote depth, line)`` pairs; ``""`` lines mark paragraph breaks."""

    _LINE: ClassVar[frozenset[str]] = frozenset({"br", "li", "tr", "hr", "pre"})
    _BLOCK: ClassVar[frozenset[str]] = frozenset({
        "p", "div", "table", "blockquote", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"})
    _SKIP: ClassVar[frozenset[str]] = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []
        self.current: list[str] = []
        self.quote = 0
        self.skip = 0
        self.paragraph = False

    def _flush(self) -> None:
        text = " ".join("".join(self.current).split())
        self.current = []
        if not text:
            return
        if self.paragraph and self.lines:
            self.lines.append((min(self.lines[-1][0], self.quote), ""))
        self.paragraph = False
        self.lines.append((self.quote, text))

    def _tag(self, tag: str, opening: bool) -> None:
        if tag in self._SKIP:
            self.skip = self.skip + 1 if opening else max(0, self.skip - 1)
        elif tag in self._LINE:
            self._flush()
        elif tag in self._BLOCK:
            self._flush()
            self.paragraph = True
            if tag == "blockquote":
                self.quote = self.quote + 1 if opening else max(0, self.quote - 1)

    def handle_starttag(self, tag: str, attrs) -> None:
        self._tag(tag, True)

    def handle_endtag(self, tag: str) -> None:
        self._tag(tag, False)

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.current.append(data)

    def text(self, *, quote_marks: bool) -> str:
        self._flush()
        if not quote_marks:
            return "\n".join(line for _depth, line in self.lines).strip()
        return "\n".join(("> " * depth + line) if line else ">" * depth
                         for depth, line in self.lines).strip()


def html_to_text(markup: str, *, quote_marks: bool = True) -> str:
    """Readable text of ``markup`` (scripts and styles dropped; quoted lines marked with
    ``> `` unless ``quote_marks`` is false). HTML the parser gives up on loses its tags."""
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:
        return re.sub(r"<[^>]*>", " ", markup)
    return parser.text(quote_marks=quote_marks)


__all__ = ["html_to_text"]
