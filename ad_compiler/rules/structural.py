"""Rules for the IR's own primitives: local mutation and list building.

Example: ``out[i] = v`` is ``out_2 = setitem(out_1, i, v)``; its rules
    setitem_a(g, ans, a, idx, v) -> zero_at(g, idx)         (what out_1 still holds)
    setitem_v(g, ans, a, idx, v) -> unbroadcast(g[idx], v)   (what v became)
"""
import numpy as np

from ..ir import ops
from ..runtime import copy_item, item_cotangent, unbroadcast, written_cotangent, zero_at
from .registry import declare, defvjp, nondifferentiable


def setitem_a(g, ans, a, idx, v):
    return zero_at(g, idx)


def setitem_v(g, ans, a, idx, v):
    return unbroadcast(written_cotangent(copy_item(g, idx), ans), v)


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
