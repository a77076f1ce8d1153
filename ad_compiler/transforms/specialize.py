"""Specialisation on argument kinds: which values are known to be scalars.

Example: for ``f(x: float)``, the adjoint of ``y = x * w`` (w a float too)
is ``unbroadcast(y_bar * w, x)``; with both known scalar it becomes
``y_bar * w`` — no shape checks on the hot path of scalar loops.

A value is a known scalar when its rank is 0 (``transforms/ranks.py``): a
Python number constant, a parameter called with a Python/NumPy scalar, the
result of arithmetic, ``math`` functions or NumPy ufuncs on known scalars;
block parameters are scalars when every incoming value is.
"""
from __future__ import annotations

from .. import runtime
from ..ir import ops
from ..ir.views import check_inplace, entry_copy, inplace_value, write_back
from ..ir.nodes import Block, Call, Const, Var
from ..runtime import unbroadcast, unreduce
from .ranks import infer_ranks
from .simplify import _replace, substitute
from ..rules.runtime_helpers import uncast     # (the adjoint of cast_like: grad of a gradient)

__all__ = ["known_scalars", "specialize_scalars"]


def known_scalars(g, scalar_params, array_params=()):
    """Values known to be scalars, given the parameters that are scalars and
    ``array_params``: ``{param: ndim}`` for parameters that are arrays.  Array
    ranks are followed through constructors, arithmetic, index assignment and
    block parameters (``transforms/ranks.py``), so ``x[i, j]`` of a 2-D ``x``
    (two scalar indices) is a scalar too."""
    if not isinstance(array_params, dict):         # a list of 1-D parameters
        array_params = {p: 1 for p in array_params}
    ranks = {p: 0 for p in scalar_params}
    ranks.update(array_params)
    return infer_ranks(g, ranks).scalars()


def specialize_scalars(g, scalar_params, array_params=(), known=None):
    """Drop ``unbroadcast``/``unreduce`` where the value is a known scalar,
    and make ``zero_like`` of a known scalar the constant 0.0 (``array_params``: ``{param: ndim}``, whose items at full indices are; ``known``: ``known_scalars`` of them, if computed)."""
    scal = known_scalars(g, scalar_params, array_params) if known is None else known
    defined = {i.out for i in g.instructions() if i.out is not None}
    m, rename = {}, {}
    for ins in g.instructions():
        if ins.fn is runtime.zero_like and len(ins.args) == 1 and ins.args[0] in scal:
            m[ins.out] = Const(0.0)          # the zero of a number needs no value
            continue
        drop = (ins.fn in (unbroadcast, uncast) and len(ins.args) == 2 and all(
            isinstance(a, Const) or a in scal for a in ins.args)) or (
            ins.fn is unreduce and (isinstance(ins.args[1], Const) or ins.args[1] in scal))
        if drop:
            src = ins.args[0]
            while src in rename:
                src = rename[src]
            if isinstance(src, Var) and src in defined and src not in rename.values() \
                    and src.name.startswith("t") and src not in m:
                rename[src] = ins.out        # keep the readable name (x_bar) for the value
            else:
                m[ins.out] = src
    blocks = []
    for b in g.blocks:
        keep = []
        for ins in b.instrs:
            if ins.out in rename.values() and ins.fn in (unbroadcast, unreduce, uncast):
                continue
            number = bool(ins.args) and (isinstance(ins.args[0], Const) or ins.args[0] in scal)
            if ins.fn in (check_inplace, write_back) and number:
                continue                     # ``s += x`` on a number: nothing to check or write
            if ins.fn is inplace_value and number and ins.out not in rename:
                m[ins.out] = ins.args[1]     # ``s += x`` on a number: the name is rebound
                continue
            if ins.fn in (entry_copy, ops.alias_update) and number and ins.out not in rename:
                m[ins.out] = ins.args[0]     # a number is not copied, and is rebound, not changed
                continue
            if ins.out in m:
                continue
            if ins.out in rename:
                ins = Call(rename[ins.out], ins.fn, ins.args, ins.kwargs, ins.loc)
            keep.append(ins)
        blocks.append(Block(b.label, b.params, tuple(keep), b.term))
    m.update(rename)
    return substitute(_replace(g, blocks=tuple(blocks)), m)
