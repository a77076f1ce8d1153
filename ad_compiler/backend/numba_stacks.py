"""Growable stacks of numbers for Numba: a NumPy array that doubles when
full, and a length.

Example: the gradient of ``while s < 40.0: s = s + 0.01 * math.sin(x * s)``
stores ``x * s`` on every trip, for a trip count known only when the loop
ends::

    t2_stack = []                     (python backend: a list; append is
    t2_stack.append(t2)                amortised doubling already)
    ...
    t2_1 = t2_stack.pop()

On Numba, where every stored value is a float (``numba_tapes.value_kinds``)
the stack becomes ``t2_stack = new_float_stack()``: a ``jitclass`` with an
``append`` and a ``pop`` like a list's, so the rest of the source is the
same; ``append`` writes into a float64 array and doubles it (one copy)
when it is full, ``pop`` reads back the last entry.  The array never
shrinks: a gradient's stacks are emptied once, by the reverse loop, and
dropped.  There are twins for bools (``new_bool_stack``) and ints
(``new_int_stack``); a stack of anything else stays a Numba list.
"""
from __future__ import annotations

import numpy as np
from numba import boolean, float64, int64
from numba.experimental import jitclass

__all__ = ["new_bool_stack", "new_int_stack", "new_float_stack", "STACK_MAKERS"]

_START = 64         # entries before the first doubling


def _stack_class(name, item, dtype):
    """A jitclass: ``data`` (``dtype`` array) holds ``n`` entries."""

    class Stack:
        def __init__(self):
            self.data = np.empty(_START, dtype)
            self.n = 0

        def append(self, value):
            n = self.n
            if n == self.data.shape[0]:
                grown = np.empty(2 * n, dtype)
                grown[:n] = self.data
                self.data = grown
            self.data[n] = value
            self.n = n + 1

        def pop(self):
            if self.n == 0:
                raise IndexError("pop from empty list")
            self.n -= 1
            return self.data[self.n]

        def __len__(self):
            return self.n

    Stack.__name__ = Stack.__qualname__ = name
    return jitclass([("data", item[:]), ("n", int64)])(Stack)


BoolStack = _stack_class("BoolStack", boolean, np.bool_)
IntStack = _stack_class("IntStack", int64, np.int64)
FloatStack = _stack_class("FloatStack", float64, np.float64)


def new_bool_stack():
    return BoolStack()


def new_int_stack():
    return IntStack()


def new_float_stack():
    return FloatStack()


STACK_MAKERS = {"b": new_bool_stack, "i": new_int_stack, "f": new_float_stack}
