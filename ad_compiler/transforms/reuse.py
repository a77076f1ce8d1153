"""Elementwise results written into operands nothing reads again.

Example: the gradient of ``np.tanh(x @ W1 + b1)`` emits, before this pass::

    t1 = x @ W1
    t2 = t1 + b1                      # t1 is read again only for its shape
    h = np.tanh(t2)                   # t2 is never read again
    ...
    t10 = h * h
    t11 = 1.0 - t10
    t2_bar = safe_mul(h_bar, t11)

and after it::

    t2 = add_into(0, t1, b1)          # np.add(t1, b1, out=t1) when it fits
    h = ufunc_into(np.tanh, 0, t2)
    t11 = sub_into(1, 1.0, t10)
    t2_bar = safe_mul_into(h_bar, t11)

so the gradient allocates no more arrays than a hand-written adjoint
(where NumPy elides the temporaries of ``x @ W1 + b1`` itself).  An operand
is written into only when the pass can prove it *owned and dead*: it is
the result of an instruction that always makes a new array (``fresh`` in
the rule table, ``a @ b``, or a NumPy ufunc called without ``out=``; or an
``unbroadcast`` of such an array read nowhere else), defined earlier
in the same block, and every other read of it anywhere is a shape-only one
(``unbroadcast(g, t1)``: the shape does not change).  Anything that could
alias it (a push on a stack, a return, a block argument, a second operand
position, any other call) keeps the plain operation.  Whether the result
fits the buffer (its shape and dtype) is decided at run time by the
helpers of ``runtime_reuse``.

Not inside loops, where a step's arrays are small and the helper's call
would cost more than the allocation it saves, nor on values known to be
numbers; the helpers themselves fall back to the plain operation on small
arrays (``runtime_reuse.SMALL``).  Only for ``backend="python"``: Numba and CUDA compile the source
themselves and fuse loops their own way.  The graph ``grad`` of a gradient
differentiates is taken before this pass (``Job.pure``).
"""
from __future__ import annotations

import operator

import numpy as np

from .. import runtime, runtime_reuse
from ..ir.nodes import Call, Const, IfRegion, LoopRegion, Var
from ..ir.walk import definitions, loop_blocks, uses as uses_of, with_rewrites
from ..rules.registry import props

__all__ = ["reuse_buffers"]


_NEW_ARRAY = (operator.matmul,)       # like the ``fresh`` arithmetic: a @ b of arrays


def _makes_new_array(ins):
    fn = ins.fn
    if fn in _NEW_ARRAY:
        return True
    if isinstance(fn, np.ufunc):
        return not ins.kwargs and fn.nout == 1
    try:
        return props(fn).fresh
    except TypeError:                    # an unhashable callee
        return False


def _candidates(ins):
    """``(helper, leading arguments, positions it may write into)`` for an
    instruction this pass knows, else None."""
    fn = ins.fn
    if ins.kwargs or ins.out is None:
        return None
    try:
        binary = runtime_reuse.BINARY.get(fn)
    except TypeError:
        return None
    if binary is not None and len(ins.args) == 2:
        return binary, None, (0, 1)
    if isinstance(fn, np.ufunc) and fn.signature is None and fn.nout == 1 and \
            fn.nin == len(ins.args) and fn.nin <= 2:
        return runtime_reuse.ufunc_into, fn, tuple(range(fn.nin))
    if fn is runtime.safe_mul and len(ins.args) == 2:
        return runtime_reuse.safe_mul_into, None, (1,)
    if fn is runtime.safe_div and len(ins.args) == 2:
        return runtime_reuse.safe_div_into, None, (1,)
    return None


def _loop_labels(g):
    """The labels of the blocks inside some loop."""
    out = set()

    def walk(seq):
        for item in seq.items:
            if isinstance(item, LoopRegion):
                out.update(loop_blocks(item))
            elif isinstance(item, IfRegion):
                walk(item.then)
                walk(item.orelse)
    walk(g.structure)
    return out


def reuse_buffers(g, scalars=()):
    """``g`` with the rewrites above, outside loops (a loop's small steps
    would pay the helper's call for nothing) and never on ``scalars``
    (values known to be numbers)."""
    defs, uses = definitions(g), uses_of(g)
    in_loop = _loop_labels(g)
    scalars = set(scalars)
    where = {}
    for b in g.blocks:
        for k, ins in enumerate(b.instrs):
            if ins.out is not None:
                where[ins.out] = (b.label, k)

    def owned_sum(d):
        """``unbroadcast(t, x)`` of a new array ``t`` read nowhere else: ``t``
        itself, a new sum of it, or a read-only broadcast (which the helpers
        do not write into)."""
        if d.fn is not runtime.unbroadcast or len(d.args) != 2 or d.kwargs or \
                not isinstance(d.args[0], Var):
            return False
        t = defs.get(d.args[0])
        return t is not None and _makes_new_array(t) and list(uses.get(d.args[0], ())) == [d]

    def dead_after(v, ins, label, index):
        """``v`` is read by ``ins`` once and otherwise only for its shape."""
        d = defs.get(v)
        if d is None or not (_makes_new_array(d) or owned_sum(d)) or \
                where.get(v, (None,))[0] != label or where[v][1] >= index:
            return False
        if sum(1 for a in ins.args if a == v) != 1 or any(a == v for _, a in ins.kwargs):
            return False
        for u in uses.get(v, ()):
            if u is ins:
                continue
            if not isinstance(u, Call) or u.kwargs:
                return False
            shape_only = _shape_only(u.fn)
            if not all(k in shape_only for k, a in enumerate(u.args) if a == v):
                return False
        return True

    rewrite = {}
    for b in g.blocks:
        if b.label in in_loop:
            continue
        for index, ins in enumerate(b.instrs):
            if ins.out in scalars:
                continue
            found = _candidates(ins)
            if found is None:
                continue
            helper, ufunc, positions = found
            for k in positions:
                v = ins.args[k]
                if isinstance(v, Var) and dead_after(v, ins, b.label, index):
                    if helper is runtime_reuse.ufunc_into:
                        args = (Const(ufunc), Const(k)) + ins.args
                    elif helper in (runtime_reuse.safe_mul_into, runtime_reuse.safe_div_into):
                        args = ins.args
                    else:
                        args = (Const(k),) + ins.args
                    rewrite[id(ins)] = Call(ins.out, helper, args, (), ins.loc)
                    break
    if not rewrite:
        return g
    return with_rewrites(g, rewrite)


def _shape_only(fn):
    try:
        return props(fn).shape_only
    except TypeError:
        return ()
