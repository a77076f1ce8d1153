"""Which ``setitem`` instructions may write into their array in place.

Example::

    out = np.zeros(n)
    for i in range(n):
        out[i] = x[i] * 2      # out_2 = setitem(out_1, i, t): in place, since
                               # nothing reads out_1 (or a view of it) afterwards
    ...
    y = out * x                # if the adjoint read `out` before a later
    out[0] = 1.0               # assignment, that assignment copies instead

An assignment is done in place when no instruction after it (in the
forward pass or the adjoint), and no stack push, reads the array it
overwrites or anything sharing its memory (a view of it, the array it is
a view of, an alias: see ir.aliasing); otherwise it copies, which keeps
the SSA meaning exact.
"""
from __future__ import annotations

from ..ir import ops, views as view_ops
from ..ir.build import _VIEW_FUNCS
from ..ir.nodes import IfRegion, Var

# results that may be (or share memory with) one of their operands, by position
_SHARES = {ops.alias_update: (0, 1), view_ops.write_view: (0, 1), view_ops.read_view: (0, 2)}

__all__ = ["inplace_setitems"]


def _positions(g):
    """Program-order position of every instruction and terminator."""
    bm = g.block_map()
    pos, order = {}, [0]

    def walk(seq):
        for item in seq.items:
            if isinstance(item, str):
                b = bm[item]
                for i, ins in enumerate(b.instrs):
                    pos[(item, i)] = order[0]
                    order[0] += 1
                pos[(item, "term")] = order[0]
                order[0] += 1
            elif isinstance(item, IfRegion):
                walk(item.then)
                walk(item.orelse)
            else:
                walk(item.test)
                walk(item.body)
    walk(g.structure)
    return pos


def inplace_setitems(g):
    """The ``out`` Vars of setitem instructions that may run in place."""
    pos = _positions(g)
    uses = {}
    views = {}
    for b in g.blocks:
        for i, ins in enumerate(b.instrs):
            for a in ins.operands():
                if isinstance(a, Var):
                    uses.setdefault(a, []).append((pos[(b.label, i)], ins))
            shared = (0,) if ins.fn in _VIEW_FUNCS else _SHARES.get(ins.fn, ())
            for k in shared:              # memory shared both ways: a view and its base
                if k < len(ins.args) and isinstance(ins.args[k], Var) and ins.out is not None:
                    views.setdefault(ins.args[k], []).append(ins.out)
                    views.setdefault(ins.out, []).append(ins.args[k])
        for a in b.term.operands():
            if isinstance(a, Var):
                uses.setdefault(a, []).append((pos[(b.label, "term")], b.term))
    ok = set()
    for b in g.blocks:
        for i, ins in enumerate(b.instrs):
            if ins.fn is not ops.setitem or not isinstance(ins.args[0], Var):
                continue
            here = pos[(b.label, i)]
            family, todo = set(), [ins.args[0]]
            while todo:
                v = todo.pop()
                if v not in family:
                    family.add(v)
                    todo.extend(views.get(v, ()))
            safe = True
            for v in family:
                for p, user in uses.get(v, ()):
                    if user is ins:
                        continue
                    if p > here or getattr(user, "fn", None) is ops.push:
                        safe = False
            if safe:
                ok.add(ins.out)
    return ok
