"""Activity analysis: which values depend on ``wrt`` (varied) and reach
the output (useful).  Only active = varied ∩ useful values get adjoints.

Example: in ``y = x * c; n = len(c); return y * n`` with wrt = x,
``y`` and the result are active; ``n`` and ``c`` are not, so no adjoint
code is emitted for them, and a missing rule for ``len`` is no error.
"""
from __future__ import annotations

from ..ir import ops
from ..ir.nodes import Var
from ..ir.walk import definitions
from ..rules.registry import props

__all__ = ["activity", "passes_gradient"]

_CONTAINERS = (ops.make_tuple, ops.make_list, ops.make_dict)


def passes_gradient(fn):
    """False for callables whose result carries no gradient (the table's
    ``nondiff``: comparisons, shape queries, ``x.shape``...).  Any other
    attribute of a varied value is varied (a namedtuple's field, ``.mT``):
    the reverse pass differentiates it or says it cannot, never a silent zero."""
    return not props(fn).nondiff


def activity(g, wrt_vars, output):
    """The set of active Vars."""
    edges = list(g.edges())
    varied = set(wrt_vars)
    changed = True
    while changed:
        changed = False
        for ins in g.instructions():
            if ins.out is None or ins.out in varied or not passes_gradient(ins.fn):
                continue
            if any(isinstance(a, Var) and a in varied for a in ins.operands()):
                varied.add(ins.out)
                changed = True
        for p, a in edges:
            if p not in varied and isinstance(a, Var) and a in varied:
                varied.add(p)
                changed = True
    useful = {output} if isinstance(output, Var) else set()
    defs = definitions(g)
    preds = g.incoming()
    work = list(useful)
    while work:
        v = work.pop()
        srcs = list(defs[v].operands()) if v in defs else []
        srcs += preds.get(v, [])
        for s in srcs:
            if isinstance(s, Var) and s not in useful:
                useful.add(s)
                work.append(s)
    return varied & useful
