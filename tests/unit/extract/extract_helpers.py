"""Letters written as plain text, for the field rules' tests."""

from __future__ import annotations

from pipeline.extract.layout import Document, PlacedWord, build_lines, plain_lines


def text_doc(text: str, source: str = "docx") -> Document:
    """A letter without positions: one line per text line (as a DOCX gives them)."""
    rows = [(line.strip(), None, 0) for line in text.splitlines() if line.strip()]
    return Document(tuple(plain_lines(rows)), source, False)


def placed_doc(
    rows: list[list[tuple[float, str]]],
    *,
    source: str = "text layer",
    line_height: float = 14.0,
    size: float = 11.0,
    conf: float | None = None,
) -> Document:
    """A letter with positions: each row a list of ``(x, text)`` runs (5.5 pt a letter)."""
    words = []
    for index, row in enumerate(rows):
        top = 50.0 + index * line_height
        for x, run in row:
            position = x
            for token in run.split():
                width = 5.5 * len(token)
                words.append(
                    PlacedWord(
                        token, position, position + width, top, top + size, size=size, conf=conf
                    )
                )
                position += width + 3.0
    lines = build_lines([words], [595.0])
    return Document(tuple(lines), source, True, (595.0,))
