"""The workflow diagram, drawn by Graphviz from the process definition (never by hand)."""
from __future__ import annotations

import graphviz
from flask_babel import gettext as _

from workflow.core.process import Process


def workflow_svg(current_state: str | None, process: Process) -> str:
    """SVG of a process (the case workflow by default); `current_state` is highlighted. Needs
    Graphviz's `dot` binary."""
    graph = graphviz.Digraph(process.name, format="svg")
    graph.attr(rankdir="TB", fontname="Noto Sans CJK SC", fontsize="11", nodesep="0.35", ranksep="0.4",
               bgcolor="transparent")
    graph.attr("node", shape="box", style="rounded,filled", fillcolor="#f8f9fa", color="#6c757d",
               fontname="Noto Sans CJK SC", fontsize="11")
    graph.attr("edge", fontname="Noto Sans CJK SC", fontsize="9", color="#6c757d")
    graph.node("__start", label="", shape="circle", width="0.15", fillcolor="#212529", style="filled")
    for state in process.states:
        attrs = {"fillcolor": "#e9ecef"} if state.terminal else {}
        if state.name == current_state:
            attrs = {"fillcolor": "#0d6efd", "fontcolor": "white", "color": "#0a58ca", "penwidth": "2"}
        graph.node(state.name, label=f"{state.label}\n{state.name}", **attrs)
    graph.edge("__start", process.initial, label=f"{process.create.trigger}")
    for transition in process.transitions:
        if transition.dest is None:
            continue
        for source in transition.sources:
            style = "dashed" if transition.automatic or source in (transition.dest,) else "solid"
            graph.edge(source, transition.dest, label=transition.trigger, style=style)
    internal = sorted({t.trigger for t in process.transitions if t.dest is None})
    lines = [", ".join(internal[i:i + 6]) for i in range(0, len(internal), 6)]
    graph.attr(label=_("Actions recorded within a stage:") + r"\l" + r"\l".join(lines) + r"\l",
               labelloc="b", labeljust="l", fontsize="9")
    return graph.pipe(format="svg", encoding="utf-8")


def transitions_markdown(process: Process) -> str:
    """The trigger table of docs/workflow.md or docs/aid.md, generated from the definition."""
    rows = ["| trigger | from | to | roles | guards | permits | form |", "|---|---|---|---|---|---|---|"]
    for t in (process.create, *process.transitions):
        # A process created by another's trigger (the aid flag) starts from that process's states.
        sources = t.sources if set(t.sources) <= set(process.state_names) else ()
        rows.append("| `{}` | {} | {} | {} | {} | {} | {} |".format(
            t.trigger, ", ".join(sources) or "—", (t.dest or "(same stage)") if t is not process.create
            else process.initial, ", ".join(t.roles) or "system (automatic)",
            ", ".join(g.__name__ for g in t.guards) or "—", ", ".join(p.__name__ for p in t.permits) or "—",
            t.form.__name__))
    return "\n".join(rows) + "\n"
