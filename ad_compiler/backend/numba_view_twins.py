"""Numba twins of the alias analysis' helpers (ir/views.py, rules/views.py,
rules/structural.py): the same-object step (``v = b`` carried into a loop),
the private copy and write-back of a mutated argument, and the checks of an
in-place update.  Updates through a view step (``b[0]``, ``.T``) decline to
lower, so they stay a BackendError naming the line.

Example: ``entry_copy(x)`` is ``x.copy()`` for an array and ``x`` for a
number; ``write_back(param, final)`` is ``param[...] = final``.
"""
from __future__ import annotations

import numpy as np
from numba import types

from ..ir import views
from ..rules import structural
from ..rules import views as view_rules
from .numba_twins import _twin, is_array

__all__ = []


# -- in-place updates through aliases and of arguments (ir.views): the same-object
#    step (``v = b`` carried into a loop) and the write-back of a mutated argument;
#    views through a step function (``b[0]``) stay a BackendError naming the line
@_twin(structural.cotangent_unless_array)
def _cotangent_unless_array(g, old):
    if is_array(old):
        return lambda g, old: 0.0 * g
    return lambda g, old: g


@_twin(structural.cotangent_if_array)
def _cotangent_if_array(g, old):
    if is_array(old):
        return lambda g, old: g
    return lambda g, old: 0.0 * g


@_twin(views.check_inplace)
def _check_inplace(old, new):
    if not is_array(old):
        return lambda old, new: None
    if not is_array(new) or new.ndim != old.ndim:
        def bad_shape(old, new):
            raise ValueError("non-broadcastable output operand of an in-place update")
        return bad_shape if is_array(new) else (lambda old, new: None)
    if isinstance(old.dtype, types.Integer) and isinstance(new.dtype, types.Float):
        def bad_cast(old, new):
            raise TypeError("Cannot cast ufunc output from a float to an integer array in place")
        return bad_cast

    def impl(old, new):
        if old.shape != new.shape:
            raise ValueError("non-broadcastable output operand of an in-place update")
    return impl


@_twin(views.inplace_value)
def _inplace_value(old, new):
    if not is_array(old):
        return lambda old, new: new
    check = views.check_inplace           # (its twin above)

    def impl(old, new):
        check(old, new)
        return np.asarray(new).astype(old.dtype)
    return impl


@_twin(views.entry_copy)
def _entry_copy(x):
    if is_array(x):
        return lambda x: x.copy()
    return lambda x: x


@_twin(views.write_back)
def _write_back(param, final):
    if is_array(param):
        def impl(param, final):
            param[...] = final
        return impl
    return lambda param, final: None


@_twin(views.write_view)
def _write_view(base, value, fn, args, kwargs):
    if not isinstance(fn, types.NoneType):
        return None
    if is_array(base):
        return lambda base, value, fn, args, kwargs: value
    return lambda base, value, fn, args, kwargs: base


@_twin(views.read_view)
def _read_view(new_base, old_base, own, fn, args, kwargs):
    if not isinstance(fn, types.NoneType):
        return None
    if is_array(old_base):
        return lambda new_base, old_base, own, fn, args, kwargs: new_base
    return lambda new_base, old_base, own, fn, args, kwargs: own


@_twin(views.refuse_inplace)
def _refuse_inplace(x, message, where):
    if is_array(x):
        def impl(x, message, where):
            raise ValueError("an in-place update the compiler cannot model for arrays "
                             "(the python backend names the line)")
        return impl
    return lambda x, message, where: None


@_twin(view_rules.view_cotangent_base)
def _view_cotangent_base(g, base, fn, args, kwargs):
    if not isinstance(fn, types.NoneType):
        return None
    if is_array(base):
        return lambda g, base, fn, args, kwargs: 0.0 * g
    return lambda g, base, fn, args, kwargs: g


@_twin(view_rules.view_cotangent_value)
def _view_cotangent_value(g, base, value, fn, args, kwargs):
    if not isinstance(fn, types.NoneType):
        return None
    if is_array(base):
        return lambda g, base, value, fn, args, kwargs: g
    if is_array(value):
        return lambda g, base, value, fn, args, kwargs: np.zeros(value.shape)
    return lambda g, base, value, fn, args, kwargs: 0.0


@_twin(view_rules.read_cotangent_base)
def _read_cotangent_base(g, new_base, old_base, fn, args, kwargs):
    if not isinstance(fn, types.NoneType):
        return None
    if is_array(old_base):
        return lambda g, new_base, old_base, fn, args, kwargs: g + np.zeros(new_base.shape)
    if is_array(new_base):
        return lambda g, new_base, old_base, fn, args, kwargs: np.zeros(new_base.shape)
    return lambda g, new_base, old_base, fn, args, kwargs: 0.0


@_twin(view_rules.read_cotangent_own)
def _read_cotangent_own(g, own, old_base, fn, args, kwargs):
    if not isinstance(fn, types.NoneType):
        return None
    if is_array(old_base):
        return lambda g, own, old_base, fn, args, kwargs: 0.0 * g
    return lambda g, own, old_base, fn, args, kwargs: g
