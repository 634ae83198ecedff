"""The web UI's SVG pictures: what a user sees in them, and that no data can inject markup."""

from __future__ import annotations

import random
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from markupsafe import Markup

from caudal.server.ui import svg
from caudal.server.ui.svg import Node, RunBar, Span, dag, gantt, run_bars, state_class

NS = "{http://www.w3.org/2000/svg}"
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
HOSTILE = ('<script>alert(1)</script>', '"><img src=x onerror=alert(1)>')
CSS = Path(svg.__file__).parent / "static" / "drawings.css"
ENGINE_STATES = Path(svg.__file__).parents[2] / "engine" / "state.py"


def parse(drawing: Markup) -> ET.Element:
    assert isinstance(drawing, Markup)
    return ET.fromstring(str(drawing))


def assert_safe(drawing: Markup) -> ET.Element:
    """Well-formed XML, and nothing a CSP or an injection would object to."""
    root = parse(drawing)
    text = str(drawing)
    assert "<script" not in text and "<img" not in text and "<style" not in text
    tags = re.findall(r'<(/?)([a-zA-Z]+)((?:\s+[\w:-]+="[^"<]*")*)\s*/?>', text)
    assert len(tags) == text.count("<")  # every "<" opens a tag: none hides in text
    for _, _, attributes in tags:
        names = re.findall(r'([\w:-]+)="', attributes)
        assert not [name for name in names if name.startswith("on") or name == "style"]
    for element in root.iter():
        assert element.tag not in (f"{NS}script", f"{NS}style", f"{NS}foreignObject")
        assert not any(name.startswith("on") or name == "style" for name in element.attrib)
    return root


def rects(root: ET.Element, cls: str) -> list[ET.Element]:
    return [r for r in root.iter(f"{NS}rect") if cls in r.get("class", "").split()]


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{NS}text")]


def bar(state: str, seconds: float | None, name: str = "run") -> RunBar:
    return RunBar(state, seconds, f"../flow-runs/{name}", f"{name} · {state}")


# --- state classes and the stylesheet ----------------------------------------------------------


def test_state_class_lowercases_and_drops_punctuation() -> None:
    assert state_class("TriggerFailed") == "st st-triggerfailed"
    assert state_class("Success") == "st st-success"
    assert state_class("Weird State!") == "st st-weirdstate"
    assert state_class(None) == "st st-none"
    assert state_class("<>") == "st"


def test_stylesheet_has_the_engine_colour_of_every_state() -> None:
    engine = dict(re.findall(r'class (\w+)\(.*?\):.*?color = "(#[0-9A-Fa-f]{6})"',
                             ENGINE_STATES.read_text(), re.S))
    css = {name: colour for name, colour in re.findall(
        r"\.st-(\w+) \{ fill: (#[0-9a-f]{6});", CSS.read_text())}
    states = ("Pending Scheduled Submitted Queued Running Retrying Resume Paused Looped Mapped "
              "Cancelling Cancelled Success Cached Skipped Failed TriggerFailed TimedOut "
              "ValidationFailed ClientFailed").split()
    for state in states:
        assert css[state.lower()] == engine[state].lower(), state
    assert re.search(r"^\.st \{ fill: #696969;", CSS.read_text(), re.M)


# --- run-history bars --------------------------------------------------------------------------


def test_run_bars_oldest_left_heights_proportional_to_duration() -> None:
    root = assert_safe(run_bars([bar("Success", 10, "a"), bar("Failed", 20, "b"),
                                 bar("Success", 5, "c")], width=300, height=40))
    shown = rects(root, "st")
    xs = [float(r.get("x")) for r in shown]
    heights = [float(r.get("height")) for r in shown]
    assert xs == sorted(xs) and len(set(xs)) == 3
    assert heights == [20, 40, 10]
    for r in shown:  # bars stand on the bottom line
        assert float(r.get("y")) + float(r.get("height")) == 40
    assert [r.get("class") for r in shown] == ["st st-success", "st st-failed", "st st-success"]
    links = [a.get("href") for a in root.iter(f"{NS}a")]
    assert links == ["../flow-runs/a", "../flow-runs/b", "../flow-runs/c"]
    assert [a.find(f"{NS}title").text for a in root.iter(f"{NS}a")][0] == "a · Success"


def test_run_bars_minimum_height_for_short_and_unknown_durations() -> None:
    root = parse(run_bars([bar("Success", 1000), bar("Success", 0.01), bar("Pending", None),
                           bar("Success", 0)], height=40, min_height=3))
    assert [float(r.get("height")) for r in rects(root, "st")] == [40, 3, 3, 3]


def test_run_bars_all_unknown_durations_and_many_bars_stay_in_the_box() -> None:
    root = parse(run_bars([bar("Running", None)] * 3))
    assert [float(r.get("height")) for r in rects(root, "st")] == [3, 3, 3]
    root = parse(run_bars([bar("Success", i + 1) for i in range(500)], width=300))
    shown = rects(root, "st")
    view_w = float(root.get("viewBox").split()[2])
    assert all(0 <= float(r.get("x")) and float(r.get("x")) + float(r.get("width")) <= view_w
               for r in shown)
    assert root.get("width") == "300"


def test_run_bars_empty_says_no_runs_yet() -> None:
    root = assert_safe(run_bars([], width=200, height=30))
    assert (root.get("width"), root.get("height")) == ("200", "30")
    assert texts(root) == ["no runs yet"]


# --- timeline ----------------------------------------------------------------------------------


def span(key: str, start_s: float | None, end_s: float | None, state: str = "Success",
         **kwargs: object) -> Span:
    start = NOW + timedelta(seconds=start_s) if start_s is not None else None
    end = NOW + timedelta(seconds=end_s) if end_s is not None else None
    return Span(key, kwargs.pop("label", key), state, start, end, **kwargs)  # type: ignore[arg-type]


def rows(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter() if g.get("data-key") is not None]


def bar_of(row: ET.Element) -> ET.Element:
    return next(r for r in row.iter(f"{NS}rect") if "st" in r.get("class", "").split())


def test_gantt_rows_sorted_by_start_not_started_last() -> None:
    root = assert_safe(gantt([span("late", 50, 60), span("never", None, None, "Pending"),
                              span("early", 0, 10), span("middle", 20, 30)], now=NOW))
    order = [g.get("data-key") for g in rows(root)]
    assert order == ["early", "middle", "late", "never"]
    ys = [float(next(g.iter(f"{NS}text")).get("y")) for g in rows(root)]
    assert ys == sorted(ys)
    assert not [r for r in rows(root)[3].iter(f"{NS}rect")]  # nothing to draw yet
    starts = [float(bar_of(g).get("x")) for g in rows(root)[:3]]
    assert starts == sorted(starts)


def test_gantt_bar_spans_start_to_end_and_running_to_now() -> None:
    now = NOW + timedelta(seconds=100)
    root = parse(gantt([span("done", 0, 50), span("running", 50, None, "Running")], now=now,
                       width=900, label_width=200))
    done, running = (bar_of(g) for g in rows(root))
    done_w, running_w = float(done.get("width")), float(running.get("width"))
    assert running.get("class") == "st st-running"
    assert abs(done_w - running_w) <= 0.2  # both last 50 s
    assert abs(float(running.get("x")) + running_w - (200 + 670)) <= 0.2  # reaches now
    now_line = next(line for line in root.iter(f"{NS}line") if line.get("class") == "now")
    assert abs(float(now_line.get("x1")) - 870) <= 0.2
    titles = [g.find(f"{NS}title").text for g in rows(root)]
    assert titles == ["done · Success · 50.0 s", "running · Running · 50.0 s so far"]


def test_gantt_ticks_in_the_given_zone() -> None:
    spans = [span("a", 0, 600), span("b", 300, 1200)]
    utc = parse(gantt(spans, now=NOW, tz=UTC))
    brazil = parse(gantt(spans, now=NOW, tz=ZoneInfo("America/Sao_Paulo")))
    utc_ticks = [t for t in texts(utc) if re.fullmatch(r"\d\d:\d\d:\d\d", t)]
    brazil_ticks = [t for t in texts(brazil) if re.fullmatch(r"\d\d:\d\d:\d\d", t)]
    assert len(utc_ticks) >= 2
    assert utc_ticks[0] == "12:00:00" and brazil_ticks[0] == "09:00:00"
    assert [t[2:] for t in utc_ticks] == [t[2:] for t in brazil_ticks]
    assert "2026-03-01 (UTC)" in texts(utc)
    assert "2026-03-01 (-03)" in texts(brazil)


def test_gantt_mapped_parent_summary_and_expand_link() -> None:
    parent = span("load", 0, 100, "Mapped", children=10,
                  child_states={"Success": 6, "Failed": 3, "Running": 1}, href="../tr/load")
    plain = gantt([parent, span("other", 0, 10)], now=NOW)
    root = assert_safe(plain)
    load = rows(root)[0]
    stack = [r for r in load.iter(f"{NS}rect") if "st" in r.get("class", "").split()]
    assert [r.get("class") for r in stack] == ["st st-success", "st st-failed", "st st-running"]
    widths = [float(r.get("width")) for r in stack]
    assert widths[0] / widths[1] == pytest.approx(2, rel=0.05)
    assert float(stack[1].get("x")) == pytest.approx(float(stack[0].get("x")) + widths[0], abs=0.2)
    assert "6 Success, 3 Failed, 1 Running" in load.find(f"{NS}title").text
    assert "load (10)" in texts(load)
    assert not [a for a in root.iter(f"{NS}a") if a.get("class") == "expand"]

    root = assert_safe(gantt([parent, span("other", 0, 10)], now=NOW,
                             expand_href=lambda s: f"?expand={s.key}"))
    expand = [a for a in root.iter(f"{NS}a") if a.get("class") == "expand"]
    assert [a.get("href") for a in expand] == ["?expand=load"]  # only the mapped row
    assert "10 children" in expand[0].find(f"{NS}title").text


def test_gantt_long_labels_are_cut_with_an_ellipsis() -> None:
    name = "x" * 200
    root = parse(gantt([span("k", 0, 1, label=name)], now=NOW, label_width=220))
    label = next(t for t in texts(root) if t.startswith("x"))
    assert label.endswith("…") and len(label) < 40
    assert rows(root)[0].find(f"{NS}title").text.startswith(name)


def test_gantt_empty_and_nothing_started() -> None:
    assert "no task runs yet" in texts(assert_safe(gantt([], now=NOW)))
    root = assert_safe(gantt([span("a", None, None, "Pending")], now=NOW))
    assert [g.get("data-key") for g in rows(root)] == ["a"]


def test_gantt_naive_datetimes_taken_as_utc() -> None:
    naive = Span("a", "a", "Success", datetime(2026, 3, 1, 12), datetime(2026, 3, 1, 12, 1))
    assert "12:00:00" in texts(parse(gantt([naive], now=NOW)))


# --- schematic ---------------------------------------------------------------------------------


def boxes(root: ET.Element) -> dict[str, tuple[float, float]]:
    """Each task's box: slug -> (x, y) of its front rectangle."""
    found = {}
    for group in root.iter():
        slug = group.get("data-slug")
        if slug is not None:
            front = [r for r in group.iter(f"{NS}rect") if r.get("class") != "k"][0]
            found[slug] = (float(front.get("x")), float(front.get("y")))
    return found


def test_dag_chain_goes_left_to_right() -> None:
    root = assert_safe(dag([Node("c", "C", "Running"), Node("a", "A", "Success"),
                            Node("b", "B", "Success")],
                           [("a", "b", "x"), ("b", "c", None)]))
    where = boxes(root)
    assert where["a"][0] < where["b"][0] < where["c"][0]
    assert where["a"][1] == where["b"][1] == where["c"][1]
    assert len(list(root.iter(f"{NS}path"))) == 1 + 2  # the arrow head, two edges
    groups = {g.get("data-slug"): g.get("class") for g in root.iter() if g.get("data-slug")}
    assert groups == {"a": "n st st-success", "b": "n st st-success", "c": "n st st-running"}
    assert "x" in texts(root)  # the edge's keyword, written on it
    marker = root.find(f"{NS}defs/{NS}marker")
    assert root.find(f".//{NS}g[@class='edges']").get("marker-end") == \
        f"url(#{marker.get('id')})"


def test_dag_top_to_bottom_when_asked() -> None:
    where = boxes(parse(dag([Node("a", "A", None), Node("b", "B", None)], [("a", "b", None)],
                            direction="TB")))
    assert where["a"][1] < where["b"][1] and where["a"][0] == where["b"][0]


def test_dag_layer_is_the_longest_path() -> None:
    nodes = [Node(s, s, "Success") for s in "abcd"]
    where = boxes(parse(dag(nodes, [("a", "b", None), ("b", "c", None), ("a", "c", None),
                                    ("c", "d", None)])))
    assert where["a"][0] < where["b"][0] < where["c"][0] < where["d"][0]


def test_dag_order_within_layers_avoids_a_crossing() -> None:
    # Given in an order that crosses: a->d above b->c.
    nodes = [Node(s, s, "Success") for s in ("a", "b", "c", "d")]
    root = parse(dag(nodes, [("a", "d", None), ("b", "c", None)]))
    where = boxes(root)
    assert (where["a"][1] < where["b"][1]) == (where["d"][1] < where["c"][1])


def test_dag_crossings_reduced_on_a_known_case() -> None:
    # Two layers of four: the input order crosses every edge; a good order crosses none.
    top, bottom = list("abcd"), list("wxyz")
    nodes = [Node(s, s, "Success") for s in top + bottom]
    edges = [(t, b, None) for t, b in zip(top, reversed(bottom), strict=True)]
    edges += [("a", "y", None)]
    where = boxes(parse(dag(nodes, edges)))

    def crossings() -> int:
        count = 0
        for u1, d1, _ in edges:
            for u2, d2, _ in edges:
                if (where[u1][1] - where[u2][1]) * (where[d1][1] - where[d2][1]) < 0:
                    count += 1
        return count // 2

    assert crossings() == 0


def test_dag_cycle_does_not_hang_and_keeps_every_edge() -> None:
    nodes = [Node(s, s, "Failed") for s in "abc"]
    root = assert_safe(dag(nodes, [("a", "b", None), ("b", "c", None), ("c", "a", None),
                                   ("b", "a", None)]))
    assert set(boxes(root)) == {"a", "b", "c"}
    assert len(root.findall(f".//{NS}g[@class='edges']/{NS}path")) == 4


def test_dag_ignores_unknown_slugs_self_loops_and_duplicates() -> None:
    nodes = [Node("a", "A", None), Node("b", "B", None), Node("a", "again", "Success")]
    root = parse(dag(nodes, [("a", "ghost", None), ("ghost", "b", None), ("a", "a", None),
                             ("a", "b", "k1"), ("a", "b", "k2")]))
    assert set(boxes(root)) == {"a", "b"}
    edges = root.findall(f".//{NS}g[@class='edges']/{NS}path")
    assert len(edges) == 1
    assert edges[0].find(f"{NS}title").text == "A → B: k1, k2"


def test_dag_mapped_task_is_a_stack_and_not_run_is_grey() -> None:
    root = parse(dag([Node("m", "M", "Mapped", mapped=True), Node("n", "N", None)], []))
    groups = {g.get("data-slug"): g for g in root.iter() if g.get("data-slug")}
    assert len([r for r in groups["m"].iter(f"{NS}rect") if r.get("class") == "k"]) == 3
    assert groups["n"].get("class") == "n st st-none"
    assert groups["n"].find(f"{NS}title").text == "N · not run"


def test_dag_long_label_cut_full_label_in_tooltip() -> None:
    label = "extract_all_the_orders_from_the_warehouse"
    root = parse(dag([Node("a", label, "Success", href="../t/a")], []))
    shown = texts(root)[0]
    assert shown.endswith("…") and label.startswith(shown[:-1])
    link = next(root.iter(f"{NS}a"))
    assert link.get("href") == "../t/a" and link.find(f"{NS}title").text.startswith(label)


def test_dag_ids_use_the_prefix() -> None:
    text = str(dag([Node("a", "A", None), Node("b", "B", None)], [("a", "b", None)],
                   id_prefix="flow1-"))
    assert 'id="flow1-arrow"' in text and "url(#flow1-arrow)" in text
    first = str(dag([Node("a", "A", None)], []))
    second = str(dag([Node("a", "A", None)], []))
    assert re.search(r'id="([^"]+)"', first)[1] != re.search(r'id="([^"]+)"', second)[1]


def test_dag_wider_than_max_width_is_scaled_down() -> None:
    nodes = [Node(f"t{i}", f"t{i}", "Success") for i in range(30)]
    chain = [(f"t{i}", f"t{i + 1}", None) for i in range(29)]
    root = parse(dag(nodes, chain, max_width=800, direction="LR"))
    assert float(root.get("width")) == 800
    assert float(root.get("viewBox").split()[2]) > 800
    assert root.find(f"{NS}defs") is not None
    auto = parse(dag(nodes, chain, max_width=800))  # a long chain reads better top to bottom
    where = boxes(auto)
    assert where["t0"][1] < where["t1"][1]


def test_empty_dag() -> None:
    assert texts(assert_safe(dag([], [("a", "b", None)]))) == ["no tasks"]


# --- hostile text ------------------------------------------------------------------------------


@pytest.mark.parametrize("evil", HOSTILE + ("a\x00b\x1bc&amp;\ud800",))
def test_hostile_text_is_escaped_everywhere(evil: str) -> None:
    drawings = [
        run_bars([RunBar(evil, 3, evil, evil)]),
        gantt([Span(evil, evil, evil, NOW, None, href=evil, children=3,
                    child_states={evil: 2, "Success": 1}),
               Span("b", "b", "Success", NOW, NOW, title=evil)],
              now=NOW + timedelta(seconds=5), expand_href=lambda s: evil),
        dag([Node(evil, evil, evil, mapped=True, href=evil, title=evil),
             Node("b", evil, None, href=f"../x/{evil}")], [(evil, "b", evil)]),
        dag([Node(evil, evil, evil)], [], id_prefix=evil),
    ]
    for drawing in drawings:
        root = assert_safe(drawing)
        all_text = "".join(root.itertext())
        if evil in HOSTILE:
            assert evil in all_text or evil[:20] in all_text  # shown as text, not markup


@pytest.mark.parametrize("href", ["javascript:alert(1)", " JavaScript:alert(1)",
                                  "java\tscript:alert(1)", "data:text/html,<b>x</b>",
                                  "vbscript:x"])
def test_links_with_a_script_scheme_are_dropped(href: str) -> None:
    for drawing in (run_bars([RunBar("Success", 1, href, "t")]),
                    gantt([Span("a", "a", "Success", NOW, NOW, href=href)], now=NOW),
                    dag([Node("a", "a", None, href=href)], [])):
        root = assert_safe(drawing)
        assert not [a for a in root.iter(f"{NS}a")]
    kept = parse(dag([Node("a", "a", None, href="https://example.com/x?a=1&b=2")], []))
    assert next(kept.iter(f"{NS}a")).get("href") == "https://example.com/x?a=1&b=2"


# --- size --------------------------------------------------------------------------------------


def big_flow(seed: int = 7) -> tuple[list[Node], list[tuple[str, str, str | None]]]:
    """500 tasks and 1,000 edges laid out like an ETL's: 25 layers of 20 tasks, each fed from
    up to 3 layers back, plus 40 long edges; links to task runs by id, keyword labels."""
    rng = random.Random(seed)
    width, tasks = 20, 500
    nodes = [Node(f"task-{i}", f"transform_orders_{i}", rng.choice(["Success", "Failed", None]),
                  mapped=i % 40 == 0, href=f"../task-runs/{uuid.UUID(int=rng.getrandbits(128))}")
             for i in range(tasks)]
    edges: list[tuple[str, str, str | None]] = []
    for j in range(width, tasks):
        for keyword in ("data", "config"):
            back = max(j // width - rng.choice((1, 1, 1, 2, 3)), 0)
            edges.append((f"task-{back * width + rng.randrange(width)}", f"task-{j}", keyword))
    edges += [(f"task-{i}", f"task-{i + 7 * width}", "x") for i in range(40)]
    return nodes, edges


def test_dag_of_500_tasks_and_1000_edges_stays_small() -> None:
    nodes, edges = big_flow()
    assert (len(nodes), len(edges)) == (500, 1000)
    drawing = dag(nodes, edges)
    root = assert_safe(drawing)
    assert len(boxes(root)) == 500
    assert len(str(drawing).encode()) < 170_000


def test_gantt_of_1000_rows_stays_small() -> None:
    rng = random.Random(3)
    spans = [Span(f"task-{i}", f"transform_orders_{i}", rng.choice(["Success", "Failed"]),
                  NOW + timedelta(seconds=i), NOW + timedelta(seconds=i + rng.random() * 60),
                  href=f"../task-runs/{uuid.UUID(int=rng.getrandbits(128))}")
             for i in range(1000)]
    drawing = gantt(spans, now=NOW + timedelta(hours=1))
    root = assert_safe(drawing)
    assert len(rows(root)) == 1000
    assert len(str(drawing).encode()) < 300_000
