"""Keep what Python would run: an unused computation the user wrote still
runs, because it may raise.

Example::

    def f(x):
        y = x[10]            # unused, but IndexError in Python for len(x) < 11
        return x[0] * 2.0

Dead-code elimination may drop pure instructions nobody reads; for the
user's own operations that would turn Python's exception into a silent
result.  Before simplification, every unused instruction of user code (a
call with a source location whose callee may raise: the table's ``raises``,
False for the compiler's own helpers, unary ufuncs and facts such as
``x.shape``; ``+ - *`` raise only on a tuple or list) gets an
``ops.escape`` marker: no code, but it keeps the
instruction alive through every later pass, so the forward pass computes
it (and raises) exactly where Python does.
"""
from __future__ import annotations

from ..ir import ops
from ..ir.nodes import Block, Call, Const
from ..ir.walk import used_values
from ..rules.registry import props

__all__ = ["keep_dead_raises"]


def keep_dead_raises(g):
    used = used_values(g)
    containers = {i.out for i in g.instructions()
                  if i.fn in (ops.make_tuple, ops.make_list, ops.list_append)}

    def may_raise(ins):
        raises = props(ins.fn).raises
        if raises == "on_sequences":     # ``(a,) + [b]`` or ``[a] * 2.0`` raise TypeError
            return any(a in containers or isinstance(a, Const) and
                       isinstance(a.value, (tuple, list)) for a in ins.args)
        return raises is not False

    blocks, changed = [], False
    for b in g.blocks:
        instrs = []
        for ins in b.instrs:
            instrs.append(ins)
            if ins.out is not None and ins.out not in used and ins.loc is not None \
                    and may_raise(ins):
                instrs.append(Call(None, ops.escape, (ins.out,), (), ins.loc))
                changed = True
        blocks.append(Block(b.label, b.params, tuple(instrs), b.term))
    if not changed:
        return g
    from dataclasses import replace
    return replace(g, blocks=tuple(blocks))
