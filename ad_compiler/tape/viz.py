"""Pictures of the ``grad_fn`` graph, in the style of torchviz.

Example::

    x = ones(2, 2, requires_grad=True); out = ((x + 3) ** 2).mean()
    print(draw(out, params={"x": x}))
        digraph { ...
            n0 [label="()" fillcolor=darkolivegreen1]       <- out, shape ()
            n1 [label=MeanBackward0 fillcolor=lightgray]    n1 -> n0
            n2 [label=PowBackward0 ...]  n2 -> n1;  n3 [label=AddBackward0 ...]  n3 -> n2
            n4 [label="x\\n(2, 2)" fillcolor=lightblue]     n4 -> n3   <- x's AccumulateGrad }
    render(out, "graph.svg")    # needs the graphviz package and its ``dot`` program

One node per ``grad_fn``; a leaf shows as a light blue box (its
``AccumulateGrad``, labelled with the tensor's name and shape); the output
as a green box.  Arrows go the way the forward pass went.  Node ids follow
a depth-first walk, so the text is deterministic.
"""
from __future__ import annotations

from ..ir.dot import render as render_dot
from .function import AccumulateGrad

__all__ = ["draw", "make_dot", "render"]

_HEADER = [
    "digraph {",
    '\tgraph [size="12,12"]',
    "\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 "
    "shape=box style=filled]",
]


def _shape(shape):
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def draw(*outputs, params=None) -> str:
    """Graphviz DOT text of the graph that produced ``outputs`` (tensors).
    ``params`` maps names to leaf tensors, to label their boxes."""
    names = {id(t): name for name, t in (params or {}).items()}
    lines = list(_HEADER)
    ids: dict = {}
    stack = []

    def node_id(fn):
        if fn not in ids:
            ids[fn] = f"n{len(ids)}"
            stack.append(fn)
            if isinstance(fn, AccumulateGrad):
                var = fn.variable
                label = names.get(id(var), "AccumulateGrad") + "\n" + _shape(var.shape)
                lines.append(f"\t{ids[fn]} [label={_quote(label)} fillcolor=lightblue]")
            else:
                lines.append(f"\t{ids[fn]} [label={fn.name()} fillcolor=lightgray]")
        return ids[fn]

    for out in outputs:
        out_id = f"n{len(ids)}"
        ids[("out", id(out))] = out_id
        label = names.get(id(out), "") + ("\n" if id(out) in names else "") + _shape(out.shape)
        lines.append(f"\t{out_id} [label={_quote(label)} fillcolor=darkolivegreen1]")
        root = out.grad_fn if out.grad_fn is not None else (
            out._grad_node() if out.requires_grad else None)
        if root is None:
            continue
        lines.append(f"\t{node_id(root)} -> {out_id}")
        while stack:                                # iterative: long chains are fine
            fn = stack.pop()
            for nxt, _ in fn.next_functions:
                if nxt is not None:
                    lines.append(f"\t{node_id(nxt)} -> {ids[fn]}")
    lines.append("}")
    return "\n".join(lines) + "\n"


make_dot = draw      # torchviz's name


def render(graph, path=None, format="svg", params=None):
    """Lay out ``graph`` (a tensor, or DOT text from :func:`draw`) with ``dot``.
    Writes ``path`` (its suffix, if any, wins over ``format``) and returns the
    path; with ``path=None`` returns the image as bytes."""
    text = graph if isinstance(graph, str) else draw(graph, params=params)
    return render_dot(text, path=path, format=format)
