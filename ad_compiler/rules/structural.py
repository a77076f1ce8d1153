"""Rules for the IR's own primitives: local mutation and list building.

Example: ``out[i] = v`` is ``out_2 = setitem(out_1, i, v)``; its rules
    setitem_a(g, ans, a, idx, v) -> zero_at(g, idx)         (what out_1 still holds)
    setitem_v(g, ans, a, idx, v) -> unbroadcast(g[idx], v)   (what v became)
"""
import numpy as np

from ..ir import ops
from ..ir.ops import item_cotangent
from ..pytree import container_zero_at, tree_item
from ..runtime import _is_basic, unbroadcast
from .registry import declare, defvjp, nondifferentiable


def zero_at(g, idx):
    """``g`` with ``g[idx]`` zeroed (a copy: ``g`` may be shared); for a
    container's structural cotangent, item ``idx`` becomes None (zero)."""
    if g is None or isinstance(g, (dict, list, tuple)):
        return container_zero_at(g, idx)
    g = np.array(g, copy=True)
    g[idx] = 0
    return g


def setitem_a(g, ans, a, idx, v):
    return zero_at(g, idx)


def copy_item(g, idx):
    """``g[idx]``, copied if it is a view (``g`` may be zeroed in place next):
    the cotangent of ``v`` in ``a[idx] = v``.  Where an integer-array index
    repeats a position, NumPy keeps the last write, so only the last of the
    repeated entries gets that position's cotangent; the others get 0."""
    if g is None or isinstance(g, (dict, list, tuple)):
        return tree_item(g, idx)
    item = g[idx]
    if not isinstance(item, np.ndarray):
        return item
    if _is_basic(idx):
        return item.copy()
    return np.where(last_writes(np.shape(g), idx), item, 0)


def last_writes(shape, idx):
    """For ``a[idx] = v`` on an array of ``shape``: True for each entry of
    ``v``'s (broadcast) selection whose write NumPy keeps."""
    pos = np.full(shape, -1, dtype=np.intp)
    order = np.arange(pos[idx].size).reshape(pos[idx].shape)
    pos[idx] = order
    return pos[idx] == order


def setitem_v(g, ans, a, idx, v):
    return unbroadcast(copy_item(g, idx), v)


def append_lst(g, ans, lst, v):
    return None if g is None else g[:-1]


def append_v(g, ans, lst, v):
    return item_cotangent(g, -1)


def cotangent_unless_array(g, old):
    """``g`` if ``old`` is a number (rebound by ``+=``), else zero."""
    return 0.0 * g if isinstance(old, np.ndarray) else g


def cotangent_if_array(g, old):
    """``g`` if ``old`` is an array (updated in place by ``+=``), else zero."""
    return g if isinstance(old, np.ndarray) else 0.0 * g


def alias_old(g, ans, old, new):
    return cotangent_unless_array(g, old)


def alias_new(g, ans, old, new):
    return cotangent_if_array(g, old)


def alias_rank(ranks, kwargs):
    """``alias_update(old, new)``: ``new`` if ``old`` is an array, else ``old``."""
    old, new = ranks
    return old if old == 0 or old is None else new


# (alias_update reads both operands and may be either of them)
defvjp(ops.alias_update, alias_old, alias_new, linear=True, name="alias_update",
       rank=alias_rank, views=(0, 1), view_reads=True)
defvjp(ops.setitem, setitem_a, None, setitem_v, linear=True, name="setitem", rank=0)
defvjp(ops.list_append, append_lst, append_v, linear=True, name="list_append", never_dict=True)
declare(zero_at, fresh=True, rank=0)
declare(copy_item, rank="index")
nondifferentiable(ops.format_string, ops.raise_, AssertionError,
                  doc="f-strings, assert and raise: checks in the forward pass, no gradient")
