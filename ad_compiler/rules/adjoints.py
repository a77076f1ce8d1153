"""NumPy-only adjoint helpers that single-expression rules call.

Example: ``np.tile(a, (2, 1))`` has the rule ``untile(g, A, reps)``:
    g of shape (4, 3), a of shape (2, 3)
    -> g.reshape(2, 2, 1, 3).sum(axis=(0, 2)), shaped like ``a``.

Each helper is small, loop-free over array elements (a loop over a Python
list of operands or over one axis length is allowed), and has a plain
signature, because under ``backend="numba"`` each runs as Numba code: its
twin in ``backend/numba_twins.py`` where it has one (``float_dtype``,
``cast_cotangent``, ``tensordot_adjoint``), else its own body compiled with
``numba.njit`` (``jit_helper``), which must type.  Linear-algebra adjoints
live in ``numpy_linalg`` as multi-statement rules instead: they are called,
never inlined.
"""
from __future__ import annotations

import functools

import numpy as np

from ..runtime import div_or_zero, reduced_count, unreduce

__all__ = ["float_dtype", "extremum_adjoint", "var_adjoint", "prod_adjoint", "cumprod_adjoint",
           "unconcatenate", "unsplit", "untile", "unrepeat", "unpad", "undiagonal", "untake",
           "untake_along_axis", "tensordot_adjoint", "einsum_adjoint", "kron_adjoint",
           "multi_dot_adjoint", "cast_cotangent", "unstack_cotangent", "norm_adjoint", "clip_adjoint"]


def float_dtype(a):
    """The floating dtype a gradient of ``a`` has (float64 for integers)."""
    return np.result_type(np.asarray(a).dtype, np.float32)


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        return (int(axis) % ndim,)
    return tuple(int(a) % ndim for a in axis)


# -- reductions ----------------------------------------------------------------------------
def extremum_adjoint(g, ans, a, axis=None, keepdims=False, where=True):
    """Adjoint of max/min over ``axis``: the cotangent goes to the elements equal
    to the extremum, split evenly between ties (none if ``initial`` won)."""
    if axis is None and (where is True or where is np._NoValue):
        hit = np.asarray(a) == ans           # over all items: one number to share
        count = np.full((1,) * hit.ndim, max(np.count_nonzero(hit), 1), float_dtype(a))
        return hit * (unreduce(g, a, axis, keepdims) / count)
    hit = np.asarray(a) == unreduce(ans, a, axis, keepdims)
    if where is not True and where is not np._NoValue:
        hit &= where
    elif _no_ties(hit, ans, axis):        # one extremum per slice: no counts to divide by
        return np.where(hit, unreduce(g, a, axis, keepdims), 0)
    count = np.sum(hit, axis=axis, keepdims=True, dtype=float_dtype(a))
    return np.where(hit, unreduce(g, a, axis, keepdims) / np.maximum(count, 1), 0)


def _no_ties(hit, ans, axis):
    """Whether each reduced slice has exactly one item equal to its extremum
    ``ans``: as many hits as slices, and a hit in every slice (none where
    ``initial=`` won or the extremum is NaN), checked by a count of all the
    hits and a per-slice ``any``, cheaper than per-slice counts as floats."""
    if type(ans) is not np.ndarray or np.count_nonzero(hit) != ans.size:
        return False
    return bool(np.all(np.any(hit, axis=axis)))


def var_adjoint(g, a, axis=None, ddof=0, keepdims=False):
    """Adjoint of ``np.var(a, axis, ddof=ddof)``."""
    n = reduced_count(a, axis) - ddof
    return unreduce(g, a, axis, keepdims) * (2.0 / n) * (a - np.mean(a, axis=axis, keepdims=True))


def prod_adjoint(g, a, axis=None, keepdims=False):
    """Adjoint of ``np.prod``: ``g`` times the product of all *other* factors
    (exclusive prefix and suffix products, so zeros are handled exactly)."""
    a = np.asarray(a)
    if a.ndim == 0:
        return g * np.ones_like(a, dtype=float_dtype(a))
    axes = _axes(axis, a.ndim)
    k = len(axes)
    moved = np.moveaxis(a, axes, tuple(range(a.ndim - k, a.ndim)))
    flat = moved.reshape(moved.shape[:a.ndim - k] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=flat.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)
    right = np.flip(np.cumprod(np.flip(np.concatenate([flat[..., 1:], ones], -1), -1), -1), -1)
    others = np.moveaxis((left * right).reshape(moved.shape), tuple(range(a.ndim - k, a.ndim)), axes)
    return unreduce(g, a, axis, keepdims) * others


def cumprod_adjoint(g, a, axis=None):
    """Adjoint of ``np.cumprod(a, axis)``; exact with zeros in ``a`` (then it
    falls back to one pass per position along ``axis``)."""
    shape = np.shape(a)
    a = np.ravel(a) if axis is None else np.asarray(a)
    ax = 0 if axis is None else axis
    ans = np.cumprod(a, ax)
    if np.all(a != 0):
        r = np.flip(np.cumsum(np.flip(g * ans, ax), ax), ax) / a
        return np.reshape(r, shape)
    am = np.moveaxis(a, ax, -1)
    gm = np.moveaxis(np.broadcast_to(g, ans.shape), ax, -1)
    out = np.empty(am.shape, dtype=np.result_type(gm, float_dtype(a)))
    for j in range(am.shape[-1]):
        b = am.copy()
        b[..., j] = 1
        out[..., j] = np.sum(gm[..., j:] * np.cumprod(b, -1)[..., j:], -1)
    return np.reshape(np.moveaxis(out, -1, ax), shape)


def clip_adjoint(g, a, lo, hi, which=0):
    """Adjoint of ``clip(a, lo, hi)`` for ``a`` (which=0), ``lo`` (1) or ``hi``
    (2), before unbroadcasting: clip is ``minimum(maximum(a, lo), hi)``, so a
    tie with a bound splits the cotangent evenly, as for maximum/minimum."""
    lo = -np.inf if lo is None else lo
    hi = np.inf if hi is None else hi
    if which == 0:
        inside = (a > lo) & (a < hi)
        tie = ((a == lo) & (a < hi)) | ((a == hi) & (a > lo))
    elif which == 1:
        inside, tie = a < lo, a == lo
    else:
        inside, tie = a > hi, a == hi
    return np.where(inside, g, np.where(tie, 0.5 * g, 0))


# -- shapes ------------------------------------------------------------------------------------
def unconcatenate(g, arrays, axis=0):
    """Adjoint of concatenate/hstack/vstack/dstack/column_stack/append: the
    pieces of ``g`` shaped like each of ``arrays`` (a tuple).  A piece whose
    array had fewer dimensions than ``g`` (stacked after promotion) spans 1."""
    if axis is None:
        sizes = [np.size(x) for x in arrays]
        pieces = np.split(np.ravel(g), np.cumsum(sizes)[:-1])
    else:
        nd = np.ndim(g)
        sizes = [np.shape(x)[axis] if np.ndim(x) == nd else 1 for x in arrays]
        pieces = np.split(g, np.cumsum(sizes)[:-1], axis=axis)
    return tuple(np.reshape(p, np.shape(x)) for p, x in zip(pieces, arrays))


def unstack_cotangent(g, axis=0):
    """Adjoint of ``np.stack(arrays, axis)``: the pieces of ``g`` along ``axis``."""
    return tuple(np.moveaxis(g, axis, 0))


def unsplit(g, ans, axis=0, stack=False):
    """Adjoint of split/array_split/unstack: concatenate (or stack) the
    cotangents of the pieces, zeros for pieces that received none."""
    parts = [np.zeros(np.shape(a), dtype=float_dtype(a)) if gi is None else gi
             for gi, a in zip(g, ans)]
    return np.stack(parts, axis) if stack else np.concatenate(parts, axis)


def untile(g, A, reps):
    """Adjoint of ``np.tile(A, reps)``: sum the tiles."""
    reps = tuple(reps) if np.ndim(reps) else (int(reps),)
    shape = np.shape(A)
    d = max(len(reps), len(shape))
    s = (1,) * (d - len(shape)) + shape
    r = (1,) * (d - len(reps)) + reps
    g = np.reshape(g, tuple(n for pair in zip(r, s) for n in pair))
    return np.reshape(np.sum(g, axis=tuple(range(0, 2 * d, 2))), shape)


def unrepeat(g, a, repeats, axis=None):
    """Adjoint of ``np.repeat(a, repeats, axis)``: sum the copies."""
    shape = np.shape(a)
    target = (int(np.prod(shape)),) if axis is None else shape
    ax = 0 if axis is None else axis % len(shape)
    n = target[ax]
    if np.ndim(repeats) == 0 or np.size(repeats) == 1:
        r = int(np.ravel(repeats)[0])
        g = np.reshape(g, target[:ax] + (n, r) + target[ax + 1:])
        return np.reshape(np.sum(g, axis=ax + 1), shape)
    idx = np.repeat(np.arange(n), repeats)
    out = np.zeros(target, dtype=np.result_type(g, float_dtype(a)))
    np.add.at(out, (slice(None),) * ax + (idx,), g)
    return np.reshape(out, shape)


def unpad(g, array, pad_width, mode="constant"):
    """Adjoint of ``np.pad``: crop for 'constant'/'empty'; for the copying modes
    ('edge', 'reflect', 'symmetric', 'wrap') sum each padded copy back onto
    its source element.  Other modes are not supported."""
    shape = np.shape(array)
    if mode in ("constant", "empty"):
        pw = np.broadcast_to(np.asarray(pad_width, dtype=np.intp), (len(shape), 2))
        return g[tuple(slice(int(b), int(b) + n) for (b, _), n in zip(pw, shape))]
    if mode not in ("edge", "reflect", "symmetric", "wrap"):
        raise NotImplementedError(f"gradient of np.pad(mode={mode!r}) is not supported")
    size = int(np.prod(shape))
    src = np.pad(np.arange(size).reshape(shape), pad_width, mode=mode)
    out = np.bincount(src.ravel(), weights=np.ravel(g), minlength=size)
    return out.reshape(shape).astype(np.result_type(g, float_dtype(array)), copy=False)


def undiagonal(g, a, offset=0, axis1=0, axis2=1):
    """Adjoint of ``np.diagonal(a, offset, axis1, axis2)``: zeros shaped like
    ``a`` with ``g`` written on the diagonal (``g`` broadcasts, so trace passes
    ``g[..., None]``)."""
    out = np.zeros(np.shape(a), dtype=np.result_type(g, float_dtype(a)))
    view = np.moveaxis(out, (axis1, axis2), (-2, -1))
    n1, n2 = view.shape[-2:]
    length = max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))
    i = np.arange(length)
    view[..., i + max(-offset, 0), i + max(offset, 0)] = g
    return out


def untake(g, a, indices, axis=None, mode="raise"):
    """Adjoint of ``np.take(a, indices, axis)``: scatter-add ``g`` (repeated
    indices accumulate)."""
    shape = np.shape(a)
    target = (int(np.prod(shape)),) if axis is None else shape
    ax = 0 if axis is None else axis % len(shape)
    idx = np.asarray(indices)
    if mode == "wrap":
        idx = idx % target[ax]
    elif mode == "clip":
        idx = np.clip(idx, 0, target[ax] - 1)
    out = np.zeros(target, dtype=np.result_type(g, float_dtype(a)))
    np.add.at(out, (slice(None),) * ax + (idx,), g)
    return np.reshape(out, shape)


def untake_along_axis(g, arr, indices, axis=-1):
    """Adjoint of ``np.take_along_axis`` (and of ``np.sort`` via argsort)."""
    shape = np.shape(arr)
    out = np.zeros(shape if axis is not None else (int(np.prod(shape)),),
                   dtype=np.result_type(g, float_dtype(arr)))
    if axis is None:
        np.add.at(out, indices, g)
        return out.reshape(shape)
    ax = axis % len(shape)
    gs = np.shape(g)
    grids = list(np.ix_(*[np.arange(n) if shape[d] == n else np.zeros(n, np.intp)
                          for d, n in enumerate(gs)]))
    grids[ax] = indices
    np.add.at(out, tuple(grids), g)
    return out


def cast_cotangent(g, a, ans=None):
    """Adjoint of a cast/copy (astype, asarray, array, float64(...)): ``g`` in
    ``a``'s shape and floating dtype; zero if the result is not floating
    (an integer cast).  A list/tuple argument gets a list of cotangents."""
    if isinstance(a, (list, tuple)):
        return [cast_cotangent(gi, ai) for gi, ai in zip(g, a)]
    if ans is not None and not np.issubdtype(np.result_type(ans), np.inexact):
        return np.zeros(np.shape(a), dtype=float_dtype(a))
    g = np.reshape(g, np.shape(a))
    if isinstance(a, (np.ndarray, np.generic)) and a.dtype.kind == "f" and g.dtype != a.dtype:
        g = g.astype(a.dtype)
    return g


# -- products ----------------------------------------------------------------------------------
def _tensordot_axes(axes, na, nb):
    if isinstance(axes, (int, np.integer)):
        return list(range(na - axes, na)), list(range(axes))
    xa, xb = axes
    xa = [xa] if isinstance(xa, (int, np.integer)) else list(xa)
    xb = [xb] if isinstance(xb, (int, np.integer)) else list(xb)
    return [int(i) % na for i in xa], [int(i) % nb for i in xb]


def tensordot_adjoint(g, a, b, axes=2, which=0):
    """Adjoint of ``np.tensordot(a, b, axes)`` for ``a`` (which=0) or ``b`` (1)."""
    na, nb = np.ndim(a), np.ndim(b)
    xa, xb = _tensordot_axes(axes, na, nb)
    fa = [i for i in range(na) if i not in xa]
    fb = [i for i in range(nb) if i not in xb]
    if which == 0:
        t = np.tensordot(g, b, axes=(list(range(len(fa), np.ndim(g))), fb))
        order = fa + [xa[xb.index(j)] for j in sorted(xb)]
    else:
        t = np.tensordot(a, g, axes=(fa, list(range(len(fa)))))
        order = [xb[xa.index(i)] for i in sorted(xa)] + fb
    return np.transpose(t, np.argsort(order))


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _parse_einsum(subscripts, ndims):
    subscripts = subscripts.replace(" ", "")
    ins, arrow, out = subscripts.partition("->")
    ins = ins.split(",")
    used = set(subscripts)
    free = [c for c in _LETTERS if c not in used]
    n_ell = max([nd - (len(s) - 3) for s, nd in zip(ins, ndims) if "..." in s], default=0)
    ell = "".join(free[:n_ell])
    ins = [s.replace("...", ell[n_ell - (nd - (len(s) - 3)):]) if "..." in s else s
           for s, nd in zip(ins, ndims)]
    if arrow:
        out = out.replace("...", ell)
    else:
        counts = {}
        for c in "".join(ins):
            counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    return ins, out


_PLAN_ABOVE = 2048             # operand items, all together (gmm's 'nki,kij->nkj' at 10^4
                               # items: 28 against 635 us; below ~10^3 the plan costs more)
_einsum_planned = functools.partial(np.einsum, optimize=True)


def einsum_adjoint(g, operands, k):
    """Adjoint of ``np.einsum(subscripts, *arrays)`` for ``arrays[k]``: an einsum
    of ``g`` with the other operands, then broadcasting over indices summed
    only inside ``arrays[k]`` and writing repeated indices ('ii') on the
    diagonal.  Explicit, implicit and '...' subscripts are supported."""
    subscripts, arrays = operands[0], operands[1:]
    if not isinstance(subscripts, str):
        raise NotImplementedError("einsum gradients need the subscripts-string form")
    ins, out = _parse_einsum(subscripts, [np.ndim(x) for x in arrays])
    sizes = {}
    for sub, x in zip(ins, arrays):
        for c, n in zip(sub, np.shape(x)):
            sizes[c] = max(sizes.get(c, 1), n)
    target, x = ins[k], arrays[k]
    xshape = dict(zip(target, np.shape(x)))
    others = [s for i, s in enumerate(ins) if i != k]
    elsewhere = set(out).union(*others) if others else set(out)
    uniq = "".join(dict.fromkeys(target))
    keep = "".join(c for c in uniq if c in elsewhere and xshape[c] == sizes[c])
    rest = tuple(a for i, a in enumerate(arrays) if i != k)
    # large operands: let NumPy plan the contraction (BLAS, batched over shared
    # indices: 8 against 62 ms for gmm's "nki,nkj->kij" at n=1000, k=50, d=32);
    # small ones, or g alone: the plan would cost more than it saves
    size = np.size(g)
    for a in rest:
        size += np.size(a)
    big = size > _PLAN_ABOVE and len(rest) > 0
    spec = ",".join([out] + others) + "->" + keep
    t = _einsum_planned(spec, g, *rest) if big else np.einsum(spec, g, *rest)
    t = np.reshape(t, tuple(np.shape(t)[keep.index(c)] if c in keep else 1 for c in uniq))
    t = np.broadcast_to(t, tuple(xshape[c] for c in uniq))
    if uniq == target:
        return t
    full = np.zeros(np.shape(x), dtype=t.dtype)
    np.einsum(target + "->" + uniq, full)[...] = t
    return full


def kron_adjoint(g, a, b, which=0):
    """Adjoint of ``np.kron(a, b)`` for ``a`` (which=0) or ``b`` (1)."""
    nd = max(np.ndim(a), np.ndim(b))
    sa = (1,) * (nd - np.ndim(a)) + np.shape(a)
    sb = (1,) * (nd - np.ndim(b)) + np.shape(b)
    big = np.reshape(g, tuple(n for pair in zip(sa, sb) for n in pair))
    big = np.transpose(big, tuple(range(0, 2 * nd, 2)) + tuple(range(1, 2 * nd, 2)))
    if which == 0:
        r = np.tensordot(big, np.reshape(b, sb), axes=nd)
        return np.reshape(r, np.shape(a))
    r = np.tensordot(np.reshape(a, sa), big, axes=nd)
    return np.reshape(r, np.shape(b))


def multi_dot_adjoint(g, arrays):
    """Adjoint of ``np.linalg.multi_dot(arrays)``: a tuple, one cotangent per
    array (a 1-D first/last array is a row/column vector)."""
    mats = [np.asarray(x) for x in arrays]
    if mats[0].ndim == 1:
        mats[0] = mats[0][None, :]
    if mats[-1].ndim == 1:
        mats[-1] = mats[-1][:, None]
    g = np.reshape(g, (mats[0].shape[0], mats[-1].shape[1]))
    n = len(mats)
    left = [None] * n
    for i in range(1, n):
        left[i] = mats[0] if i == 1 else left[i - 1] @ mats[i - 1]
    right = [None] * n
    for i in range(n - 2, -1, -1):
        right[i] = mats[n - 1] if i == n - 2 else mats[i + 1] @ right[i + 1]
    grads = []
    for i in range(n):
        t = g if right[i] is None else g @ right[i].T
        t = t if left[i] is None else left[i].T @ t
        grads.append(np.reshape(t, np.shape(arrays[i])))
    return tuple(grads)


# -- norms ---------------------------------------------------------------------------------------
def norm_adjoint(g, ans, x, ord=None, axis=None, keepdims=False, matrix=None):
    """Adjoint of ``np.linalg.norm(x, ord, axis, keepdims)``.  Vector norms: 2
    (and None), 1, inf, -inf (ties split evenly), 0 (zero gradient) and any p;
    matrix norms: 'fro', 'nuc', 2, -2, 1, -1, inf, -inf.  The gradient of a
    norm that is exactly 0 is the subgradient 0."""
    x = np.asarray(x)
    if axis is None and ord is None and matrix is None:
        return x * div_or_zero(g, ans)
    axes = _axes(axis, x.ndim)
    if matrix is None:
        matrix = len(axes) == 2
    if axis is None or not keepdims:
        g = np.expand_dims(g, axes) if np.ndim(g) < x.ndim else g
        ans = np.expand_dims(ans, axes) if np.ndim(ans) < x.ndim else ans
    if not matrix:
        if ord is None or ord == 2:
            return x * div_or_zero(g, ans)
        if ord == 1:
            return np.sign(x) * g
        if ord == 0:
            return np.zeros_like(x, dtype=float_dtype(x))
        if ord in (np.inf, -np.inf):
            hit = np.abs(x) == ans
            count = np.sum(hit, axis=axes, keepdims=True, dtype=float_dtype(x))
            return np.sign(x) * hit * (g / np.maximum(count, 1))
        return np.sign(x) * np.abs(x) ** (ord - 1) * div_or_zero(g, ans ** (ord - 1))
    if ord is None or ord == "fro":
        return x * div_or_zero(g, ans)
    xm = np.moveaxis(x, axes, (-2, -1))
    gm = np.moveaxis(g, axes, (-2, -1))
    if ord in ("nuc", 2, -2):
        u, s, vt = np.linalg.svd(xm, full_matrices=False)
        if ord == "nuc":
            r = u @ vt
        else:                                        # outer product of the extreme
            j = slice(0, 1) if ord == 2 else slice(-1, None)  # singular vectors
            r = u[..., :, j] @ vt[..., j, :]
        return np.moveaxis(r * gm, (-2, -1), axes)
    # ord 1/-1: largest/smallest column sum of |x|; ord inf/-inf: row sum
    sum_axis, pick_axis = (-2, -1) if ord in (1, -1) else (-1, -2)
    sums = np.sum(np.abs(xm), axis=sum_axis, keepdims=True)
    pick = np.max if ord in (1, np.inf) else np.min
    hit = sums == pick(sums, axis=pick_axis, keepdims=True)
    count = np.sum(hit, axis=(-2, -1), keepdims=True, dtype=float_dtype(x))
    r = np.sign(xm) * hit * (gm / count)
    return np.moveaxis(r, (-2, -1), axes)
