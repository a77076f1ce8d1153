"""Pictures of the SSA graph: Graphviz DOT text of the control-flow graph.

Example: ``def f(x, n): s = 0.0; for i in range(n): s = s + x * i; return s``

    print(to_dot(adc.grad(f).ir))
        digraph f { ...
            bb0 [label="{bb0(x, n)\\l|jump bb1(0, 0.0)\\l}" ...]      <- the entry
            bb1 [label="{bb1(i, s)   loop header\\l|t1 = lt i n\\l|br t1 ? bb2() : bb3(s)\\l}"]
            bb0 -> bb1 [label="i := 0\\ls := 0.0\\l"]                 <- block arguments
            bb1 -> bb2 [label=true]   bb1 -> bb3 [label="false\\ls_4 := s\\l"]
            bb2 -> bb1 [label=... style=dashed constraint=false]      <- the loop's back edge
    render(to_dot(g.ir), "f.svg")     # needs the graphviz package and its ``dot`` program

One record-shaped node per basic block (its parameters, its instructions,
its terminator), one edge per jump or branch arm, labelled with the values
the edge passes to the target's parameters.  Back edges (found by a
depth-first walk from the entry) are dashed.  The text follows the block
order and the printer's names, so it is deterministic.
"""
from __future__ import annotations

import os
import shutil

from .nodes import Branch, Call, Jump, Return, callee_name, format_operand, format_term, loop_headers

__all__ = ["to_dot", "draw", "render", "back_edges"]

def _record(text: str) -> str:
    """Escape text for one field of a record label inside a quoted string."""
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    for ch in "{}|<>":
        out = out.replace(ch, "\\" + ch)
    return out


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _lines(lines) -> str:
    """Left-justified lines (``\\l`` ends each) of a quoted label."""
    return "".join(line + "\\l" for line in lines)


def _call_text(ins: Call, lines: bool) -> str:
    args = [format_operand(a) for a in ins.args]
    args += [f"{k}={format_operand(v)}" for k, v in ins.kwargs]
    lhs = f"{ins.out} = " if ins.out is not None else ""
    text = f"{lhs}{callee_name(ins.fn)} {' '.join(args)}".rstrip()
    if lines and ins.loc is not None:
        text += f"    # line {ins.loc.lineno}"
    return text


def _successors(term):
    """(target, label lines, passed values) for each edge leaving a block."""
    if isinstance(term, Jump):
        return [(term.target, [], term.args)]
    if isinstance(term, Branch):
        return [(term.then_target, ["true"], ()),
                (term.else_target, ["false"], term.else_args)]
    return []


def back_edges(graph) -> set:
    """The edges ``(source, target)`` that close a cycle: a depth-first walk
    from the entry (iterative) reaches ``target`` still on its stack."""
    blocks = graph.block_map()
    succ = {b.label: [t for t, _, _ in _successors(b.term)] for b in graph.blocks}
    found, state = set(), {}          # state: 1 on the stack, 2 done
    stack = [(graph.entry.label, iter(succ[graph.entry.label]))]
    state[graph.entry.label] = 1
    while stack:
        label, children = stack[-1]
        for nxt in children:
            if nxt not in blocks:
                continue
            if state.get(nxt) == 1:
                found.add((label, nxt))
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(succ[nxt])))
                break
        else:
            state[label] = 2
            stack.pop()
    return found


def to_dot(graph, title=None, lines=False) -> str:
    """Graphviz DOT text of ``graph`` (an ``ir.Graph``: ``g.ir`` or
    ``g.joint_ir``).  ``title`` labels the picture (default: the function's
    signature); ``lines=True`` adds each instruction's source line."""
    headers = loop_headers(graph.structure)
    blocks = graph.block_map()
    back = back_edges(graph)
    title = title if title is not None else f"{graph.name}({', '.join(graph.arg_names)})"
    out = [f'digraph "{_quoted(graph.name)}" {{',
           f'\tgraph [label="{_quoted(title)}" labelloc=t fontname=monospace fontsize=12]',
           "\tnode [shape=record fontname=monospace fontsize=10 style=filled "
           "fillcolor=white]",
           "\tedge [fontname=monospace fontsize=9]"]
    for k, b in enumerate(graph.blocks):
        head = f"{b.label}({', '.join(p.name for p in b.params)})"
        if b.label in headers:
            head += "   loop header"
        fields = [_record(head) + "\\l"]
        if b.instrs:
            fields.append(_lines(_record(_call_text(i, lines)) for i in b.instrs))
        fields.append(_record(format_term(b.term)) + "\\l")
        color = ("lightblue" if k == 0 else "darkolivegreen1" if isinstance(b.term, Return)
                 else "lightyellow" if b.label in headers else "white")
        extra = f" fillcolor={color}" if color != "white" else ""
        out.append(f'\t{b.label} [label="{{{"|".join(fields)}}}"{extra}]')
    for b in graph.blocks:
        for target, label, values in _successors(b.term):
            params = blocks[target].params if target in blocks else ()
            label = label + [f"{p.name} := {format_operand(v)}" for p, v in zip(params, values)]
            attrs = [f'label="{_lines(_quoted(s) for s in label)}"'] if label else []
            if (b.label, target) in back:
                attrs += ["style=dashed", "color=blue", "constraint=false"]
            out.append(f"\t{b.label} -> {target}" + (f" [{' '.join(attrs)}]" if attrs else ""))
    out.append("}")
    return "\n".join(out) + "\n"


def draw(fn, joint=False, title=None, lines=False) -> str:
    """DOT text of a compiled gradient's graph: ``fn`` is a ``GradFunction``
    (``adc.grad(f)``) or a ``Graph``; ``joint=True`` draws the forward +
    adjoint graph (``fn.joint_ir``) instead of the primal one (``fn.ir``)."""
    graph = fn if hasattr(fn, "blocks") else (fn.joint_ir if joint else fn.ir)
    return to_dot(graph, title=title, lines=lines)


DOT_MISSING = ("render() needs Graphviz's `dot` program, which was not found on PATH: install "
               "it with `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` "
               "(macOS) or `conda install graphviz`. draw() (and ad_compiler.ir.dot.to_dot() for "
               "the compiler's graph) give the DOT text without it.")
PACKAGE_MISSING = ("render() needs the graphviz Python package: `pip install graphviz` "
                   "(and Graphviz's `dot` program). draw() (and ad_compiler.ir.dot.to_dot() "
                   "for the compiler's graph) give the DOT text without it.")


def render(dot_text, path=None, format="svg"):
    """Lay out ``dot_text`` (from :func:`to_dot`) with Graphviz's ``dot``:
    writes ``path`` (its suffix, if any, wins over ``format``) and returns the
    path, or returns the image as bytes with ``path=None``.  Needs the
    graphviz Python package and the ``dot`` program; says what to install
    when either is missing."""
    try:
        import graphviz
    except ImportError:
        raise ImportError(PACKAGE_MISSING) from None
    if shutil.which("dot") is None:
        raise RuntimeError(DOT_MISSING)
    source = graphviz.Source(dot_text)
    try:
        if path is None:
            return source.pipe(format=format)
        path = os.fspath(path)
        root, ext = os.path.splitext(path)
        if ext:
            format = ext[1:]
        else:
            path = f"{path}.{format}"
        with open(path, "wb") as f:
            f.write(source.pipe(format=format))
        return path
    except graphviz.ExecutableNotFound:
        raise RuntimeError(DOT_MISSING) from None
