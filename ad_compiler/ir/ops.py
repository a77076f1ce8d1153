"""Primitive callables the IR uses for Python syntax that is not a call.

Example: ``(a, b)`` is ``make_tuple(a, b)``; ``x[i:j]`` indexes with
``slice(i, j, None)``; a loop's trip count is pushed with ``push(stack, v)``.
They are ordinary functions so the rule table and the emitter treat them
like any other callee; the emitter prints them back as Python syntax.
"""
from __future__ import annotations

import numpy as np

__all__ = ["make_tuple", "make_list", "make_dict", "make_slice", "new_stack", "push", "pop", "range_cond",
           "zero_like", "comment", "seed_cotangent", "setitem", "list_append", "escape",
           "changed_in_place",
           "raise_", "require", "format_string", "shape_proxy", "ShapeOf"]


def make_tuple(*items):
    return items


def make_list(*items):
    return list(items)


def make_dict(*keys_and_values):
    """``{k1: v1, k2: v2}`` is ``make_dict(k1, v1, k2, v2)``."""
    it = iter(keys_and_values)
    return dict(zip(it, it))


def make_slice(start, stop, step):
    return slice(start, stop, step)


def new_stack():
    return []


def push(stack, value):
    stack.append(value)


def pop(stack):
    return stack.pop()


def range_cond(i, stop, step):
    """The test of ``for i in range(start, stop, step)`` for a step whose sign
    is only known at run time."""
    return i < stop if step > 0 else i > stop


def zero_like(x):
    """A zero cotangent for ``x`` (a Python 0.0 for scalars; None, the
    zero of tuple cotangents, for tuples, lists and dicts; float zeros of the
    shape for a ShapeOf)."""
    if type(x) is ShapeOf:
        return np.zeros(x) if x else 0.0
    if isinstance(x, (tuple, list, dict)):
        return None
    if isinstance(x, np.ndarray):
        return np.zeros(x.shape, dtype=x.dtype if x.dtype.kind == "f" else np.float64)
    return 0.0


def comment(text):
    """A comment in generated code (no effect at run time)."""


class _Unset:
    """The value an ``if`` arm passes to a join parameter that only the
    other arm defines (a value the adjoint reads in that arm's mirror).
    Printed as ``None`` in Python; left unassigned for Numba, which would
    otherwise type the parameter ``Optional`` (that its own functions,
    ``np.where`` among them, refuse)."""
    def __repr__(self):
        return "UNSET"


UNSET = _Unset()


def seed_cotangent(seed, out):
    """The cotangent the adjoint starts from: 1 for a scalar output, or the
    user's ``seed`` (PyTorch's ``backward(gradient=...)``), shape-checked."""
    if seed is None and type(out) is float:       # the common scalar case, first
        return 1.0
    from ..errors import NonScalarOutputError
    from ..outputs import check_output
    from ..pytree import check_seed, describe, is_node
    check_output(out)                             # before the adjoint runs on it
    if seed is None:
        if is_node(out):
            raise NonScalarOutputError(
                f"the output is a container {describe(out)}, not a scalar: pass seed= with the "
                "same structure (the cotangent of each item), or reduce it to a scalar")
        if np.ndim(out) != 0:
            raise NonScalarOutputError(
                f"the output has shape {np.shape(out)}, not a scalar: pass seed= (the cotangent "
                "of the output, as in PyTorch's backward(gradient=...)) or reduce it to a scalar")
        if isinstance(out, (np.floating, np.ndarray)) and np.asarray(out).dtype != np.float64:
            return np.asarray(out).dtype.type(1)
        return 1.0
    return check_seed(seed, out)


def item_cotangent(g, k):
    """Item ``k`` of a tuple cotangent (None, or a None item, means zero)."""
    if g is None:
        return 0.0
    item = g.get(k) if isinstance(g, dict) else g[k]
    return 0.0 if item is None else item


def alias_update(old, new):
    """What another name bound to ``old`` holds after ``name op= v``: the new
    value if ``old`` is an array (updated in place), else ``old`` (a number
    is rebound, not changed)."""
    return new if isinstance(old, np.ndarray) else old


def setitem(a, idx, v):
    """``a[idx] = v`` as a value: the array after the assignment.  The
    emitter writes it in place when no later code reads the old ``a``
    (or a view of it), and as a copy otherwise."""
    a = a.copy()
    a[idx] = v
    return a


def escape(value):
    """Marks a value whose effect is seen outside the function (a list of the
    caller's or a global one, appended to): never dropped as unused.  Emits
    no code."""


def list_append(lst, v):
    """``lst.append(v)`` as a value: the list after the append (in place)."""
    lst.append(v)
    return lst


def changed_in_place(container, effect, method):
    """``container`` after its ``method`` changed it in place
    (``lst.extend(v)``, ``d.update(e)``; ``effect`` is that call's result,
    so it runs first).
    Deliberately without a derivative rule: where the container carries a
    gradient, the reverse pass reports the method instead of losing what it
    added."""
    return container


def own(x):
    """A private copy of an array cotangent about to be accumulated into in
    place inside a loop (numbers are returned as they are)."""
    return x.copy() if isinstance(x, np.ndarray) else x


def index_add(acc, idx, g):
    """``acc[idx] += g`` in place (repeated integer indices add up); returns
    ``acc``.  Only used on accumulators the compiler allocated itself."""
    if isinstance(idx, np.ndarray) or (isinstance(idx, tuple) and any(
            isinstance(i, (np.ndarray, list)) for i in idx)) or isinstance(idx, list):
        np.add.at(acc, idx, g)
    else:
        acc[idx] += g
    return acc


def zero_at_inplace(g, idx):
    """``g[idx] = 0`` in place; returns ``g`` (a cotangent the compiler owns).
    A container's structural cotangent is not changed in place."""
    if not isinstance(g, np.ndarray):
        from ..rules.structural import zero_at
        return zero_at(g, idx)
    g[idx] = 0
    return g


def raise_(exc, cause=None):
    """``raise exc`` (``from cause``) in generated code."""
    if cause is not None:
        raise exc from cause
    raise exc


def require(ok, exc_type, message):
    """``if not ok: raise exc_type(message)``: Python's run-time checks that
    the compiled code makes explicit (a local read where it may be unbound).
    The emitter prints it as that ``if``."""
    if not ok:
        raise exc_type(message)


def format_string(template, *values):
    """An f-string: ``f"a{x:.3f}"`` is ``format_string("a{:.3f}", x)``."""
    return template.format(*values)


class ShapeOf(tuple):
    """The shape of a value whose data the adjoint does not need."""
    __slots__ = ()


def shape_proxy(x):
    """A stand-in for ``x`` where only its shape is read (``unbroadcast``,
    ``unreduce``): stacking it costs no memory and holds no reference to
    ``x``'s data (a view of an array that is later assigned into, say)."""
    return ShapeOf(np.shape(x))
