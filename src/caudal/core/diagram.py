"""The picture behind ``Flow.visualize``: a flow's tasks and edges as a graphviz ``Digraph``,
coloured by a run's states, and its rendering.

Only ``Flow.visualize`` imports this module, so graphviz (the ``viz`` extra) loads when a
flow is drawn and never with the flow API.
"""

from __future__ import annotations

import sys
import tempfile
from typing import TYPE_CHECKING, Any

import graphviz

if TYPE_CHECKING:
    from caudal.core.flow import Flow
    from caudal.core.task import Task
    from caudal.engine.state import State

__all__ = ["DotNotFound", "flow_graph", "show_graph"]


class DotNotFound(graphviz.ExecutableNotFound):
    """Graphviz's ``dot`` program is not on PATH, so the flow's graph cannot be rendered.

    ``graph`` holds the graph that was built (its DOT text is ``graph.source``). It derives
    from graphviz's own error, which code written for Prefect catches; it lives here, not in
    ``caudal.exceptions``, because that module imports no third-party package.
    """

    def __init__(self, flow_name: str, graph: graphviz.Digraph) -> None:
        RuntimeError.__init__(
            self,
            f"Flow '{flow_name}' cannot be drawn: Graphviz's 'dot' program was not found on "
            "PATH. Install Graphviz (apt-get install graphviz, brew install graphviz or conda "
            "install graphviz). The graph itself is this error's 'graph' attribute; its DOT "
            "text is graph.source.",
        )
        self.graph = graph


def flow_graph(flow: Flow, flow_state: State | None = None) -> graphviz.Digraph:
    """The flow as a graph, as Prefect 0.15 draws it.

    Each task is a node labelled with its name; a mapped task is a box labelled
    ``"<name> <map>"``, the others are ellipses. Each edge is an arrow labelled with the
    argument it fills, dashed when mapped. Given ``flow_state`` (what ``flow.run()``
    returned), each node is filled with its task's state colour, and a mapped task is drawn
    once per child.

    Raises:
        ValueError: ``flow_state`` holds no task states.
    """
    states: dict[Task, State] = {}
    if flow_state is not None:
        if not isinstance(flow_state.result, dict):
            raise ValueError(
                f"Flow '{flow.name}' cannot be coloured by {flow_state!r}: it holds no task "
                "states. Pass the state that flow.run() returned."
            )
        states = flow_state.result
    graph = graphviz.Digraph()
    nodes: dict[Task, list[str]] = {}  # each task's node ids: one, or one per mapped child
    for task in flow.sorted_tasks():
        mapped = any(edge.mapped for edge in flow.edges_to(task))
        label = f"{task.name} <map>" if mapped else task.name
        shape = "box" if mapped else "ellipse"
        node_id = flow.slugs[task]
        state = states.get(task)
        children = getattr(state, "map_states", None) if mapped else None
        if children:
            nodes[task] = [f"{node_id}[{i}]" for i in range(len(children))]
            for child_id, child in zip(nodes[task], children, strict=True):
                graph.node(child_id, label, shape=shape, **_fill(child))
        else:
            nodes[task] = [node_id]
            graph.node(node_id, label, shape=shape, **_fill(state))
    order = {task: i for i, task in enumerate(flow.sorted_tasks())}
    edges = sorted(flow.edges, key=lambda e: (order[e.upstream_task], order[e.downstream_task],
                                              e.key or ""))
    for edge in edges:
        attrs = {"label": edge.key} if edge.key else {}
        if edge.mapped:
            attrs["style"] = "dashed"
        ups, downs = nodes[edge.upstream_task], nodes[edge.downstream_task]
        if len(ups) > 1 and len(downs) > 1:
            pairs = list(zip(ups, downs, strict=False))  # child i feeds child i
        else:
            pairs = [(up, down) for up in ups for down in downs]
        for up, down in pairs:
            graph.edge(up, down, **attrs)
    return graph


def _fill(state: State | None) -> dict[str, str]:
    if state is None:
        return {}
    return {"color": f"{state.color}80", "colorscheme": "svg", "style": "filled"}


def show_graph(graph: graphviz.Digraph, flow_name: str, filename: str | None = None,
               format: str | None = None) -> None:
    """Render ``graph``: to ``filename`` (in ``format``, PDF by default), else inline in a
    notebook, else to a temporary file opened in the system's viewer.

    Raises:
        DotNotFound: Graphviz's ``dot`` program is not installed.
    """
    try:
        if filename:
            graph.render(filename, view=False, format=format, cleanup=True)
        elif _in_notebook():
            from IPython.display import display

            display(graph)
        else:
            with tempfile.NamedTemporaryFile(prefix="caudal-flow-", delete=False) as tmp:
                pass
            graph.render(tmp.name, view=True)
    except graphviz.ExecutableNotFound as exc:
        raise DotNotFound(flow_name, graph) from exc


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (IPython already imported, with a kernel app)."""
    ipython: Any = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})
