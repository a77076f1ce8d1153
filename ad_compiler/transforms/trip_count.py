"""How many times a counted loop runs, as plain arithmetic.

Example: the adjoint of ``for i in range(a, n, 2): ...`` runs its mirror
loop once per trip of the primal one; the reverse pass asks for the count
before the loop, and gets::

    t = n - a
    t_1 = t + 1
    t_2 = t_1 // 2
    n_trips = max(0, t_2)          # len(range(a, n, 2))

For ``range(n)`` that is ``max(0, n)``; for ``range(len(xs))`` it is
``len(xs)`` itself (no instruction: a length is never negative, nor is
``x.shape[0]``); for constant bounds it is a constant.
"""
from __future__ import annotations

import operator

from ..ir.nodes import Attr, Call, Const, Var

__all__ = ["trip_count"]


def _int(x):
    return isinstance(x, Const) and type(x.value) is int


def _never_negative(v, defs):
    """``v`` is a nonnegative int constant, a ``len`` or an item of a ``shape``."""
    if _int(v):
        return v.value >= 0
    d = defs.get(v) if isinstance(v, Var) else None
    if d is not None and d.fn is operator.getitem:
        d = defs.get(d.args[0]) if isinstance(d.args[0], Var) else None
        return d is not None and isinstance(d.fn, Attr) and d.fn.name == "shape"
    return d is not None and d.fn is len


def trip_count(init, stop, step, fresh, defs, loc=None):
    """``(instructions, count)``: ``count`` (an operand) is
    ``len(range(init, stop, step))`` once ``instructions`` have run;
    ``step``: a nonzero int constant; ``fresh(hint)``: a new Var;
    ``defs``: Var -> its defining Call (to see that ``stop`` is a length)."""
    s = step.value
    if _int(init) and _int(stop):
        return [], Const(len(range(init.value, stop.value, s)))
    out = []

    def emit(fn, *args, hint="t"):
        v = fresh(hint)
        out.append(Call(v, fn, args, (), loc))
        return v

    def minus(a, b):
        return a if _int(b) and b.value == 0 else emit(operator.sub, a, b)
    if s > 0:
        if _int(init) and init.value == 0 and s == 1 and _never_negative(stop, defs):
            return [], stop
        span = minus(stop, init)
    else:
        span = minus(init, stop)
    if abs(s) != 1:
        span = emit(operator.floordiv, emit(operator.add, span, Const(abs(s) - 1)), Const(abs(s)))
    return out, emit(max, Const(0), span, hint="n_trips")
