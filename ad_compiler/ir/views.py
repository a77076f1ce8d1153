"""Run-time primitives that model Python's in-place updates of arrays that
share memory (views and aliases) as SSA values.

Example: for ``r = b[0]`` / ``r *= 0.5`` the builder (see ``ir.aliasing``)
emits::

    r_2 = mul r 0.5
    b_2 = write_view b r_2 getitem (0,) ()        # b with row 0 replaced, if r is a view
    r_3 = read_view b_2 b r_2 getitem (0,) ()     # b_2[0] if r was a view, else r_2

A *step* ``fn(base, *args, **kwargs)`` is a view function (``view_steps``
in the rule table: ``props(fn).view_steps``; ``fn`` None: the same object).  Whether the step
gives a view is decided at run time, as NumPy decides it: ``b[0]`` of a 1-D
``b`` is a number (``r *= 0.5`` rebinds ``r``), ``b[[0, 1]]`` is a copy, and
``b.reshape(-1)`` is a view only when ``b`` is contiguous.  Nothing here
writes into an argument: each primitive returns a new array.
"""
from __future__ import annotations

import numpy as np

from ..errors import MutationError

__all__ = ["step_view", "is_view", "write_view", "read_view", "entry_copy", "write_back",
           "positions", "check_inplace", "inplace_value", "refuse_inplace"]


def step_view(base, fn, args, kwargs):
    """The value of the step ``fn(base, *args, **kwargs)``."""
    if fn is None:
        return base
    return fn(base, *args, **dict(kwargs))


def is_view(base, fn, args, kwargs):
    """True when the step applied to ``base`` gives an array sharing its memory."""
    if fn is None:
        return isinstance(base, np.ndarray)
    if isinstance(base, (list, tuple)):
        item = step_view(base, fn, args, kwargs)
        if isinstance(item, np.ndarray):
            raise MutationError("an array taken out of a list or tuple is updated in place: "
                                "Python would change the item in the container too; copy it "
                                "first (x = x.copy())")
        return False
    if not isinstance(base, np.ndarray):
        return False
    v = step_view(base, fn, args, kwargs)
    return isinstance(v, np.ndarray) and v.size > 0 and np.may_share_memory(v, base)


def positions(shape, fn, args, kwargs):
    """For each element of the view, its flat (C-order) position in the base."""
    flat = np.arange(int(np.prod(shape)), dtype=np.intp).reshape(shape)
    return np.asarray(step_view(flat, fn, args, kwargs))


def write_view(base, value, fn, args, kwargs):
    """``base`` after ``fn(base, *args)[...] = value`` when the step is a view
    (a new array), else ``base`` itself (the update did not reach it)."""
    if not is_view(base, fn, args, kwargs):
        return base
    if fn is None:
        return value
    out = np.array(base, copy=True, order="C")     # C order: reshape(-1) below is a view
    if fn is _getitem:
        out[args[0]] = value
        return out
    pos = positions(base.shape, fn, args, kwargs)
    if not np.asarray(step_view(base, fn, args, kwargs)).flags.writeable:
        raise ValueError("assignment destination is read-only")
    out.reshape(-1)[pos.reshape(-1)] = np.broadcast_to(value, pos.shape).reshape(-1)
    return out


def read_view(new_base, old_base, own, fn, args, kwargs):
    """What a name bound to ``fn(old_base, *args)`` holds once ``old_base``
    became ``new_base``: the step of ``new_base`` if it was a view, else
    ``own`` (its own value)."""
    if is_view(old_base, fn, args, kwargs):
        return step_view(new_base, fn, args, kwargs)
    return own


def entry_copy(x):
    """A private copy of an argument the function mutates: the computation
    (and the gradient) reads the values at entry."""
    return np.array(x, copy=True) if isinstance(x, np.ndarray) else x


def write_back(param, final):
    """Give the caller's array ``param`` the contents ``final`` (what Python's
    in-place updates left in it); no effect on numbers."""
    if isinstance(param, np.ndarray) and final is not param:
        np.copyto(param, final, casting="unsafe")


import operator as _operator  # noqa: E402

_getitem = _operator.getitem


def refuse_inplace(x, message, where):
    """An in-place update the compiler could model for a number only:
    ``where`` is (function, file, line, source line)."""
    if isinstance(x, np.ndarray):
        fn, filename, lineno, text = where
        raise MutationError(message, fn_name=fn, filename=filename, lineno=lineno,
                            source_line=text)


def check_inplace(old, new):
    """``old op= v`` on an array: NumPy computes into ``old``, so a result of
    another shape (``zeros(3) += ones((2, 3))``) or of a kind that does not
    cast back (``int_array += 0.5``) raises, as it does in Python."""
    if isinstance(old, np.ndarray):
        shape = np.shape(new)
        if shape != old.shape:
            raise ValueError(f"non-broadcastable output operand with shape {old.shape} doesn't "
                             f"match the broadcast shape {shape}")
        dt = np.result_type(new)
        if dt != old.dtype and not np.can_cast(dt, old.dtype, casting="same_kind"):
            raise TypeError(f"Cannot cast ufunc output from {dt!r} to {old.dtype!r} with "
                            "casting rule 'same_kind'")


def inplace_value(old, new):
    """What ``old op= v`` leaves in the name ``old``: for an array, ``new``
    computed into ``old``'s memory, so after NumPy's checks (check_inplace)
    and in ``old``'s dtype (``float32_array += float64`` stays float32); for a
    number, ``new`` itself (the name is rebound)."""
    if isinstance(old, np.ndarray):
        check_inplace(old, new)
        if np.result_type(new) != old.dtype:
            return np.asarray(new).astype(old.dtype)
    return new
