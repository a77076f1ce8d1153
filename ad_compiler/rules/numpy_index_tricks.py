"""``np.r_[...]`` and ``np.c_[...]``: index expressions that concatenate.

``np.r_[a, 0.0, b]`` is not a call but a subscript of the object ``np.r_``;
the builder (``ir.build_expr``) lowers it to a call of a primal of this
module with the tuple of items, and the rule table differentiates that:

    np.r_[a, 0.0, b]   ->   r_items((a, 0.0, b))
    r_items_items(g, ans, items) -> (g[:na], None-like 0.0, g[na + 1:])

Both objects only place every entry of every item once in the result
(slices become ranges, strings are directives such as ``"0,2"`` or
``"r"``), so the rule finds where each entry went by running the same
expression on numbered placeholders: every floating item is replaced by its
entries' ids ``1..N``, once as is and once shifted by ``N``; the entries
that moved by ``N`` are the ids (ranges from slices do not move).  Each item
then gets the entries of ``g`` at its ids.
"""
import numpy as np

from .adjoints import float_dtype
from .registry import defvjp

__all__ = ["r_items", "c_items", "index_concatenator"]


def r_items(items):
    """``np.r_[items]`` as a function of the tuple of its items."""
    return np.r_[tuple(items)]


def c_items(items):
    """``np.c_[items]`` as a function of the tuple of its items."""
    return np.c_[tuple(items)]


def index_concatenator(obj):
    """The primal that computes ``obj[items]`` for ``np.r_`` / ``np.c_``, or None."""
    if obj is np.r_:
        return r_items
    if obj is np.c_:
        return c_items
    return None


def _is_float(item):
    return isinstance(item, (float, np.floating)) or (
        isinstance(item, np.ndarray) and item.dtype.kind == "f")


def _numbered(items, shift):
    """The items with every floating entry replaced by its id (+ shift)."""
    out, start = [], 1
    for item in items:
        if isinstance(item, (slice, str)):
            out.append(item)
        elif _is_float(item):
            n = int(np.size(item))
            ids = np.arange(start + shift, start + shift + n).reshape(np.shape(item))
            out.append(int(ids) if type(item) in (float,) or isinstance(item, np.generic) else ids)
            start += n
        elif isinstance(item, np.ndarray):
            out.append(np.zeros(item.shape, dtype=np.int64))
        else:                               # int, bool: placed, never differentiated
            out.append(0)
    return tuple(out), start - 1


def index_concat_adjoint(g, items, concat):
    """One cotangent per item of ``concat[items]`` (0 for items that are not
    floating: slices, strings, integers)."""
    first, n = _numbered(items, 0)
    second, _ = _numbered(items, n)
    a = np.asarray(concat[first]).ravel()
    b = np.asarray(concat[second]).ravel()
    hit = (b - a) == n
    gathered = np.zeros(n + 1, dtype=np.result_type(g, np.float32))
    gathered[a[hit].astype(np.int64)] = np.ravel(g)[hit]
    cotangents, start = [], 1
    for item in items:
        if isinstance(item, (slice, str)):
            cotangents.append(None)
            continue
        if not _is_float(item):
            cotangents.append(np.zeros(np.shape(item), dtype=float_dtype(item)))
            continue
        size = int(np.size(item))
        piece = gathered[start:start + size].reshape(np.shape(item))
        start += size
        if isinstance(item, np.ndarray) and piece.dtype != item.dtype:
            piece = piece.astype(item.dtype)
        cotangents.append(float(piece) if type(item) is float else piece)
    return tuple(cotangents)


def r_items_items(g, ans, items):
    return index_concat_adjoint(g, items, np.r_)


def c_items_items(g, ans, items):
    return index_concat_adjoint(g, items, np.c_)


defvjp(r_items, r_items_items, linear=True, name="np.r_",
       doc="np.r_[...]: arrays, scalars, slices (ranges) and directive strings; a tuple of "
           "cotangents, one per item")
defvjp(c_items, c_items_items, linear=True, name="np.c_",
       doc="np.c_[...]: as np.r_, 1-D items become columns")
