"""Primitive callables the IR uses for Python syntax that is not a call.

Example: ``(a, b)`` is ``make_tuple(a, b)``; ``x[i:j]`` indexes with
``slice(i, j, None)``; a value the adjoint of a loop reads is stored per trip:
``tape_store(tape, k, v)`` into ``tape = new_tape(n_trips)`` where the trip
count is known before the loop (read back with ``tape_load(tape, k)``), else
``push(stack, v)`` onto a growable ``new_stack()``.
They are ordinary functions so the rule table and the emitter treat them
like any other callee; the emitter prints them back as Python syntax.
The helpers that the adjoint calls (``zero_like``, ``seed_cotangent``,
``index_add`` ...) are run-time code, in ``ad_compiler/runtime.py``.
"""
from __future__ import annotations

import numpy as np

__all__ = ["make_tuple", "make_list", "make_dict", "make_slice", "new_stack", "push", "pop",
           "new_tape", "tape_store", "tape_load", "TAPE_NEW", "TAPE_STORE", "TAPE_LOAD", "range_cond",
           "trips_within",
           "comment", "setitem", "list_append", "escape", "changed_in_place", "alias_update",
           "raise_", "require", "format_string", "UNSET"]


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


def new_tape(n):
    """A tape of ``n`` entries, one per trip of a loop whose trip count ``n``
    is known before it runs, or of a nest of such loops (``n`` the product:
    transforms/reverse_tapes.py; printed ``[None] * n``; Numba gets a NumPy
    array of the entries' type where that is a number: backend/numba_tapes.py)."""
    return [None] * n


def tape_store(tape, k, value):
    """Trip ``k`` of a counted loop stores ``value`` (``tape[k] = value``)."""
    tape[k] = value


def tape_load(tape, k):
    """Trip ``k`` of the adjoint loop reads what trip ``k`` stored (``tape[k]``)."""
    return tape[k]


# the loop tapes, growable and preallocated alike: what makes one, stores in
# one (the stored value is the last argument), reads one (the tape is the first)
TAPE_NEW = (new_stack, new_tape)
TAPE_STORE = (push, tape_store)
TAPE_LOAD = (pop, tape_load)


def range_cond(i, stop, step):
    """The test of ``for i in range(start, stop, step)`` for a step whose sign
    is only known at run time."""
    return i < stop if step > 0 else i > stop


def trips_within(outer, start, stop, step):
    """``len(range(start, stop, step))`` for a loop nested in loops that make
    ``outer`` trips in all, computed before them: 0 without evaluating the
    range where they make none (Python would not reach it)."""
    if outer > 0:
        return len(range(start, stop, step))
    return 0


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


