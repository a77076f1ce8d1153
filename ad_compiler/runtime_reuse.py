"""Run-time helpers that write an elementwise result into a dead operand.

Example: in ``t1 = x @ W1; t2 = t1 + b1`` nothing reads ``t1`` after the
addition but its shape, so the compiler emits ``t2 = add_into(0, t1, b1)``,
which is ``np.add(t1, b1, out=t1)`` when that is exactly ``t1 + b1`` (t1 a
float or complex ndarray, the result of its shape and dtype), else
``t1 + b1``.  A hand-written ``x @ W1 + b1`` gets the same from NumPy's
elision of temporaries; generated code names every value, so NumPy cannot
see that ``t1`` is a temporary.  Writing into the buffer saves an
allocation and keeps the working set small: no pass more over memory than
the hand-written adjoint makes.

The pass that decides where (``transforms/reuse.py``) guarantees that the
operand ``k`` is an array the compiled code allocated itself and that
nothing reads its values afterwards.  Here only the run-time question is
answered: does the result fit the buffer exactly.
"""
from __future__ import annotations

import operator

import numpy as np

from .runtime import _has_nan

__all__ = ["add_into", "sub_into", "mul_into", "div_into", "ufunc_into", "safe_mul_into",
           "safe_div_into"]


SMALL = 2048         # items: below this a new array costs less than the checks


def _fits(a, others):
    """Whether ``ufunc(a, *others)`` (in any order) has ``a``'s shape and dtype
    (and ``a`` is large enough for writing into it to pay)."""
    if type(a) is not np.ndarray or a.size < SMALL or a.dtype.kind not in "fc" or \
            not a.flags.writeable:
        return False
    for b in others:
        tb = type(b)
        if tb is float or tb is int:             # weak Python scalars keep a's dtype
            continue
        if tb is not np.ndarray or b.dtype != a.dtype:
            return False
        if b.shape != a.shape:
            try:
                if np.broadcast_shapes(a.shape, b.shape) != a.shape:
                    return False
            except ValueError:
                return False
    return True


def _binary(op, ufunc):
    def into(k, a, b):
        buf = a if k == 0 else b
        if _fits(buf, (b if k == 0 else a,)):
            return ufunc(a, b, out=buf)
        return op(a, b)
    into.__name__ = f"{op.__name__.strip('_')}_into"
    into.__qualname__ = into.__name__
    into.__doc__ = (f"``a {_SYMBOL[op]} b``, written into operand ``k`` where the result "
                    "fits it (the caller owns that operand and reads it no more).")
    return into


_SYMBOL = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/"}
add_into = _binary(operator.add, np.add)
sub_into = _binary(operator.sub, np.subtract)
mul_into = _binary(operator.mul, np.multiply)
div_into = _binary(operator.truediv, np.true_divide)
BINARY = {operator.add: add_into, operator.sub: sub_into, operator.mul: mul_into,
          operator.truediv: div_into}


def ufunc_into(ufunc, k, *args):
    """``ufunc(*args)``, written into ``args[k]`` where the result fits it
    (also its dtype: ``np.greater`` of floats makes booleans, so never)."""
    buf = args[k]
    if _fits(buf, args[:k] + args[k + 1:]) and _same_type_loop(ufunc, buf.dtype.char):
        return ufunc(*args, out=buf)
    return ufunc(*args)


_LOOPS = {}


def _same_type_loop(ufunc, char):
    """Whether ``ufunc`` has a loop from ``char`` operands to a ``char``
    result (then NumPy picks it for operands of that type)."""
    key = (ufunc, char)
    found = _LOOPS.get(key)
    if found is None:
        found = _LOOPS[key] = f"{char * ufunc.nin}->{char}" in ufunc.types
    return found


def safe_mul_into(g, d):
    """``runtime.safe_mul(g, d)``, written into ``d`` where it fits (``g`` is
    kept: the NaN policy reads it again)."""
    if _fits(d, (g,)):
        with np.errstate(invalid="ignore", over="ignore"):
            r = np.multiply(g, d, out=d)
        if _has_nan(r):
            r = np.where(g == 0, 0, r)
        return r
    from .runtime import safe_mul
    return safe_mul(g, d)


def safe_div_into(g, d):
    """``runtime.safe_div(g, d)``, written into ``d`` where it fits."""
    if _fits(d, (g,)):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            r = np.divide(g, d, out=d)
        if _has_nan(r):
            r = np.where(g == 0, 0, r)
        return r
    from .runtime import safe_div
    return safe_div(g, d)
