"""Indexing and gathering: ``x[idx]`` (``operator.getitem``), ``take``,
``take_along_axis``, ``compress``, ``extract``, ``ndarray.item``.

Example: ``y = x[[0, 0, 2], 1:]`` has the rule
    getitem_a(g, ans, a, idx) -> scatter_into(g, a, idx)
zeros shaped like ``x`` with ``g`` added at the indexed places: integers,
negative indices, slices with steps, ``None``, ``...``, integer arrays (a
repeated index accumulates) and boolean masks, alone or mixed in a tuple.
"""
import operator

import numpy as np

from ..runtime import scatter_into
from .adjoints import untake, untake_along_axis
from .registry import defvjp


def getitem_a(g, ans, a, idx):
    return scatter_into(g, a, idx)


def take_a(g, ans, a, indices, axis=None, out=None, mode="raise"):
    return untake(g, a, indices, axis, mode)


def take_along_axis_arr(g, ans, arr, indices, axis=-1):
    return untake_along_axis(g, arr, indices, axis)


def compress_a(g, ans, condition, a, axis=None, out=None):
    return untake(g, a, np.flatnonzero(condition), axis)


def extract_arr(g, ans, condition, arr):
    return untake(g, arr, np.flatnonzero(condition), None)


def item_a(g, ans, a, *args):
    if not args:                                   # a size-1 array
        idx = (0,) * np.ndim(a)
    elif len(args) > 1 or isinstance(args[0], tuple):
        idx = args if len(args) > 1 else args[0]
    else:                                          # a flat index
        idx = np.unravel_index(int(args[0]) % np.size(a), np.shape(a))
    return scatter_into(g, a, tuple(int(i) for i in idx))


defvjp(operator.getitem, getitem_a, None, linear=True,
       doc="ints, negative ints, slices (steps), None, ..., integer arrays (repeats add up), "
           "boolean masks", rank="index", views=(0,), view_steps=True)
defvjp(np.ndarray.__getitem__, getitem_a, None, linear=True, doc="as operator.getitem")
for _fn in (np.take, np.ndarray.take):
    defvjp(_fn, take_a, None, linear=True, doc="repeated indices add up; modes raise/wrap/clip")
defvjp(np.ndarray.item, item_a, linear=True, doc="flat index, index tuple or none")
defvjp(np.take_along_axis, take_along_axis_arr, None, linear=True)
defvjp(np.compress, None, compress_a, linear=True)
defvjp(np.extract, None, extract_arr, linear=True)
