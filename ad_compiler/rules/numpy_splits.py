"""Splits: ``np.split``, ``array_split``, ``hsplit``, ``vsplit``, ``dsplit``.
They return a list of arrays (``multiple_results``): ``g`` is a tuple with
``None`` for pieces that received no cotangent.

Example: ``a, b, c = np.split(x, [2, 2])`` gives pieces ``x[:2]``, ``x[2:2]``
(empty) and ``x[2:]``; the rule
    split_ary(g, ans, ary, indices_or_sections, axis) -> unsplit_at(...)
writes each piece's cotangent back where the piece came from.  Indices need
not increase (``np.split(x, [3, 1])`` has the overlapping pieces ``x[:3]``,
``x[3:1]``, ``x[1:]``): the cotangents of overlapping pieces add up.
"""
import numpy as np

from .adjoints import float_dtype, unsplit
from .registry import defvjp


def unsplit_at(g, ans, ary, indices_or_sections, axis=0):
    """Adjoint of ``np.split(ary, indices_or_sections, axis)`` (and of
    ``array_split``): a number of sections cuts ``ary`` into consecutive
    pieces; a list of indices cuts at ``[0, *indices, n]`` with Python's
    slice rules (negative indices, overlaps)."""
    if np.ndim(indices_or_sections) == 0:
        return unsplit(g, ans, axis)
    shape = np.shape(ary)
    ax = axis % len(shape)
    points = [0] + [int(i) for i in indices_or_sections] + [shape[ax]]
    given = tuple(gi for gi in g if gi is not None)
    out = np.zeros(shape, dtype=np.result_type(float_dtype(ary), *given))
    for gi, start, stop in zip(g, points[:-1], points[1:]):
        if gi is not None:
            out[(slice(None),) * ax + (slice(start, stop),)] += gi
    return out


def split_ary(g, ans, ary, indices_or_sections, axis=0):
    return unsplit_at(g, ans, ary, indices_or_sections, axis)


def hsplit_ary(g, ans, ary, indices_or_sections):
    return unsplit_at(g, ans, ary, indices_or_sections, 1 if np.ndim(ary) > 1 else 0)


def vsplit_ary(g, ans, ary, indices_or_sections):
    return unsplit_at(g, ans, ary, indices_or_sections, 0)


def dsplit_ary(g, ans, ary, indices_or_sections):
    return unsplit_at(g, ans, ary, indices_or_sections, 2)


defvjp(np.split, split_ary, None, linear=True, multiple_results=True,
       doc="sections or indices (repeated, negative, decreasing: overlaps add up)")
defvjp(np.array_split, split_ary, None, linear=True, multiple_results=True,
       doc="as split; uneven sections")
defvjp(np.hsplit, hsplit_ary, None, linear=True, multiple_results=True)
defvjp(np.vsplit, vsplit_ary, None, linear=True, multiple_results=True)
defvjp(np.dsplit, dsplit_ary, None, linear=True, multiple_results=True)
