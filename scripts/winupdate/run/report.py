"""Draw a run's timeline: a PNG (matplotlib, Agg) or a self-contained HTML file (inline SVG)."""

from __future__ import annotations

import html
from pathlib import Path

from ..errors import UsageError
from .executions import SUCCEEDED
from .progress import duration
from .timeline import COLOURS, FAILED_COLOUR, KINDS, Timeline

MIN_BAR = 0.004  # of the run's span: a branch step takes no time but should still show


def _span(timeline: Timeline) -> tuple[float, float]:
    if timeline.start is None or timeline.end is None:
        return 0.0, 1.0
    start = timeline.start.timestamp()
    return start, max(timeline.end.timestamp() - start, 1.0)


def _title(timeline: Timeline) -> str:
    _, span = _span(timeline)
    # The Start run's own status can be Success while instances failed: say both.
    failed = sum(1 for row in timeline.rows if row.status not in SUCCEEDED)
    return (
        f"{timeline.document} {timeline.execution_id}: {timeline.status}, "
        f"{len(timeline.rows)} instance(s), {failed} failed, {duration(span)}"
    )


def legend(timeline: Timeline) -> list[tuple[str, str]]:
    """(kind, label) of the kinds the picture draws, in KINDS' order, then "failed" if a
    step failed: a legend of colours that appear nowhere only makes the reader look."""
    bars = [bar for row in timeline.rows for bar in row.bars]
    drawn = {bar.kind for bar in bars}
    entries = [(kind, label) for kind, label in KINDS.items() if kind in drawn]
    if any(bar.failed for bar in bars):
        entries.append(("failed", "failed"))
    return entries


def write_png(timeline: Timeline, path: Path) -> list[str]:
    """Write the picture; return the row labels, top to bottom."""
    import matplotlib

    matplotlib.use("Agg")  # no display: a file is all we want
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    origin, span = _span(timeline)
    labels = [row.label for row in timeline.rows]
    height = max(2.5, 0.6 * len(labels) + 1.8)
    fig, ax = plt.subplots(figsize=(12, height), dpi=100)
    unit, scale = ("min", 60.0) if span >= 120 else ("s", 1.0)
    for index, row in enumerate(timeline.rows):
        y = len(labels) - 1 - index
        for bar in row.bars:
            left = (bar.start.timestamp() - origin) / scale
            width = max(
                (bar.end.timestamp() - bar.start.timestamp()) / scale, MIN_BAR * span / scale
            )
            ax.barh(
                y,
                width,
                left=left,
                height=0.6,
                color=COLOURS[bar.kind],
                edgecolor=FAILED_COLOUR if bar.failed else "white",
                linewidth=2.0 if bar.failed else 0.5,
                hatch="xx" if bar.failed else None,
            )
            if bar.failed:
                ax.annotate(
                    f"{bar.name} {bar.status}",
                    (left + width, y + 0.32),
                    fontsize=7,
                    color=FAILED_COLOUR,
                )
    ax.set_yticks(range(len(labels)), list(reversed(labels)), fontsize=8)
    ax.set_xlabel(f"{unit} since the first step")
    ax.set_xlim(0, span / scale * 1.02)
    ax.set_ylim(-0.7, len(labels) - 0.3)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(_title(timeline), fontsize=9)
    handles = [
        Patch(facecolor="white", edgecolor=FAILED_COLOUR, hatch="xx", label=label)
        if kind == "failed"
        else Patch(color=COLOURS[kind], label=label)
        for kind, label in legend(timeline)
    ]
    # Below the axes, in a strip of its own, so it never covers the x label.
    if handles:
        fig.legend(
            handles=handles, loc="lower center", ncol=len(handles), fontsize=7, frameon=False
        )
    fig.tight_layout(rect=(0, 0.6 / height, 1, 1))
    fig.savefig(path, format="png")
    plt.close(fig)
    return labels


def render_svg(timeline: Timeline) -> tuple[str, list[str]]:
    """The timeline as an SVG element, one ``<g class="row">`` per instance."""
    origin, span = _span(timeline)
    label_w, plot_w, row_h, top = 260, 860, 28, 30
    labels = [row.label for row in timeline.rows]
    total_h = top + row_h * len(labels) + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + plot_w + 20}" '
        f'height="{total_h}" font-family="sans-serif" font-size="12">'
    ]
    for index, row in enumerate(timeline.rows):
        y = top + index * row_h
        parts.append(
            f'<g class="row" data-instance="{html.escape(row.instance_id)}" '
            f'data-execution="{html.escape(row.execution_id)}">'
        )
        parts.append(f'<text x="4" y="{y + 17}">{html.escape(row.label)}</text>')
        for bar in row.bars:
            x = label_w + (bar.start.timestamp() - origin) / span * plot_w
            w = max((bar.end.timestamp() - bar.start.timestamp()) / span * plot_w, 2.0)
            stroke = f' stroke="{FAILED_COLOUR}" stroke-width="3"' if bar.failed else ""
            tip = (
                f"{bar.name} ({KINDS[bar.kind]}): {bar.status}, "
                f"{duration((bar.end - bar.start).total_seconds())}"
            )
            parts.append(
                f'<rect class="step {bar.kind}{" failed" if bar.failed else ""}" '
                f'x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
                f'fill="{COLOURS[bar.kind]}"{stroke}><title>{html.escape(tip)}</title></rect>'
            )
        parts.append("</g>")
    legend_y = top + row_h * len(labels) + 25
    x = label_w
    for kind, name in legend(timeline):
        colour = COLOURS.get(kind, "white")
        stroke = f' stroke="{FAILED_COLOUR}" stroke-width="3"' if kind == "failed" else ""
        parts.append(
            f'<rect class="legend {kind}" x="{x}" y="{legend_y - 11}" width="14" height="14" '
            f'fill="{colour}"{stroke}/>'
        )
        parts.append(f'<text x="{x + 18}" y="{legend_y}">{html.escape(name)}</text>')
        x += 30 + 8 * len(name)
    parts.append(
        f'<text x="{label_w}" y="{legend_y + 22}">0 … {html.escape(duration(span))} '
        "since the first step</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts), labels


def write_html(timeline: Timeline, path: Path) -> list[str]:
    svg, labels = render_svg(timeline)
    title = html.escape(_title(timeline))
    path.write_text(
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f'<title>{title}</title></head>\n<body>\n<h1 style="font:16px sans-serif">{title}</h1>\n'
        f"{svg}\n</body></html>\n",
        encoding="utf-8",
    )
    return labels


def write_report(timeline: Timeline, path: Path) -> list[str]:
    """Write ``path`` (.png or .html); return the row labels."""
    suffix = path.suffix.lower()
    if suffix not in (".png", ".html", ".htm"):
        raise UsageError(f"--out {path}: write a .png or an .html file")
    if not path.parent.exists():
        raise UsageError(f"--out {path}: folder {path.parent} does not exist")
    if suffix == ".png":
        return write_png(timeline, path)
    return write_html(timeline, path)
