"""Selections that move or pick entries: ``np.partition`` (a permutation,
like ``np.sort``) and ``np.select`` (the first true condition picks).

Example: ``np.select([x > 2, x > 0], [x, x ** 2], default=-x)`` has, for
the list of choices, the rule
    select_choicelist(g, ans, condlist, choicelist, default) -> a tuple:
    choice k gets g where condition k is the first true one, 0 elsewhere
and ``default`` gets ``g`` where no condition holds (summed back over
broadcast axes).  Overlapping conditions give the whole cotangent to the
first, as NumPy's value does.
"""
import numpy as np

from ..runtime import unbroadcast
from .adjoints import untake_along_axis
from .derive import transposed
from .registry import defjvp, defvjp


def partition_a(g, ans, a, kth, axis=-1, kind="introselect", order=None):
    """Match ``ans`` to ``a`` by rank (stable argsorts of both), so every
    entry of ``a`` receives the cotangent of the position it went to."""
    ax = -1 if axis is None else axis
    flat = np.ravel(a) if axis is None else a
    src = np.argsort(flat, axis=ax, kind="stable")
    dst = np.argsort(ans, axis=ax, kind="stable")
    perm = np.empty_like(src)                          # ans[.., j] = flat[.., perm[.., j]]
    np.put_along_axis(perm, dst, src, axis=ax)
    r = untake_along_axis(g, flat, perm, ax)
    return np.reshape(r, np.shape(a))


def _picked(condlist, shape):
    """Which choice each entry comes from: k for the first true condition,
    len(condlist) for none (the default)."""
    pick = np.full(shape, len(condlist))
    for k in range(len(condlist) - 1, -1, -1):
        pick = np.where(condlist[k], k, pick)
    return pick


def select_choicelist(g, ans, condlist, choicelist, default=0):
    pick = _picked(condlist, np.shape(ans))
    return tuple(unbroadcast(np.where(pick == k, g, 0.0), c) for k, c in enumerate(choicelist))


def select_default(g, ans, condlist, choicelist, default=0):
    pick = _picked(condlist, np.shape(ans))
    return unbroadcast(np.where(pick == len(condlist), g, 0.0), default)


defvjp(np.partition, partition_a, None, doc="permutes g back (matched by rank); axis=None "
                                            "flattens")
defvjp(np.select, None, select_choicelist, select_default,
       doc="choices: a tuple of cotangents; the first true condition gets g; default where "
           "none holds")

# forward mode, by transposition (rules/derive.py)
defjvp(np.partition, *transposed(partition_a, None))
defjvp(np.select, *transposed(None, select_choicelist, select_default))
