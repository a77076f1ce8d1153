"""Counting and grouping functions whose results still carry values:
``bincount`` (its weights), ``unique`` (the unique values) and
``histogram`` (the weights, and the bin edges, which follow min and max of
the data when ``bins`` is a count).

Example: ``w_sum = np.bincount(labels, weights=w)`` sums ``w`` per label:
    bincount_weights(g, ans, x, weights, minlength=0) -> g[x]
each weight gets the cotangent of its label's total.  Counts themselves
(integers) have no gradient.  ``np.unique(x)`` gives each unique value's
cotangent to the entries equal to it, split evenly between them (ties, as
for ``max``).
"""
import numpy as np

from .adjoints import cast_cotangent, float_dtype
from .derive import transposed
from .registry import defjvp, defvjp, static_argument


def bincount_weights(g, ans, x, weights=None, minlength=0):
    return cast_cotangent(np.asarray(g)[np.asarray(x)], weights)


def unique_ar(g, ans, ar, return_index=False, return_inverse=False, return_counts=False,
              axis=None, **kwargs):
    if axis is not None:
        raise NotImplementedError("the gradient of np.unique(..., axis=...) is not supported")
    if return_index or return_inverse or return_counts:
        g, ans = g[0], ans[0]                  # the values; indices and counts have none
        if g is None:
            return np.zeros(np.shape(ar), dtype=float_dtype(ar))
    flat = np.ravel(ar)
    inverse = np.unique(flat, return_inverse=True)[1].reshape(-1)
    counts = np.bincount(inverse, minlength=np.size(ans))
    share = np.asarray(g)[inverse] / counts[inverse]
    return cast_cotangent(share.reshape(np.shape(ar)), ar)


def _bin_of(a, edges):
    """The bin of each entry of ``a`` (flattened) and whether it falls in one
    (NumPy's last bin is closed on the right)."""
    flat = np.ravel(a)
    idx = np.searchsorted(edges, flat, side="right") - 1
    idx = np.where(flat == edges[-1], len(edges) - 2, idx)
    inside = (flat >= edges[0]) & (flat <= edges[-1])
    return np.clip(idx, 0, len(edges) - 2), inside


def histogram_cotangents(g, ans, a, bins, range, density, weights):
    """(cotangent of a, cotangent of weights) of ``np.histogram``."""
    g_hist, g_edges = g
    edges = ans[1]
    a = np.asarray(a)
    ga = np.zeros(a.shape, dtype=float_dtype(a))
    gw = None if weights is None else np.zeros(np.shape(weights), dtype=float_dtype(weights))
    if g_hist is not None and np.any(g_hist != 0):
        if density:
            raise NotImplementedError("the gradient of np.histogram(..., density=True) is "
                                      "not supported")
        if weights is not None:
            idx, inside = _bin_of(a, edges)
            gw = np.where(inside, np.asarray(g_hist)[idx], 0).reshape(np.shape(weights))
    if g_edges is not None and np.any(g_edges != 0) and range is None:
        if isinstance(bins, str):
            raise NotImplementedError(f"the gradient of np.histogram's bin edges with "
                                      f"bins={bins!r} is not supported")
        if np.ndim(bins) == 0:               # edges = linspace(min(a), max(a), bins + 1)
            t = np.linspace(0.0, 1.0, len(edges))
            for weight, value in ((1.0 - t, np.min(a)), (t, np.max(a))):
                hit = a == value
                ga = ga + hit * (np.sum(g_edges * weight) / np.count_nonzero(hit))
    return cast_cotangent(ga, a), (None if gw is None else cast_cotangent(gw, weights))


def histogram_a(g, ans, a, bins=10, range=None, density=None, weights=None):
    return histogram_cotangents(g, ans, a, bins, range, density, weights)[0]


def histogram_weights(g, ans, a, bins=10, range=None, density=None, weights=None):
    return histogram_cotangents(g, ans, a, bins, range, density, weights)[1]


defvjp(np.bincount, None, bincount_weights, linear=True,
       doc="weights get their label's cotangent; the labels have none")
def unique_returns_tuple(ar, return_index=False, return_inverse=False, return_counts=False,
                         axis=None, *, equal_nan=True, sorted=True):
    flags = {"return_index": return_index, "return_inverse": return_inverse,
             "return_counts": return_counts}
    return any(bool(static_argument(v, k)) for k, v in flags.items())


defvjp(np.unique, unique_ar, multiple_results=unique_returns_tuple, doc="the values only; entries equal to a unique value share "
                                 "its cotangent evenly")
defvjp(np.histogram, histogram_a, None, None, None, histogram_weights, multiple_results=True,
       doc="weights; edges follow min/max of a when bins is a count and range is None; "
           "counts have no gradient in a; density=True unsupported")

# forward mode, by transposition (rules/derive.py): results as small as the input
defjvp(np.unique, *transposed(unique_ar))
defjvp(np.histogram, *transposed(histogram_a, None, None, None, histogram_weights))
