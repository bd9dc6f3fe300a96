"""Plain terminal tables for long listings (``spt status``, ``spt agenda``).

rich's :class:`~rich.table.Table` measures and wraps every cell: about a
millisecond a row, so a few hundred open cases took longer to draw than to
read from the store (see ``bench/run.py``, reports). Here every row is one
line: columns are as wide as their widest cell up to a cap, and the widest
capped column shrinks (cells cut with "…") to fit the terminal. Same look as
rich's default table (heavy header box), a style per row when the output is
a terminal, ASCII lines when the output encoding cannot draw boxes.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.style import Style

_UNICODE = {"top": "┏━┳┓", "head": "┃┃┃", "sep": "┡━╇┩", "row": "│││", "bottom": "└─┴┘"}
_ASCII = {"top": "+-++", "head": "|||", "sep": "+-++", "row": "|||", "bottom": "+-++"}


def _fit(text: str, width: int) -> str:
    """``text`` padded or cut (with "…") to exactly ``width`` cells."""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


def render_lines(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, width: int,
    max_widths: Sequence[int | None] | None = None, keep: Sequence[int] = (),
    ascii_only: bool = False,
) -> list[str]:
    """The table as lines of at most ``width`` cells (header, separator, rows, bottom).

    Columns whose index is in ``keep`` are never cut (a letter number, a date).
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
    while overflow > 0 and shrinkable:
        widest = max(shrinkable, key=lambda i: widths[i])
        if widths[widest] <= 8:
            break  # nothing sensible left to shrink: let the terminal wrap
        cut = min(overflow, widths[widest] - 8)
        widths[widest] -= cut
        overflow -= cut

    def rule(kind: str) -> str:
        left, fill, mid, right = box[kind]
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def line(kind: str, values: Sequence[str]) -> str:
        left, mid, right = box[kind]
        return left + mid.join(f" {_fit(v, w)} " for v, w in zip(values, widths, strict=True)) \
            + right

    out = [rule("top"), line("head", headers), rule("sep")]
    out += [line("row", r) for r in cells]
    out.append(rule("bottom"))
    return out


def print_table(
    console: Console, title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], *,
    row_styles: Sequence[str | None] | None = None,
    max_widths: Sequence[int | None] | None = None, keep: Sequence[int] = (),
) -> None:
    """Write the table to ``console``'s file: title, then one line per row, styled on a TTY."""
    ascii_only = not (console.encoding or "").lower().startswith("utf")
    lines = render_lines(headers, rows, width=console.width, max_widths=max_widths, keep=keep,
                         ascii_only=ascii_only)
    color = console.color_system if console.is_terminal and not console.no_color else None
    styles: list[str | None] = [None, "bold", None, *(row_styles or [None] * len(rows)), None]
    out = [title.center(cell_len(lines[0])).rstrip()]
    for text, style in zip(lines, styles, strict=True):
        out.append(Style.parse(style).render(text, color_system=color) if style and color
                   else text)
    console.file.write("\n".join(out) + "\n")
    console.file.flush()
