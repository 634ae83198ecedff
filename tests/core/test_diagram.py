"""Flow.visualize: the graph Prefect 0.15 draws (nodes, mapped boxes, labelled and dashed
edges, state colours), and rendering it with Graphviz's ``dot`` or saying what is missing.

The graph's DOT text (``graph.source``) is what these tests read; rendering needs the ``dot``
program, which the tests look for and use when it is there.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from caudal import Flow, Parameter, case, task, unmapped

DOT = shutil.which("dot")


@task
def add(x, y):
    return x + y


@task
def report(values):
    return sum(values)


@task
def always():
    return True


@task
def boom():
    raise ValueError("no")


def build() -> tuple[Flow, dict[str, object]]:
    with Flow("drawn") as flow:
        start = Parameter("start", default=1)
        base = add(start, 2)
        each = add.map([1, 2], unmapped(base))
        total = report(each)
        with case(always(), True):
            boom()
    return flow, {"base": base, "each": each, "total": total}


def lines(graph) -> list[str]:
    return [line.strip() for line in graph.source.splitlines()[1:-1]]


def no_render(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep visualize from opening a viewer: the test reads the graph it returns."""
    import graphviz

    monkeypatch.setattr(graphviz.Digraph, "render", lambda self, *a, **k: None)


def test_visualize_draws_tasks_mapped_boxes_and_labelled_edges(monkeypatch):
    no_render(monkeypatch)
    flow, _ = build()

    graph = flow.visualize()

    assert lines(graph) == [
        "start [label=start shape=ellipse]",
        '"add-1" [label=add shape=ellipse]',
        '"[1, 2]-1" [label="[1, 2]" shape=ellipse]',
        '"add-2" [label="add <map>" shape=box]',
        '"report-1" [label=report shape=ellipse]',
        '"always-1" [label=always shape=ellipse]',
        '"case(True)-1" [label="case(True)" shape=ellipse]',
        '"boom-1" [label=boom shape=ellipse]',
        'start -> "add-1" [label=x]',
        '"add-1" -> "add-2" [label=y]',
        '"[1, 2]-1" -> "add-2" [label=x style=dashed]',
        '"add-2" -> "report-1" [label=values]',
        '"always-1" -> "case(True)-1" [label=value]',
        '"case(True)-1" -> "boom-1"',
    ]


def test_visualize_with_flow_state_colours_nodes_and_draws_each_mapped_child(monkeypatch):
    no_render(monkeypatch)
    flow, _ = build()
    state = flow.run()

    source = lines(flow.visualize(flow_state=state))

    success = 'color="#28a74580" colorscheme=svg'
    assert f'"add-2[0]" [label="add <map>" {success} shape=box style=filled]' in source
    assert f'"add-2[1]" [label="add <map>" {success} shape=box style=filled]' in source
    assert ('"boom-1" [label=boom color="#eb000080" colorscheme=svg shape=ellipse '
            'style=filled]') in source
    assert '"add-2[0]" -> "report-1" [label=values]' in source
    assert '"add-2[1]" -> "report-1" [label=values]' in source
    assert '"[1, 2]-1" -> "add-2[1]" [label=x style=dashed]' in source


def test_visualize_of_mapped_into_mapped_links_child_to_child(monkeypatch):
    no_render(monkeypatch)
    with Flow("chain") as flow:
        first = add.map([1, 2], unmapped(1))
        add.map(first, unmapped(1))

    source = lines(flow.visualize(flow_state=flow.run()))

    assert [line for line in source if line.startswith('"add-1[')
            and "->" in line] == ['"add-1[0]" -> "add-2[0]" [label=x style=dashed]',
                                  '"add-1[1]" -> "add-2[1]" [label=x style=dashed]']


def test_visualize_with_a_state_holding_no_task_states_raises_value_error(monkeypatch):
    from caudal.engine.state import Failed

    no_render(monkeypatch)
    flow, _ = build()

    with pytest.raises(ValueError, match="holds no task states"):
        flow.visualize(flow_state=Failed("not a flow run"))


@pytest.mark.skipif(DOT is None, reason="Graphviz's 'dot' program is not installed here")
def test_visualize_to_a_file_renders_it_in_the_format_asked(tmp_path):
    flow, _ = build()

    flow.visualize(filename=str(tmp_path / "drawn"), format="svg")

    assert (tmp_path / "drawn.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    assert not (tmp_path / "drawn").exists()  # the DOT file is cleaned up


@pytest.mark.skipif(DOT is not None, reason="Graphviz's 'dot' program is installed here")
def test_visualize_without_dot_program_names_it_and_carries_the_graph(tmp_path):
    import graphviz

    from caudal.core.diagram import DotNotFound

    flow, _ = build()

    with pytest.raises(DotNotFound, match="'dot' program was not found on PATH") as excinfo:
        flow.visualize(filename=str(tmp_path / "drawn"), format="svg")

    assert isinstance(excinfo.value, graphviz.ExecutableNotFound)  # what Prefect code catches
    assert '"add-2" [label="add <map>" shape=box]' in excinfo.value.graph.source


def test_visualize_without_graphviz_package_names_the_extra():
    code = (
        "import sys\n"
        "sys.modules['graphviz'] = None  # as if it were not installed\n"
        "from caudal import Flow\n"
        "try:\n"
        "    Flow('x').visualize()\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)

    assert "pip install 'caudal[viz]'" in done.stdout, done.stderr
