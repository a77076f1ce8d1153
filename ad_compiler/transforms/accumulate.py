"""In-place accumulation of indexed cotangents.

Example: the adjoint of ``s = s + x[i]`` in a loop adds ``scatter_into(g, x, i)``
— a full-size array that is zero but at ``i`` — to ``x_bar`` on every trip,
which makes the loop quadratic.  This pass rewrites::

    c = scatter_into(g, x, i)          x_bar_2 = index_add(x_bar_1, i, g)
    x_bar_2 = x_bar_1 + c        ->    (x_bar_1[i] += g, in place)

and ``zero_at(g, i)`` (the adjoint of ``out[i] = v``) into an in-place
``zero_at_inplace`` — but only when the array written to is *owned*: freshly
allocated by the adjoint itself (zeros, a scatter, an arithmetic result or a
previous in-place update) and read by nothing else, so no other value can
observe the write.  Loop-carried accumulators are owned when everything
passed into them is.
"""
from __future__ import annotations

import operator


from .. import runtime
from ..ir.nodes import Branch, Call, Const, Var
from ..ir.walk import definitions, positions, uses as uses_of, with_rewrites
from ..runtime import accumulate as runtime_accumulate
from ..rules.adjoints import extremum_adjoint
from ..rules.registry import props
from ..runtime import copy_item, scatter_into, zero_at

__all__ = ["accumulate_in_place"]



def _is_tree_cotangent(defs, a):
    d = defs.get(a) if isinstance(a, Var) else None
    return d is not None and d.fn is runtime.tree_cotangent


_ALL_ITEMS = (Const(None), Const(False), Const(True))     # axis, keepdims, where


def _over_all_items(ins):
    """``extremum_adjoint(g, ans, a)`` of a max/min over all items."""
    return ins.fn is extremum_adjoint and not ins.kwargs and 3 <= len(ins.args) <= 6 and \
        all(a == d for a, d in zip(ins.args[3:], _ALL_ITEMS))


def accumulate_in_place(g, python=False):
    """``python``: also the rewrites whose helpers have no Numba twin
    (``x_bar + extremum_adjoint(g, ans, x)`` -> ``extremum_add``, for the
    extremum over all items: no full-size array of zeros to add)."""
    defs, uses = definitions(g), uses_of(g)
    incoming = g.incoming()
    position = positions(g)

    def single(v, at=None):
        """``v`` has no use but ``at``, apart from a loop test passing it out
        (before the body runs) and copying reads earlier in ``at``'s block."""
        n = 0
        for u in uses.get(v, ()):
            if isinstance(u, Branch) and v not in (u.cond,):
                continue
            if at is not None and getattr(u, "fn", None) is copy_item and \
                    position[id(u)][0] == position[id(at)][0] and \
                    position[id(u)][1] < position[id(at)][1]:
                continue
            n += 1
        return n == 1
    # owned: fresh allocations and parameters fed only by owned, single-use values
    owned = {v for v, ins in defs.items() if props(ins.fn).fresh}
    owned |= {p for p in incoming}
    # accumulate(acc, tree_cotangent(...)) becomes tree_index_add, which returns
    # acc itself (updated) or a new value: owned exactly when acc is
    items_of = {v: [a for a in ins.args if not _is_tree_cotangent(defs, a)]
                for v, ins in defs.items() if ins.fn is runtime_accumulate
                and len(ins.args) == 2 and any(_is_tree_cotangent(defs, a) for a in ins.args)}
    owned |= set(items_of)
    changed = True
    while changed:
        changed = False
        for p in list(owned):
            srcs = incoming.get(p, items_of.get(p))
            if srcs is not None and not all(isinstance(a, Var) and a in owned and single(a)
                                            for a in srcs):
                owned.discard(p)
                changed = True

    rewrite, drop = {}, set()
    for v, ins in defs.items():
        if ins.fn is operator.add and len(ins.args) == 2:
            for acc, c in (ins.args, ins.args[::-1]):
                cd = defs.get(c) if isinstance(c, Var) else None
                if cd is not None and cd.fn is scatter_into and single(c) and \
                        isinstance(acc, Var) and acc in owned and single(acc, ins) and acc != c:
                    gval, _, idx = cd.args
                    rewrite[id(ins)] = Call(ins.out, runtime.index_add, (acc, idx, gval), (), ins.loc)
                    drop.add(id(cd))
                    break
                if python and cd is not None and _over_all_items(cd) and single(c) and acc != c:
                    mine = isinstance(acc, Var) and acc in owned and single(acc, ins)
                    rewrite[id(ins)] = Call(ins.out, runtime.extremum_add,
                                            (acc,) + cd.args[:3] + (Const(mine),), (), ins.loc)
                    drop.add(id(cd))
                    break
        elif ins.fn is runtime_accumulate and len(ins.args) == 2:
            for acc, c in (ins.args, ins.args[::-1]):      # an item of a pytree (or array)
                cd = defs.get(c) if isinstance(c, Var) else None
                if cd is not None and cd.fn is runtime.tree_cotangent and single(c) and \
                        isinstance(acc, Var) and acc in owned and single(acc, ins) and acc != c:
                    x, idx, gval = cd.args
                    rewrite[id(ins)] = Call(ins.out, runtime.tree_index_add, (acc, x, idx, gval),
                                            (), ins.loc)
                    drop.add(id(cd))
                    break
        elif ins.fn is zero_at and isinstance(ins.args[0], Var) and ins.args[0] in owned and \
                single(ins.args[0], ins):
            rewrite[id(ins)] = Call(ins.out, runtime.zero_at_inplace, ins.args, (), ins.loc)
    if not rewrite:
        return g
    return with_rewrites(g, rewrite, drop)
