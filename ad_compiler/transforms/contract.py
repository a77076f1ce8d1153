"""Sums of products become contractions: no product array is made.

Example: a sum of products (``dist = np.sum(diff * diff, axis=2)``) where
the returned value is not computed from it, and the adjoint's cotangent of
a broadcast operand::

    t3 = diff * diff                        t3 = product_shape(diff, diff)
    dist = np.sum(t3, axis=2)          ->   dist = sum_of_products(diff, diff, 2, False)
    ...
    t5 = t3_bar * diff
    t2_sum = unbroadcast(t5, t2)       ->   t2_sum = unbroadcast_product(t3_bar, diff, t2)

What the returned value (and aux) is computed from stays as written
(``exact``): an einsum sums in another order than NumPy, and the value must
be the function's own, to the last bit; so kmeans' own ``dist`` is summed
as the user wrote it and only its adjoint contracts.

``runtime_contract`` computes each as one ``np.einsum`` (floats; the plain
expression otherwise), so the (n, k, d) product is neither written nor read
again; ``t3`` is kept as its shape only when something reads that
(``unreduce(dist_bar, t3, 2)``).  A product is rewritten only where the sum
reads it in the same block and every other read of it is a shape-only one
(``unbroadcast``: one read at all, and a target known to be summed to:
of fewer axes than an operand, or an index adding one, ``C[None, :, :]``).  And ``np.einsum`` calls become
``planned_einsum``, which lets NumPy plan large contractions (BLAS).

Only for ``backend="python"``, after the graph ``grad`` of a gradient
differentiates is kept (``Job.pure``): the helpers have no rules of their
own, and Numba compiles the plain loops itself.
"""
from __future__ import annotations

import operator

import numpy as np

from .. import runtime, runtime_contract
from ..ir.nodes import Call, Const, Var
from ..ir.walk import uses as uses_of, with_rewrites
from ..rules.registry import props

__all__ = ["contract_products"]

_MUL = (operator.mul, np.multiply)


def _product(d, numbers):
    """Whether ``d`` is ``a * b`` of two values that may be arrays."""
    return d is not None and d.fn in _MUL and len(d.args) == 2 and not d.kwargs and \
        not any(a in numbers or isinstance(a, Const) for a in d.args)


def _shape_only_reads(v, but, users):
    """Whether every read of ``v`` other than by ``but`` is a shape-only one."""
    for u in users.get(v, ()):
        if u is but:
            continue
        if not isinstance(u, Call) or u.kwargs:
            return False
        try:
            only = props(u.fn).shape_only
        except TypeError:
            return False
        if not all(k in only for k, a in enumerate(u.args) if a == v):
            return False
    return True


def _sum_arguments(ins):
    """``(axis, keepdims)`` of ``np.sum(t, axis, keepdims=...)``, or None for
    any other form (dtype=, out=, where=, initial=)."""
    if ins.fn is not np.sum or not 1 <= len(ins.args) <= 2:
        return None
    kw = dict(ins.kwargs)
    if set(kw) - {"axis", "keepdims"} or (len(ins.args) == 2 and "axis" in kw):
        return None
    axis = ins.args[1] if len(ins.args) == 2 else kw.get("axis", Const(None))
    return axis, kw.get("keepdims", Const(False))


def _new_axis(d):
    """Whether ``d`` is a basic index that adds an axis (``C[None, :, :]``):
    an operand broadcast on purpose, whose cotangent is a sum."""
    if d is None or d.fn is not operator.getitem or len(d.args) != 2:
        return False
    idx = d.args[1]
    items = idx.value if isinstance(idx, Const) and isinstance(idx.value, tuple) else (
        (idx.value,) if isinstance(idx, Const) else ())
    return any(e is None for e in items)


def _sums(x, a, b, ranks, defs):
    """Whether ``unbroadcast(a * b, x)`` is known to sum: ``x`` has fewer
    axes than an operand, or is an index that adds one.  (Elsewhere the
    shapes are likely alike, and the plain product is as cheap.)"""
    rx = ranks.get(x) if isinstance(x, Var) else None
    ra = [ranks.get(v) for v in (a, b) if isinstance(v, Var)]
    if type(rx) is int and any(type(r) is int and r > rx for r in ra):
        return True
    return isinstance(x, Var) and _new_axis(defs.get(x))


def contract_products(g, numbers=(), ranks=None, exact=frozenset()):
    """``g`` with the rewrites above (``numbers``: values known to be
    numbers, whose products are no arrays; ``ranks``: value -> rank, where
    known; ``exact``: values left as written, since an einsum sums in
    another order than NumPy: those the function's returned value is
    computed from)."""
    numbers = set(numbers)
    ranks = ranks or {}
    defs = {i.out: i for i in g.instructions() if i.out is not None}
    users = None
    rewrite, drop = {}, set()
    for b in g.blocks:
        here = {}
        for ins in b.instrs:
            if ins.out in exact:
                here[ins.out] = ins
                continue
            if ins.fn is np.einsum and not any(k in ("optimize", "out") for k, _ in ins.kwargs):
                rewrite[id(ins)] = Call(ins.out, runtime_contract.planned_einsum, ins.args,
                                        ins.kwargs, ins.loc)
            src = ins.args[0] if ins.args and isinstance(ins.args[0], Var) else None
            d = here.get(src)
            if d is not None and _product(d, numbers) and id(d) not in rewrite:
                if users is None:
                    users = uses_of(g)
                reads = users.get(src, ())
                summed = _sum_arguments(ins)
                if ins.fn is runtime.unbroadcast and len(ins.args) == 2 and not ins.kwargs \
                        and len(reads) == 1 and _sums(ins.args[1], *d.args, ranks, defs):
                    rewrite[id(ins)] = Call(ins.out, runtime_contract.unbroadcast_product,
                                            d.args + (ins.args[1],), (), ins.loc)
                    drop.add(id(d))
                elif summed is not None and sum(1 for u in reads if u is ins) == 1 and \
                        _shape_only_reads(src, ins, users):
                    rewrite[id(ins)] = Call(ins.out, runtime_contract.sum_of_products,
                                            d.args + summed, (), ins.loc)
                    if len(reads) == 1:
                        drop.add(id(d))
                    else:
                        rewrite[id(d)] = Call(d.out, runtime_contract.product_shape, d.args,
                                              (), d.loc)
            if ins.out is not None:
                here[ins.out] = ins
    if not rewrite:
        return g
    return with_rewrites(g, rewrite, drop)
