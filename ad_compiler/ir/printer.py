"""Readable, deterministic SSA text.

Example::

    def f(x, n):                                   # demo.py:3
    bb0(x, n):
      i_0 = 0
      jump bb1(i_0, x)
    bb1(i_1, s_1):                                 # loop header
      t2 = lt i_1 n                                # line 5
      br t2 ? bb2() : bb3(s_1)
"""
from __future__ import annotations

import types

import numpy as np

from .nodes import Attr, Branch, Call, Jump, Method, Return, Var, loop_headers

__all__ = ["format_graph", "format_operand", "format_term", "callee_name"]


def callee_name(fn) -> str:
    from ..rules.registry import primal_name
    if isinstance(fn, (Attr, Method)):
        return str(fn)
    name = primal_name(fn)
    if name.startswith("ad_compiler."):          # the compiler's own helpers: short names
        return name.rsplit(".", 1)[-1]
    return name[len("operator."):] if name.startswith("operator.") else name


def format_operand(x) -> str:
    if isinstance(x, Var):
        return x.name
    v = x.value
    if isinstance(v, types.ModuleType):
        return v.__name__
    if isinstance(v, np.ndarray):
        return f"array{v.shape}"
    if callable(v) and not isinstance(v, type):
        return callee_name(v)
    if isinstance(v, slice):
        parts = ["" if p is None else repr(p) for p in (v.start, v.stop, v.step)]
        return ":".join(parts[:2] if v.step is None else parts)
    return repr(v)


def _fmt_call(ins: Call) -> str:
    if not isinstance(ins, Call):                # (a broken graph verify() reports)
        return f"<not an instruction: {ins!r}>"
    args = [format_operand(a) for a in ins.args]
    args += [f"{k}={format_operand(v)}" for k, v in ins.kwargs]
    lhs = f"{ins.out} = " if ins.out is not None else ""
    return f"{lhs}{callee_name(ins.fn)} {' '.join(args)}".rstrip()


def format_term(t) -> str:
    if isinstance(t, Jump):
        return f"jump {t.target}({', '.join(map(format_operand, t.args))})"
    if isinstance(t, Branch):
        return (f"br {format_operand(t.cond)} ? {t.then_target}() : "
                f"{t.else_target}({', '.join(map(format_operand, t.else_args))})")
    if isinstance(t, Return):
        return f"return {format_operand(t.value)}"
    return "<no terminator>"


def format_graph(g) -> str:
    headers = loop_headers(g.structure)
    lines = [f"def {g.name}({', '.join(g.arg_names)}):".ljust(48) + f"# {g.filename}:{g.lineno}"]
    for b in g.blocks:
        head = f"{b.label}({', '.join(p.name for p in b.params)}):"
        lines.append(head.ljust(48) + "# loop header" if b.label in headers else head)
        for ins in b.instrs:
            text = "  " + _fmt_call(ins)
            if getattr(ins, "loc", None) is not None:
                text = text.ljust(48) + f"# line {ins.loc.lineno}"
            lines.append(text.rstrip())
        lines.append("  " + format_term(b.term))
    return "\n".join(lines)
