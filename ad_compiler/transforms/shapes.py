"""Stack shapes, not arrays, where the adjoint only needs a shape.

Example: in a loop, ``lap = u[2:] - 2.0 * u[1:-1]`` has the adjoint
``unbroadcast(lap_bar, t3)`` — it reads ``t3 = u[2:]`` only for its shape.
Stacking ``t3`` would keep a view of ``u`` per trip (and force every later
``u[i] = ...`` to copy ``u``).  When every value popped from a stack is used
only as the shape argument of ``unbroadcast``/``unreduce``, the forward pass
pushes ``shape_proxy(t3)`` instead: the shape alone, a ``runtime.ShapeOf``
tuple (under Numba, whose twin cannot return a tuple subclass, a zero-stride
array of that shape).
"""
from __future__ import annotations

from dataclasses import replace

from .. import runtime
from ..ir import ops
from ..ir.nodes import Block, Call, Var
from ..rules.registry import props
from ..ir.walk import stack_pops, value_names

__all__ = ["stack_shapes_only"]



def stack_shapes_only(g):
    uses = {}
    for b in g.blocks:
        for ins in b.instrs:
            for k, a in enumerate(ins.args):
                if isinstance(a, Var):
                    uses.setdefault(a, []).append((ins.fn, k))
            for _, a in ins.kwargs:
                if isinstance(a, Var):
                    uses.setdefault(a, []).append((ins.fn, None))
        for a in b.term.operands():
            if isinstance(a, Var):
                uses.setdefault(a, []).append(("terminator", -1))   # never a shape use
    pops = stack_pops(g)
    shape_only = {s for s, outs in pops.items()
                  if all(uses.get(o) and all(fn != "terminator" and k in props(fn).shape_only
                                             for fn, k in uses[o]) for o in outs)}
    if not shape_only:
        return g
    names = value_names(g)
    blocks = []
    for b in g.blocks:
        instrs = []
        for ins in b.instrs:
            if ins.fn in ops.TAPE_STORE and ins.args[0] in shape_only:
                name = f"{ins.args[-1].name}_shape" if isinstance(ins.args[-1], Var) else "shape"
                k = 0
                while name in names:
                    k += 1
                    name = f"{name.rsplit('_shape', 1)[0]}_shape_{k}"
                names.add(name)
                proxy = Var(name)
                instrs.append(Call(proxy, runtime.shape_proxy, (ins.args[-1],), (), ins.loc))
                instrs.append(Call(None, ins.fn, ins.args[:-1] + (proxy,), (), ins.loc))
            else:
                instrs.append(ins)
        blocks.append(Block(b.label, b.params, tuple(instrs), b.term))
    return replace(g, blocks=tuple(blocks))
