"""Rules for the view primitives of ``ir.views`` (in-place updates through
views and aliases, lowered to SSA values).

Example: ``b_2 = write_view(b, r_2, getitem, (0,), ())`` (row 0 of ``b``
replaced by ``r_2`` when ``b[0]`` is a view):
    write_view_base(g, ...)  -> g with row 0 zeroed     (what b still holds)
    write_view_value(g, ...) -> g[0]                    (what r_2 became)
and when the step is not a view (a number, a copy), ``b_2`` is ``b``.
"""
import numpy as np

from ..ir import views
from ..runtime import zero_like
from ..runtime import cast_like, unbroadcast
from .registry import defjvp, defvjp, nondifferentiable
from .runtime_helpers import no_cotangent
from .tangents import no_tangent


def view_cotangent_base(g, base, fn, args, kwargs):
    """The cotangent of ``base`` in ``write_view``: ``g`` off the view."""
    if not views.is_view(base, fn, args, kwargs):
        return g
    if fn is None:
        return 0.0 * g
    g = np.array(g, copy=True, order="C")     # C order: reshape(-1) below is a view
    pos = views.positions(np.shape(base), fn, args, kwargs)
    g.reshape(-1)[pos.reshape(-1)] = 0
    return g


def view_cotangent_value(g, base, value, fn, args, kwargs):
    """The cotangent of ``value`` in ``write_view``: ``g`` on the view."""
    if not views.is_view(base, fn, args, kwargs):
        return 0.0 * np.asarray(value, dtype=float) if np.ndim(value) else 0.0
    if fn is None:
        return g
    pos = views.positions(np.shape(base), fn, args, kwargs)
    return unbroadcast(np.asarray(g).reshape(-1)[pos], value)


def read_cotangent_base(g, new_base, old_base, fn, args, kwargs):
    """The cotangent of ``new_base`` in ``read_view``: ``g`` scattered back."""
    if not views.is_view(old_base, fn, args, kwargs):
        return zero_like(new_base)
    out = np.zeros(np.shape(new_base), dtype=float)
    if fn is None:
        return out + g
    pos = views.positions(np.shape(new_base), fn, args, kwargs)
    np.add.at(out.reshape(-1), pos.reshape(-1), np.broadcast_to(g, pos.shape).reshape(-1))
    return out


def read_cotangent_own(g, own, old_base, fn, args, kwargs):
    """The cotangent of ``own`` in ``read_view``: ``g`` when no view was read."""
    if views.is_view(old_base, fn, args, kwargs):
        return 0.0 * g
    return g


def write_view_base(g, ans, base, value, fn, args, kwargs):
    return view_cotangent_base(g, base, fn, args, kwargs)


def write_view_value(g, ans, base, value, fn, args, kwargs):
    return view_cotangent_value(g, base, value, fn, args, kwargs)


def read_view_new(g, ans, new_base, old_base, own, fn, args, kwargs):
    return read_cotangent_base(g, new_base, old_base, fn, args, kwargs)


def read_view_old(g, ans, new_base, old_base, own, fn, args, kwargs):
    return zero_like(old_base)


def read_view_own(g, ans, new_base, old_base, own, fn, args, kwargs):
    return read_cotangent_own(g, own, old_base, fn, args, kwargs)


def entry_copy_x(g, ans, x):
    return g


# (write_view and read_view read the arrays whose memory their result may share)
defvjp(views.write_view, write_view_base, write_view_value, None, None, None, linear=True,
       name="write_view", doc="an in-place update through a view, as a new array",
       views=(0, 1), view_reads=True)
defvjp(views.read_view, read_view_new, read_view_old, read_view_own, None, None, None, linear=True,
       name="read_view", doc="a view re-read after its base was updated",
       views=(0, 2), view_reads=True)
defvjp(views.entry_copy, entry_copy_x, linear=True, name="entry_copy",
       doc="the private copy of an argument that the function mutates", rank=0, shape_of=0)
def inplace_value_new(g, ans, old, new):
    return cast_like(g, new)


def inplace_value_new_jvp(t, ans, old, new):
    return cast_like(t, ans)


# ``old`` gives the dtype and the checks only (``new`` already depends on it)
defvjp(views.inplace_value, no_cotangent, inplace_value_new, name="inplace_value",
       doc="the value `x op= v` leaves in x: an array keeps its dtype", rank=0, shape_of=1)
defjvp(views.inplace_value, no_tangent, inplace_value_new_jvp)
nondifferentiable(views.write_back, views.is_view, views.refuse_inplace, views.check_inplace,
                  doc="writing the final contents into a mutated argument; a view test")
