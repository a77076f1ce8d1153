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
from ..rules.registry import lookup, props
from ..rules.runtime_helpers import is_no_cotangent

__all__ = ["activity", "passes_gradient"]

_CONTAINERS = (ops.make_tuple, ops.make_list, ops.make_dict)


def passes_gradient(fn):
    """False for callables whose result carries no gradient (the table's
    ``nondiff``: comparisons, shape queries, ``x.shape``...).  Any other
    attribute of a varied value is varied (a namedtuple's field, ``.mT``):
    the reverse pass differentiates it or says it cannot, never a silent zero."""
    return not props(fn).nondiff


def _smooth_operands(ins):
    """The operands the result may depend on smoothly (not the shape
    stand-ins, masks and indices a rule marks with ``no_cotangent``)."""
    rule = lookup(ins.fn)
    if rule is None or not any(is_no_cotangent(f) for f in rule.vjps):
        return ins.operands()
    index = {n: k for k, n in enumerate(rule.params)}
    keep = [a for k, a in enumerate(ins.args) if not is_no_cotangent(rule.vjp(k))]
    keep += [a for n, a in ins.kwargs if n not in index or not is_no_cotangent(rule.vjp(index[n]))]
    return keep


def activity(g, wrt_vars, output):
    """The set of active Vars."""
    edges = list(g.edges())
    # a push stores a value in its stack: the pops of generated code read it back
    edges += [(i.args[0], i.args[-1]) for i in g.instructions() if i.fn in ops.TAPE_STORE]
    varied = set(wrt_vars)
    changed = True
    while changed:
        changed = False
        for ins in g.instructions():
            if ins.out is None or ins.out in varied or not passes_gradient(ins.fn):
                continue
            if any(isinstance(a, Var) and a in varied for a in _smooth_operands(ins)):
                varied.add(ins.out)
                changed = True
        for p, a in edges:
            if p not in varied and isinstance(a, Var) and a in varied:
                varied.add(p)
                changed = True
    useful = {output} if isinstance(output, Var) else set()
    defs = definitions(g)
    preds = {}                       # the block-argument and push edges into each value
    for p, a in edges:
        preds.setdefault(p, []).append(a)
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
