"""Pytrees: nested dicts, lists, tuples and namedtuples of arrays and numbers.

Example::

    params = {"W": W, "b": b}
    g = adc.grad(loss)(params, x)      # -> {"W": dL/dW, "b": dL/db}, same keys, same order

A container is an ordinary value in the SSA graph (``p["W"]`` is a
``getitem``, ``p.W`` of a namedtuple an attribute read); its cotangent is a
*structural cotangent*: a container of the same kind holding the items'
cotangents, with ``None`` for an item that got none (a zero).  Tuples,
lists and namedtuples get a tuple (or list) of item cotangents, dicts a dict
holding only the keys that got one.  The helpers below build, add and read
structural cotangents at run time; ``cast_tree`` turns the final one into a
gradient of exactly the argument's structure (same container types, same
key order, zeros where nothing flowed).  Whether a value is a container is
decided when the gradient runs, so a container held by a variable that the
compiler could not classify is still handled right.
"""
from __future__ import annotations

import numpy as np

from .errors import SeedShapeError

__all__ = ["is_node", "tree_leaves", "tree_paths", "tree_flatten", "tree_unflatten", "tree_map", "describe",
           "attr_cotangent", "accumulate", "tree_item", "container_zero_at", "cast_tree",
           "check_seed"]


def is_node(x):
    """A container whose items are part of the tree (dict, list, tuple, namedtuple)."""
    return isinstance(x, (dict, list, tuple))


def _items(x):
    return list(x.values()) if isinstance(x, dict) else list(x)


def tree_flatten(x):
    """(leaves, rebuild) with ``rebuild(leaves)`` giving ``x``'s structure back."""
    if not is_node(x):
        return [x], lambda leaves: leaves[0]
    parts = [tree_flatten(v) for v in _items(x)]
    sizes = [len(p[0]) for p in parts]
    leaves = [leaf for p in parts for leaf in p[0]]

    def rebuild(new):
        out, k = [], 0
        for (_, sub), n in zip(parts, sizes):
            out.append(sub(new[k:k + n]))
            k += n
        return _rebuild_like(x, out)
    return leaves, rebuild


def tree_unflatten(rebuild, leaves):
    return rebuild(list(leaves))


def tree_leaves(x):
    return tree_flatten(x)[0]


def tree_paths(x, path=""):
    """``[(path, leaf)]`` with paths like ``"['W'][0]"`` (for messages)."""
    if not is_node(x):
        return [(path, x)]
    keys = list(x) if isinstance(x, dict) else range(len(x))
    return [pl for k in keys for pl in tree_paths(x[k], f"{path}[{k!r}]")]


def tree_map(fn, x, *rest):
    """``fn`` applied leaf by leaf (``rest`` must have ``x``'s structure)."""
    if not is_node(x):
        return fn(x, *rest)
    if isinstance(x, dict):
        return _rebuild_like(x, [tree_map(fn, x[k], *(r[k] for r in rest)) for k in x])
    return _rebuild_like(x, [tree_map(fn, v, *(r[i] for r in rest)) for i, v in enumerate(x)])


def _rebuild_like(x, items):
    if isinstance(x, dict):
        keys = list(x)
        try:
            return type(x)(zip(keys, items))
        except TypeError:             # a dict subclass with another constructor
            return dict(zip(keys, items))
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*items)        # a namedtuple
    if isinstance(x, (tuple, list)):
        try:
            return type(x)(items)
        except TypeError:
            return tuple(items) if isinstance(x, tuple) else list(items)
    raise TypeError(f"not a container: {type(x).__name__}")


def describe(x):
    """A short text of a tree's structure, for error messages."""
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {describe(v)}" for k, v in x.items()) + "}"
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return f"{type(x).__name__}(" + ", ".join(
            f"{f}={describe(v)}" for f, v in zip(x._fields, x)) + ")"
    if isinstance(x, (list, tuple)):
        inner = ", ".join(describe(v) for v in x)
        return f"[{inner}]" if isinstance(x, list) else f"({inner}{',' if len(x) == 1 else ''})"
    shape = np.shape(x)
    return f"array{shape}" if shape else "scalar"


# -- structural cotangents (called by generated code) ------------------------------------------
def attr_cotangent(x, name, g):
    """The cotangent of a namedtuple ``x`` when ``x.name`` got ``g``."""
    if g is None:
        return None
    fields = getattr(x, "_fields", None)
    if fields is None or name not in fields:
        raise TypeError(f"no derivative rule for the attribute '.{name}' of "
                        f"{type(x).__name__}: only namedtuple fields carry gradients")
    items = [None] * len(fields)
    items[fields.index(name)] = g
    return tuple(items)


def accumulate(a, b):
    """``a + b`` for cotangents, where ``None`` means zero, containers add
    item by item and dicts key by key."""
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)):
            raise TypeError("internal error: adding a dict cotangent to a non-dict one")
        out = dict(a)
        for k, v in b.items():
            out[k] = accumulate(out.get(k), v)
        return out
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        if len(a) != len(b):
            raise TypeError("internal error: adding cotangents of containers of different lengths")
        out = [accumulate(x, y) for x, y in zip(a, b)]
        return out if isinstance(a, list) and isinstance(b, list) else tuple(out)
    return a + b


def tree_item(g, key):
    """Item ``key`` of a structural cotangent (None: zero)."""
    if g is None:
        return None
    if isinstance(g, dict):
        return g.get(key)
    return g[key]


def container_zero_at(g, key):
    """A structural cotangent ``g`` without item ``key`` (what the container
    held before ``c[key] = v`` replaced that item)."""
    if g is None:
        return None
    if isinstance(g, dict):
        return {k: v for k, v in g.items() if k != key}
    items = list(g)
    items[key] = None
    return items if isinstance(g, list) else tuple(items)


def cast_tree(g, x, cast_leaf):
    """The gradient of ``x`` from its structural cotangent ``g``: ``x``'s
    structure, container types and key order; ``cast_leaf(g_leaf, x_leaf)``
    for the leaves (zeros where ``g`` has None)."""
    if not is_node(x):
        return cast_leaf(0.0 if g is None else g, x)
    if isinstance(x, dict):
        get = (lambda k: None) if g is None else g.get
        return _rebuild_like(x, [cast_tree(get(k), v, cast_leaf) for k, v in x.items()])
    items = [None] * len(x) if g is None else list(g)
    return _rebuild_like(x, [cast_tree(gi, xi, cast_leaf) for gi, xi in zip(items, x)])


def check_seed(seed, out, path=""):
    """Raise SeedShapeError unless ``seed`` has the structure and leaf shapes of
    the (container) output ``out``; returns the seed."""
    where = f"seed{path}"
    if is_node(out):
        same = (isinstance(out, dict) and isinstance(seed, dict) and len(seed) == len(out)
                and all(k in seed for k in out)) or \
            (isinstance(out, (list, tuple)) and isinstance(seed, (list, tuple))
             and len(seed) == len(out))
        if not same:
            raise SeedShapeError(f"{where} must have the output's structure {describe(out)}, "
                                 f"not {describe(seed) if is_node(seed) else type(seed).__name__}")
        keys = list(out) if isinstance(out, dict) else range(len(out))
        for k in keys:
            check_seed(seed[k], out[k], f"{path}[{k!r}]")
        return seed
    if is_node(seed) or np.shape(seed) != np.shape(out):
        got = describe(seed) if is_node(seed) else f"shape {np.shape(seed)}"
        raise SeedShapeError(f"{where} has {got} but the output{path} has shape {np.shape(out)}")
    return seed
