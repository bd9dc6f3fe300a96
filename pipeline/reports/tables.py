"""Plain terminal tables for long listings (``spt status``, ``spt agenda``).

rich's :class:`~rich.table.Table` measures every cell through its layout engine:
about a millisecond a row, so a few hundred open cases took longer to draw than
to read from the store (see ``bench/run.py``, reports). Here columns are as wide
as their widest cell up to a cap, the widest capped column shrinks to fit the
terminal, and a cell longer than its column WRAPS onto further lines of the same
row at word boundaries (a word longer than the column is split): nothing is ever
cut, so a Hal or a reason is read whole at any terminal width. Same look as rich's
default table (heavy header box), a style per row when the output is a terminal,
ASCII lines when the output encoding cannot draw boxes.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.style import Style

_UNICODE = {"top": "┏━┳┓", "head": "┃┃┃", "sep": "┡━╇┩", "row": "│││", "bottom": "└─┴┘"}
_ASCII = {"top": "+-++", "head": "|||", "sep": "+-++", "row": "|||", "bottom": "+-++"}


def _pad(text: str, width: int) -> str:
    """``text`` padded to exactly ``width`` cells (it is never longer: see :func:`_wrap`)."""
    return set_cell_size(text, width)


def _wrap(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` cells, broken between words.

    Only a word wider than the column itself is split, on a line of its own.
    """
    if cell_len(text) <= width:
        return [text]
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        if cell_len(word) > width:
            if current:
                lines.append(current)
            while cell_len(word) > width:
                head = set_cell_size(word, width)
                lines.append(head)
                word = word[len(head):]
            current = word
            continue
        candidate = f"{current} {word}" if current else word
        if cell_len(candidate) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current or not lines:
        lines.append(current)
    return lines


def render_lines(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, width: int,
    max_widths: Sequence[int | None] | None = None, keep: Sequence[int] = (),
    ascii_only: bool = False, groups: list[int] | None = None,
) -> list[str]:
    """The table as lines of at most ``width`` cells (header, separator, rows, bottom).

    Columns whose index is in ``keep`` are never narrowed (a letter number, a date);
    the others may be, and their long cells wrap onto more lines of the row.
    ``groups``, when given, receives the number of lines of each row.
    """
    box = _ASCII if ascii_only else _UNICODE
    caps = list(max_widths or [None] * len(headers))
    cells = [[" ".join(str(c).split()) for c in row] for row in rows]
    widths = []
    for i, head in enumerate(headers):
        w = max([cell_len(head), *(cell_len(r[i]) for r in cells)])
        widths.append(min(w, caps[i]) if caps[i] else w)
    overflow = sum(widths) + 3 * len(widths) + 1 - width
    shrinkable = [i for i in range(len(widths)) if i not in keep]
    # Narrow the widest column one cell at a time, so the wide ones end up alike
    # (a long Hal and a long list of names share the room) rather than one squeezed.
    while overflow > 0 and shrinkable:
        widest = max(shrinkable, key=lambda i: widths[i])
        if widths[widest] <= 8:
            break  # nothing sensible left to narrow: let the terminal wrap
        widths[widest] -= 1
        overflow -= 1

    def rule(kind: str) -> str:
        left, fill, mid, right = box[kind]
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def lines(kind: str, values: Sequence[str]) -> list[str]:
        left, mid, right = box[kind]
        wrapped = [_wrap(v, w) for v, w in zip(values, widths, strict=True)]
        height = max(len(c) for c in wrapped)
        return [left + mid.join(f" {_pad(c[i] if i < len(c) else '', w)} "
                                for c, w in zip(wrapped, widths, strict=True)) + right
                for i in range(height)]

    out = [rule("top"), *lines("head", headers), rule("sep")]
    for r in cells:
        row = lines("row", r)
        out += row
        if groups is not None:
            groups.append(len(row))
    out.append(rule("bottom"))
    return out


def print_table(
    console: Console, title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], *,
    row_styles: Sequence[str | None] | None = None,
    max_widths: Sequence[int | None] | None = None, keep: Sequence[int] = (),
) -> None:
    """Write the table to ``console``'s file: title, then each row's lines, styled on a TTY."""
    ascii_only = not (console.encoding or "").lower().startswith("utf")
    heights: list[int] = []
    lines = render_lines(headers, rows, width=console.width, max_widths=max_widths, keep=keep,
                         ascii_only=ascii_only, groups=heights)
    color = console.color_system if console.is_terminal and not console.no_color else None
    per_row = row_styles or [None] * len(rows)
    head = len(lines) - sum(heights) - 1
    styles: list[str | None] = [None, *["bold"] * (head - 2), None]
    for style, height in zip(per_row, heights, strict=True):
        styles += [style] * height
    styles.append(None)
    out = [title.center(cell_len(lines[0])).rstrip()]
    for text, style in zip(lines, styles, strict=True):
        out.append(Style.parse(style).render(text, color_system=color) if style and color
                   else text)
    console.file.write("\n".join(out) + "\n")
    console.file.flush()
