"""Rules for Python containers inside a differentiated function (pytrees).

Example: ``for k, v in p.items(): s = s + np.sum(v)`` iterates over
``dict_items(p)``, a list of pairs; its rule turns the list's cotangent
(one pair cotangent per item) back into a dict cotangent ``{k: g_v}``.

Cotangents of containers are structural (see ``ad_compiler.pytree``):
None means zero, a tuple/list holds the items' cotangents, a dict the keys
that got one.  Every rule here takes and returns such cotangents.
"""
from __future__ import annotations

import numpy as np

from ..pytree import is_node, tree_item
from ..runtime import tree_cotangent
from .registry import declare, defvjp, nondifferentiable

__all__ = ["to_list", "to_tuple", "to_dict", "dict_get", "dict_keys", "dict_values",
           "dict_items", "iteration_keys"]


def to_list(x):
    """``list(x)``."""
    return list(x)


def to_tuple(x):
    """``tuple(x)``."""
    return tuple(x)


def to_dict(x):
    """``dict(x)`` (a copy of a mapping, or a dict from key/value pairs)."""
    return dict(x)


def dict_get(d, k, default=None):
    """``d.get(k, default)``."""
    return d.get(k, default)


def dict_keys(d):
    """``list(d.keys())``: the keys carry no gradient."""
    return list(d.keys())


def dict_values(d):
    """``list(d.values())``."""
    return list(d.values())


def dict_items(d):
    """``list(d.items())``."""
    return list(d.items())


def iteration_keys(x):
    """What ``for v in x`` indexes: a dict's keys in insertion order (Python
    iterates a dict's keys), ``x`` itself otherwise (a list, tuple or array,
    indexed by position)."""
    return list(x) if isinstance(x, dict) else x


def iteration_keys_x(g, ans, x):
    if isinstance(x, dict):       # (two statements: called, not inlined, so that the
        return None               # Numba twin in backend/numba_twins.py is used)
    return g


def sequence_cotangent(g, x):
    """Cotangent of ``x`` from the cotangent ``g`` of ``list(x)`` / ``tuple(x)``:
    the items' cotangents for a container, stacked rows for an array, none
    for a dict (``list(d)`` is its keys)."""
    if g is None or isinstance(x, dict):
        return None
    if is_node(x):
        return tuple(g)
    rows = [np.zeros(np.shape(x)[1:]) if gi is None else gi for gi in g]
    return np.stack(rows) if rows else np.zeros(np.shape(x))


def to_list_x(g, ans, x):
    return sequence_cotangent(g, x)


def to_dict_x(g, ans, x):
    if g is None:
        return None
    if isinstance(x, dict):
        return g
    return _pairs_cotangent(g, x)


def _pairs_cotangent(g, pairs):
    """Cotangent of a list of (key, value) pairs that ``dict()`` consumed."""
    return [None if g.get(k) is None else (None, g.get(k)) for k, _ in pairs]


def dict_get_d(g, ans, d, k, default=None):
    return tree_cotangent(d, k, g) if k in d else None


def dict_get_default(g, ans, d, k, default=None):
    return None if k in d else g


def values_cotangent(g, d):
    """Cotangent of ``d`` from the cotangent of ``list(d.values())``."""
    if g is None:
        return None
    return {k: gi for k, gi in zip(d, g) if gi is not None}


def items_cotangent(g, d):
    """Cotangent of ``d`` from the cotangent of ``list(d.items())``."""
    if g is None:
        return None
    return {k: tree_item(gi, 1) for k, gi in zip(d, g) if tree_item(gi, 1) is not None}


def dict_values_d(g, ans, d):
    return values_cotangent(g, d)


def dict_items_d(g, ans, d):
    return items_cotangent(g, d)


defvjp(to_list, to_list_x, linear=True, multiple_results=True, name="list",
       doc="list(x) of a container or an array's rows")
defvjp(to_tuple, to_list_x, linear=True, multiple_results=True, name="tuple",
       doc="tuple(x) of a container or an array's rows")
defvjp(to_dict, to_dict_x, linear=True, multiple_results=True, name="dict",
       doc="dict(mapping) or dict(pairs); dict(a=x) is a dict literal")
defvjp(dict_get, dict_get_d, None, dict_get_default, linear=True, multiple_results=True,
       name="dict.get", doc="d.get(k, default)")
defvjp(dict_values, dict_values_d, linear=True, multiple_results=True, name="dict.values")
defvjp(dict_items, dict_items_d, linear=True, multiple_results=True, name="dict.items")
defvjp(iteration_keys, iteration_keys_x, linear=True,
       name="iteration", doc="for v in x: a dict's keys, x itself otherwise")
nondifferentiable(dict_keys, doc="d.keys(): keys carry no gradient")
declare(to_list, to_tuple, dict_keys, dict_values, dict_items, iteration_keys, enumerate, zip,
        never_dict=True)
