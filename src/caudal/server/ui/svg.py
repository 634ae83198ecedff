"""The web UI's pictures, drawn on the server as inline SVG: a flow's run-history bars, the
timeline (Gantt) of a flow run's task runs and the schematic (DAG) of a flow.

Pure functions of plain data: no database, no HTTP and no engine import. Each returns
``Markup`` that a template embeds as it is, so every piece of text that comes from data is
escaped here, and links whose scheme is not http(s) or mailto are dropped. The page's
Content-Security-Policy allows no inline style or script: shapes carry CSS classes only
(``static/drawings.css``, where ``st-<state>`` gives the engine's colour of each state) and
geometry attributes.
"""

from __future__ import annotations

import html
import itertools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from functools import lru_cache

from markupsafe import Markup

__all__ = ["Node", "RunBar", "Span", "dag", "gantt", "run_bars", "state_class"]

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
_BLANKS = re.compile("[\x00-\x20\x7f]")
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_CHAR_W = 6.4  # average width in px of an 11 px label character, to truncate labels
_ids = itertools.count(1)
# Order of the stacked summary of a mapped task's children: done, failed, then still to come.
_STATE_ORDER = {name: rank for rank, name in enumerate((
    "Success", "Cached", "Mapped", "Looped", "Skipped", "Failed", "TriggerFailed", "TimedOut",
    "ValidationFailed", "ClientFailed", "Cancelled", "Cancelling", "Running", "Retrying",
    "Resume", "Paused", "Submitted", "Queued", "Scheduled", "Pending"))}


@dataclass(frozen=True)
class RunBar:
    """One flow run in a flow's run-history strip."""

    state: str
    duration_s: float | None  # None: not started or unknown, drawn at the minimum height
    href: str
    title: str  # the tooltip, e.g. "daily-report-abc · Success · 12.3 s"


@dataclass(frozen=True)
class Span:
    """One row of the timeline: a task run, or the group of a mapped task's children."""

    key: str  # the task slug, unique per row
    label: str  # what the row shows: the task name, or "name[3]" for a child
    state: str
    start: datetime | None  # aware datetimes (naive ones are taken as UTC)
    end: datetime | None  # None while running: the bar goes on to `now`
    href: str | None = None
    children: int = 0  # for a mapped parent: how many children it has
    child_states: Mapping[str, int] = field(default_factory=dict)  # children counted by state
    title: str | None = None  # the tooltip; by default label, state and duration


@dataclass(frozen=True)
class Node:
    """One task of the schematic."""

    slug: str
    label: str
    state: str | None  # None: not run (grey)
    mapped: bool = False  # drawn as a stack of boxes
    href: str | None = None
    title: str | None = None  # the tooltip; by default label and state


@lru_cache(maxsize=512)
def state_class(state: str | None) -> str:
    """The class attribute that colours a shape by state: "TriggerFailed" -> "st st-triggerfailed".

    ``None`` (not run) gives "st st-none"; a state the stylesheet does not know falls back to the
    plain ``st`` colour.
    """
    if state is None:
        return "st st-none"
    name = "".join(ch for ch in str(state).lower() if ch.isascii() and ch.isalnum())
    return f"st st-{name}" if name else "st"


def _esc(value: object) -> str:
    """``value`` as text safe in an attribute or element, without characters XML forbids."""
    return html.escape(_NOT_XML.sub("", str(value)), quote=True)


def _href(value: str | None) -> str | None:
    """The escaped link, or None for no link: empty, or a scheme such as ``javascript:``."""
    if value is None:
        return None
    text = _NOT_XML.sub("", str(value)).strip()
    scheme = _SCHEME.match(_BLANKS.sub("", text))
    if not text or (scheme and scheme.group(1).lower() not in _SAFE_SCHEMES):
        return None
    return html.escape(text, quote=True)


def _clip(text: str, chars: int) -> str:
    """``text`` cut to ``chars`` characters, the last one an ellipsis when it was cut."""
    chars = max(chars, 2)
    return text if len(text) <= chars else text[:chars - 1] + "…"


def _num(value: float) -> str:
    """A coordinate with at most one decimal: 12, 12.5."""
    value = round(value, 1)
    return str(int(value)) if value == int(value) else str(value)


def _prefix(id_prefix: str | None) -> str:
    """Element ids of one drawing start with this; by default one unique in the process."""
    if id_prefix is None:
        return f"cs{next(_ids)}-"
    return re.sub(r"[^A-Za-z0-9_-]", "", id_prefix)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def _open(kind: str, width: float, height: float, view_w: float | None = None,
          view_h: float | None = None) -> str:
    view = f"0 0 {_num(view_w if view_w is not None else width)} " \
           f"{_num(view_h if view_h is not None else height)}"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="caudal-svg {kind}" '
            f'width="{_num(width)}" height="{_num(height)}" viewBox="{view}" role="img">')


def _empty(kind: str, width: float, height: float, text: str) -> Markup:
    return Markup(f'{_open(kind, width, height)}<text class="svg-empty" x="{_num(width / 2)}" '
                  f'y="{_num(height / 2 + 4)}" text-anchor="middle">{_esc(text)}</text></svg>')


def _link(href: str | None, inner: str, cls: str = "") -> str:
    """``inner`` in ``<a href>`` when there is a (safe) link, else in ``<g>``."""
    safe = _href(href)
    if safe is None:
        return f"<g>{inner}</g>"
    return f'<a class="{cls}" href="{safe}">{inner}</a>' if cls else f'<a href="{safe}">{inner}</a>'


# --- run-history bars ---------------------------------------------------------------------------


def run_bars(bars: Sequence[RunBar], *, width: int = 300, height: int = 40, gap: int = 2,
             min_height: int = 3, max_bar_width: int = 14) -> Markup:
    """A flow's recent runs as bars, oldest at the left (pass them oldest first).

    A bar's height is its run's duration over the longest in the strip, never below
    ``min_height``; its colour is its state's. Bars are at most ``max_bar_width`` wide and
    the newest sits at the right edge. The whole height of a bar's column is its link.
    """
    if not bars:
        return _empty("svg-bars", width, height, "no runs yet")
    count = len(bars)
    bar_w = max(1.0, min(float(max_bar_width), (width - gap * (count - 1)) / count))
    view_w = max(float(width), count * (bar_w + gap) - gap)
    left = view_w - (count * (bar_w + gap) - gap)
    longest = max((bar.duration_s for bar in bars if bar.duration_s), default=0.0)
    parts = [_open("svg-bars", width, height, view_w, height)]
    for index, bar in enumerate(bars):
        seconds = bar.duration_s
        tall = height * seconds / longest if longest > 0 and seconds and seconds > 0 else 0.0
        tall = min(float(height), max(float(min_height), tall))
        x = _num(left + index * (bar_w + gap))
        inner = (f'<title>{_esc(bar.title)}</title><rect class="hit" x="{x}" y="0" '
                 f'width="{_num(bar_w)}" height="{height}"/><rect class="{state_class(bar.state)}" '
                 f'x="{x}" y="{_num(height - tall)}" width="{_num(bar_w)}" height="{_num(tall)}"/>')
        parts.append(_link(bar.href, inner))
    parts.append("</svg>")
    return Markup("".join(parts))


# --- timeline -----------------------------------------------------------------------------------

_TICK_STEPS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900,
               1800, 3600, 7200, 10800, 21600, 43200, 86400)
MIN_SPAN_S = 0.05
"""The shortest time a timeline spans: a run of a few milliseconds still shows its tasks."""


def _ts(moment: datetime) -> float:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _ticks(t0: float, t1: float, count: int, tz: tzinfo) -> list[tuple[float, str]]:
    """About ``count`` round times between ``t0`` and ``t1``, with their labels in ``tz``."""
    span = t1 - t0
    step = next((s for s in _TICK_STEPS if span / s <= count), None)
    if step is None:
        step = 86400 * math.ceil(span / count / 86400)
    offset = datetime.fromtimestamp(t0, tz).utcoffset()
    shift = offset.total_seconds() if offset is not None else 0.0
    fmt = "%H:%M:%S" if span < 86400 else "%d %b %H:%M"
    first = math.ceil((t0 + shift) / step) * step - shift
    ticks = []
    index = 0
    while (moment := first + index * step) <= t1 + 1e-9:
        text = datetime.fromtimestamp(moment, tz).strftime(fmt)
        if step < 1:  # sub-second steps: the milliseconds too
            text += f".{round(moment * 1000) % 1000:03d}"
        ticks.append((moment, text))
        index += 1
    return ticks


def _summary(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """A mapped task's children counted by state, in the order the summary bar stacks them."""
    items = [(state, n) for state, n in counts.items() if n > 0]
    return sorted(items, key=lambda item: (_STATE_ORDER.get(item[0], len(_STATE_ORDER)), item[0]))


def gantt(spans: Sequence[Span], *, now: datetime, width: int = 900, row_height: int = 18,
          expand_href: Callable[[Span], str] | None = None, tz: tzinfo = UTC,
          label_width: int = 220, id_prefix: str | None = None) -> Markup:
    """A timeline of task runs: one row per span, sorted by start (not started last).

    The axis on top shows a few times in ``tz`` and, at the left, the first day and the zone's
    abbreviation. A span still running is drawn up to ``now``. A mapped parent (``children``)
    draws its children's states as a stacked bar and, with ``expand_href``, a "+" link to the
    rows of its children (the page fetches them as another ``gantt`` of the children only).

    Args:
        label_width: the width of the column of labels at the left; longer labels are cut.
        id_prefix: starts the ids of this drawing's elements (unique in the page).
    """
    rows = sorted(spans, key=lambda s: (s.start is None, _ts(s.start) if s.start else 0.0,
                                        s.label))
    if not rows:
        return _empty("svg-gantt", width, 40, "no task runs yet")
    axis_h, now_ts, prefix = 24, _ts(now), _prefix(id_prefix)
    times = [(_ts(s.start), _ts(s.end) if s.end else now_ts) if s.start else None for s in rows]
    started = [t for t in times if t is not None]
    t0 = min((t[0] for t in started), default=now_ts)
    t1 = max([t0 + MIN_SPAN_S] + [max(t) for t in started])
    plot_x, plot_w = label_width, max(width - label_width - 30, 50)
    scale = plot_w / (t1 - t0)
    height = axis_h + len(rows) * row_height + 2
    bar_h = max(row_height - 6, 2)
    zone = datetime.fromtimestamp(t0, tz)
    parts = [
        _open("svg-gantt", width, height),
        f'<defs><pattern id="{prefix}zebra" width="{width}" height="{2 * row_height}" '
        f'y="{axis_h}" patternUnits="userSpaceOnUse"><rect class="zebra" y="{row_height}" '
        f'width="{width}" height="{row_height}"/></pattern></defs>',
        f'<rect fill="url(#{prefix}zebra)" x="0" y="{axis_h}" width="{width}" '
        f'height="{len(rows) * row_height}"/>',
        f'<g class="axis"><text class="zone" x="4" y="15">'
        f'{_esc(zone.strftime("%Y-%m-%d"))} ({_esc(zone.tzname() or zone.strftime("%z"))})'
        '</text>',
    ]
    for moment, text in _ticks(t0, t1, max(2, plot_w // 110), tz):
        x = _num(plot_x + (moment - t0) * scale)
        parts.append(f'<line class="grid" x1="{x}" x2="{x}" y1="{axis_h - 5}" y2="{height}"/>'
                     f'<text x="{x}" y="15" text-anchor="middle">{_esc(text)}</text>')
    parts.append("</g>")
    label_chars = int((label_width - 22) / _CHAR_W)
    for index, (span, span_times) in enumerate(zip(rows, times, strict=True)):
        top = axis_h + index * row_height
        text_y = _num(top + row_height / 2 + 4)
        label = span.label
        if span.children > 0:
            count = f" ({span.children})"
            label = _clip(label, label_chars - len(count)) + count
        else:
            label = _clip(label, label_chars)
        if span_times is None:
            summary = f"{span.state} · not started"
        else:
            summary = f"{span.state} · {_duration(span_times[1] - span_times[0])}" + \
                      (" so far" if span.end is None else "")
        counts = _summary(span.child_states) if span.children > 0 else []
        if counts:
            summary += " · " + ", ".join(f"{n} {state}" for state, n in counts)
        title = span.title if span.title is not None else f"{span.label} · {summary}"
        row = [f'<g data-key="{_esc(span.key)}"><title>{_esc(title)}</title>']
        if span.children > 0 and expand_href is not None:
            row.append(_link(expand_href(span), (
                f'<title>Show the {span.children} children of {_esc(span.label)}</title>'
                f'<rect class="hit" x="0" y="{top}" width="14" height="{row_height}"/>'
                f'<text x="3" y="{text_y}">+</text>'), "expand"))
        shapes = [f'<text x="16" y="{text_y}">{_esc(label)}</text>']
        if span_times is not None:
            x0 = plot_x + (span_times[0] - t0) * scale
            bar_w = max(2.0, (span_times[1] - span_times[0]) * scale)
            y = _num(top + 3)
            if counts:
                total = sum(n for _, n in counts)
                x = x0
                for state, n in counts:
                    part = bar_w * n / total
                    shapes.append(f'<rect class="{state_class(state)}" x="{_num(x)}" y="{y}" '
                                  f'width="{_num(part)}" height="{bar_h}"/>')
                    x += part
            else:
                shapes.append(f'<rect class="{state_class(span.state)}" x="{_num(x0)}" y="{y}" '
                              f'width="{_num(bar_w)}" height="{bar_h}"/>')
        row.append(_link(span.href, "".join(shapes)))
        row.append("</g>")
        parts.append("".join(row))
    if any(t is not None and s.end is None for s, t in zip(rows, times, strict=True)):
        x = _num(plot_x + (now_ts - t0) * scale)
        parts.append(f'<line class="now" x1="{x}" x2="{x}" y1="{axis_h - 5}" y2="{height}">'
                     f'<title>now</title></line>')
    parts.append("</svg>")
    return Markup("".join(parts))


# --- schematic ----------------------------------------------------------------------------------

_BOX_W, _BOX_H = 150, 26  # a task's box
_MARGIN = 10
_COMPACT_EDGES = 200  # past this many edges: straight segments and no tooltips, for size
_DUMMY_BUDGET = 20_000  # bend points of long edges; past it, long edges are drawn straight


def _isotonic(desired: list[float], seps: list[float]) -> list[float]:
    """Positions closest (least squares) to ``desired`` keeping ``seps`` between neighbours."""
    offsets = [0.0]
    for sep in seps:
        offsets.append(offsets[-1] + sep)
    blocks: list[list[float]] = []  # [sum, count] of pooled adjacent values
    for want, offset in zip(desired, offsets, strict=True):
        blocks.append([want - offset, 1.0])
        while len(blocks) > 1 and blocks[-2][0] * blocks[-1][1] > blocks[-1][0] * blocks[-2][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    out: list[float] = []
    for total, count in blocks:
        out.extend([total / count] * int(count))
    return [value + offset for value, offset in zip(out, offsets, strict=True)]


def _crossings(layers: list[list[int]], down: list[list[int]], pos: list[int]) -> int:
    """How many pairs of edges cross between consecutive layers (inversions, Fenwick tree)."""
    total = 0
    for upper, lower in itertools.pairwise(layers):
        ends = sorted((pos[a], pos[b]) for a in upper for b in down[a])
        tree = [0] * (len(lower) + 1)
        for seen, (_, b) in enumerate(ends):
            i, not_after = b + 1, 0
            while i > 0:
                not_after += tree[i]
                i -= i & -i
            total += seen - not_after
            i = b + 1
            while i <= len(lower):
                tree[i] += 1
                i += i & -i
    return total


def _layers(count: int, pairs: Sequence[tuple[int, int]]) -> list[int]:
    """Each node's layer: the longest path to it from a root (``pairs`` has no cycle); a root
    sits just before its first successor rather than at the start."""
    succ: list[list[int]] = [[] for _ in range(count)]
    indegree = [0] * count
    for a, b in pairs:
        succ[a].append(b)
        indegree[b] += 1
    layer = [0] * count
    queue = [i for i in range(count) if indegree[i] == 0]
    roots = list(queue)
    for node in queue:  # grows while it is read: Kahn's topological order
        for nxt in succ[node]:
            layer[nxt] = max(layer[nxt], layer[node] + 1)
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                queue.append(nxt)
    for root in roots:
        if succ[root]:
            layer[root] = min(layer[s] for s in succ[root]) - 1
    return layer


def _acyclic(count: int, pairs: Sequence[tuple[int, int]]) -> set[tuple[int, int]]:
    """The edges to turn around so that the graph has no cycle (a DFS's back edges)."""
    succ: list[list[int]] = [[] for _ in range(count)]
    for a, b in pairs:
        succ[a].append(b)
    mark = [0] * count  # 0 unseen, 1 on the DFS stack, 2 done
    back: set[tuple[int, int]] = set()
    for root in range(count):
        if mark[root]:
            continue
        mark[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            node, rest = stack[-1]
            for nxt in rest:
                if mark[nxt] == 1:
                    back.add((node, nxt))
                elif mark[nxt] == 0:
                    mark[nxt] = 1
                    stack.append((nxt, iter(succ[nxt])))
                    break
            else:
                mark[node] = 2
                stack.pop()
    return back


def _order(layers: list[list[int]], up: list[list[int]],
           down: list[list[int]]) -> list[list[int]]:
    """Layers reordered by barycenter sweeps down and up: the order with fewest crossings."""
    pos = [0] * len(up)
    for row in layers:
        for i, elem in enumerate(row):
            pos[elem] = i
    best, best_crossings = [list(row) for row in layers], _crossings(layers, down, pos)
    for _ in range(4):
        if best_crossings == 0:
            break
        for rows, nbrs in ((layers[1:], up), (layers[-2::-1], down)):
            for row in rows:
                keys = {e: sum(pos[n] for n in nbrs[e]) / len(nbrs[e]) if nbrs[e] else pos[e]
                        for e in row}
                row.sort(key=keys.__getitem__)
                for i, elem in enumerate(row):
                    pos[elem] = i
            crossings = _crossings(layers, down, pos)
            if crossings < best_crossings:
                best, best_crossings = [list(row) for row in layers], crossings
    return best


def _place(layers: list[list[int]], up: list[list[int]], down: list[list[int]],
           size: list[int], gap: float) -> list[float]:
    """Each element's centre across its layer: as near its neighbours' as the order and the
    gaps (half as wide beside a bend point, whose size is 0) allow."""
    place = [0.0] * len(size)

    def seps(row: list[int]) -> list[float]:
        return [(size[a] + size[b]) / 2 + (gap if size[a] and size[b] else gap / 2)
                for a, b in itertools.pairwise(row)]

    for row in layers:
        for elem, value in zip(row, _isotonic([0.0] * len(row), seps(row)), strict=True):
            place[elem] = value
    for _ in range(3):
        for rows, nbrs in ((layers[1:], up), (layers[-2::-1], down), (layers[1:], up)):
            for row in rows:
                want = [sum(place[n] for n in nbrs[e]) / len(nbrs[e]) if nbrs[e] else place[e]
                        for e in row]
                for elem, value in zip(row, _isotonic(want, seps(row)), strict=True):
                    place[elem] = value
    return place


def _edge_path(points: list[str], across_is_y: bool, straight_lines: bool) -> str:
    """The ``d`` of an edge through ``points`` ("x y"): a curve across each gap between layers
    (or a straight line), one ``h`` or ``v`` along each run of layers it passes straight by."""
    coords = [tuple(map(int, point.split())) for point in points]
    d, straight = [f"M{points[0]}"], 0
    line = "h" if across_is_y else "v"
    for (x0, y0), (x1, y1) in itertools.pairwise(coords):
        dx, dy = x1 - x0, y1 - y0
        if (dy if across_is_y else dx) == 0:
            straight += dx or dy
            continue
        if straight:
            d.append(f"{line}{straight}")
            straight = 0
        if straight_lines:
            d.append(f"l{dx} {dy}")
        elif across_is_y:
            d.append(f"c{dx // 2} 0 {dx // 2} {dy} {dx} {dy}")
        else:
            d.append(f"c0 {dy // 2} {dx} {dy // 2} {dx} {dy}")
    if straight:
        d.append(f"{line}{straight}")
    return "".join(d)


def dag(nodes: Sequence[Node], edges: Sequence[tuple[str, str, str | None]], *,
        max_width: int = 1600, direction: str = "auto", id_prefix: str | None = None,
        edge_labels: bool | None = None) -> Markup:
    """A flow's schematic: tasks as boxes coloured by state, in layers, with arrows between them.

    A task's layer is the longest path to it from a root (a root sits just before its first
    downstream task); the order within a layer comes from a few barycenter sweeps that reduce
    crossings; long edges bend around the boxes. Edges naming an unknown slug, and loops on
    one task, are left out; cycles are broken (the edge that closes one points backwards).

    Args:
        max_width: the drawing is never wider: a wider schematic is scaled down (its viewBox
            keeps the full size, so the page can zoom).
        direction: "LR" (left to right), "TB" (top to bottom) or "auto": left to right when it
            fits in ``max_width`` or is narrower than top to bottom.
        id_prefix: starts the ids of this drawing's elements (unique in the page).
        edge_labels: write the edges' labels (keywords) on them; by default when at most 60
            edges have one. They are always in the edges' tooltips.
    """
    index: dict[str, int] = {}
    tasks: list[Node] = []
    for node in nodes:
        if node.slug not in index:
            index[node.slug] = len(tasks)
            tasks.append(node)
    if not tasks:
        return _empty("svg-dag", 300, 40, "no tasks")
    labels: dict[tuple[int, int], list[str]] = {}
    for upstream, downstream, label in edges:
        a, b = index.get(upstream), index.get(downstream)
        if a is None or b is None or a == b:
            continue
        names = labels.setdefault((a, b), [])
        if label and label not in names:
            names.append(str(label))
    count = len(tasks)
    back = _acyclic(count, list(labels))
    forward = [(b, a) if (a, b) in back else (a, b) for a, b in labels]
    layer = _layers(count, forward)

    # Long edges get a bend point ("dummy" element) in every layer they cross.
    elem_layer = list(layer)
    up: list[list[int]] = [[] for _ in range(count)]
    down: list[list[int]] = [[] for _ in range(count)]
    chains: list[list[int]] = []
    budget = _DUMMY_BUDGET
    for a, b in forward:
        chain, prev = [a], a
        if layer[b] - layer[a] - 1 <= budget:
            budget -= max(layer[b] - layer[a] - 1, 0)
            for k in range(layer[a] + 1, layer[b]):
                dummy = len(elem_layer)
                elem_layer.append(k)
                up.append([prev])
                down.append([])
                down[prev].append(dummy)
                chain.append(dummy)
                prev = dummy
        if layer[b] - elem_layer[prev] == 1:
            down[prev].append(b)
            up[b].append(prev)
        chain.append(b)
        chains.append(chain)
    layers: list[list[int]] = [[] for _ in range(max(layer) + 1)]
    for elem, k in enumerate(elem_layer):
        layers[k].append(elem)

    layers = _order(layers, up, down)

    # Direction, then positions along each layer: pulled towards their neighbours.
    lr_width = 2 * _MARGIN + len(layers) * (_BOX_W + 60) - 60
    if direction not in ("LR", "TB"):
        tb_width = 2 * _MARGIN + max(
            sum(_BOX_W + 20 if e < count else 10 for e in row) for row in layers)
        direction = "LR" if lr_width <= max_width or lr_width <= tb_width else "TB"
    across, along, gap, layer_gap = ((_BOX_H, _BOX_W, 12, 60) if direction == "LR"
                                     else (_BOX_W, _BOX_H, 20, 44))
    size = [across if e < count else 0 for e in range(len(elem_layer))]
    place = _place(layers, up, down, size, gap)
    low = min(place[e] - size[e] / 2 for e in range(len(elem_layer)))
    high = max(place[e] + size[e] / 2 for e in range(len(elem_layer)))
    shift = _MARGIN + 6 - low  # 6: room for a mapped task's stacked boxes
    extent_across = high - low + 2 * _MARGIN + 6
    extent_along = 2 * _MARGIN + len(layers) * (along + layer_gap) - layer_gap

    def at(k: int, offset: float, p: float) -> str:
        """"x y" of the point ``offset`` along layer ``k`` and ``p`` across it."""
        a = _MARGIN + k * (along + layer_gap) + offset
        return f"{round(a)} {round(p + shift)}" if direction == "LR" else \
            f"{round(p + shift)} {round(a)}"

    prefix = _prefix(id_prefix)
    width, height = (extent_along, extent_across) if direction == "LR" else \
        (extent_across, extent_along)
    shown_w = min(width, max_width)
    parts = [_open("svg-dag", shown_w, height * shown_w / width, width, height),
             f'<defs><marker id="{prefix}arrow" viewBox="0 0 8 8" refX="8" refY="4" '
             'markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0L8 4L0 8z"/></marker>'
             f'</defs><g class="edges" marker-end="url(#{prefix}arrow)">']
    if edge_labels is None:
        edge_labels = sum(1 for names in labels.values() if names) <= 60
    edge_text: list[str] = []
    half = layer_gap / 2
    compact = len(labels) > _COMPACT_EDGES
    for (a, b), chain in zip(labels, chains, strict=True):
        points = [at(elem_layer[chain[0]], along, place[chain[0]])]
        for elem in chain[1:-1]:
            points += [at(elem_layer[elem], 0, place[elem]), at(elem_layer[elem], along,
                                                                 place[elem])]
        points.append(at(elem_layer[chain[-1]], 0, place[chain[-1]]))
        if (a, b) in back:
            points.reverse()
        d = _edge_path(points, direction == "LR", compact)
        names = labels[(a, b)]
        title = "" if compact else \
            f"{tasks[a].label} → {tasks[b].label}" + (f": {', '.join(names)}" if names else "")
        parts.append(f'<path d="{d}"><title>{_esc(title)}</title></path>' if title
                     else f'<path d="{d}"/>')
        if names and edge_labels:
            k, p = elem_layer[chain[-1]], (place[chain[-1]] + place[chain[-2]]) / 2
            x, y = at(k, -half, p).split()
            edge_text.append(f'<text class="el" x="{x}" y="{int(y) - 3}" text-anchor="middle">'
                             f'{_esc(_clip(", ".join(names), 12))}</text>')
    parts.append("</g>")
    parts.extend(edge_text)
    label_chars = int((_BOX_W - 14) / _CHAR_W)
    for i, task in enumerate(tasks):
        x, y = at(layer[i], 0, place[i] - across / 2).split()
        box = f'width="{_BOX_W}" height="{_BOX_H}"'
        stack = ""
        if task.mapped:
            stack = "".join(f'<rect class="k" x="{int(x) + d}" y="{int(y) - d}" {box}/>'
                            for d in (6, 3, 0))
        shapes = (f'{stack}<rect x="{x}" y="{y}" {box}/><text x="{int(x) + 7}" '
                  f'y="{int(y) + _BOX_H // 2 + 4}">{_esc(_clip(task.label, label_chars))}</text>')
        title = task.title if task.title is not None else \
            f"{task.label} · {task.state or 'not run'}" + (" · mapped" if task.mapped else "")
        href = _href(task.href)
        tag, link = ("a", f' href="{href}"') if href else ("g", "")
        parts.append(f'<{tag} class="n {state_class(task.state)}" data-slug="{_esc(task.slug)}"'
                     f'{link}><title>{_esc(title)}</title>{shapes}</{tag}>')
    parts.append("</svg>")
    return Markup("".join(parts))
