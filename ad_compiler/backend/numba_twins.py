"""Numba twins of the run-time helpers that generated gradients call.

Example: the emitted line ``x_grad = cast_like(x_bar, x)`` calls
``ad_compiler.runtime.cast_like``; importing this module registers an
``@overload`` of that very function, so the same source compiles under
``numba.njit``: for an array ``x`` the twin returns a C-contiguous copy in
``x``'s dtype, for a float ``x`` a float.

Each twin chooses its implementation from the Numba *types* of its
arguments (typing time), which is where the Python helper tests
``isinstance``/``np.ndim`` at run time.  Helpers without an explicit twin
that generated code calls are compiled from their own Python body
(``jit_helper``); if Numba cannot type one, the lowering reports a
``BackendError`` naming it.  Nothing falls back to object mode.

Importing this module needs numba; ``dispatch.require_numba`` imports it
when a Numba backend is first used.
"""
from __future__ import annotations

import ast
import functools
import inspect
import textwrap

import numba
import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.extending import overload, register_jitable

from .. import runtime
from ..errors import NonScalarOutputError, SeedShapeError
from ..ir import ops
from ..rules import structural
from ..rules import adjoints
from ..rules import arithmetic
from ..rules import containers
from ..rules import numpy_counting
from ..rules import runtime_helpers, tangents
from ..rules.registry import record_twin

__all__ = ["jit_helper", "is_array", "is_scalar"]


def _twin(fn, optional=False, **kw):
    """Register ``impl`` as the Numba twin of ``fn`` (and note it in the rule
    table: ``props(fn).numba_twin``); ``optional``: the twin handles
    ``Optional`` argument types itself."""
    def deco(impl):
        record_twin(fn, impl)
        return overload(fn, **kw)(_with_defaults(impl if optional else _plain_types(impl)))
    return deco


def _default_type(v):
    if v is None:
        return types.none
    if type(v) in (bool, int, str):
        return types.literal(v)
    return numba.typeof(v)


def _with_defaults(typing):
    """A typing function that sees an argument the call leaves out as the
    constant its default is (``unreduce(g, x)`` is typed as ``unreduce(g,
    x, None, False, True)``), not as the Python value of the default: the
    emitter leaves out arguments equal to the defaults."""
    sig = inspect.signature(typing)

    @functools.wraps(typing)
    def with_defaults(*args, **kws):
        try:
            bound = sig.bind_partial(*args, **kws)
        except TypeError:
            return typing(*args, **kws)
        for name, p in sig.parameters.items():
            if name not in bound.arguments and p.default is not p.empty \
                    and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                bound.arguments[name] = _default_type(p.default)
        return typing(*bound.args, **bound.kwargs)
    return with_defaults


def _plain_types(impl):
    """A typing function that declines ``Optional`` arguments.  A value
    merged at a join with ``None`` on one edge (what the reverse pass passes
    for a value only the other arm's adjoint reads) is ``Optional(array)``
    to Numba; dispatching on that type would take it for a scalar (a
    ``unbroadcast`` that sums, a mean off by a factor of n).  Declined,
    Numba types the call again with the underlying types and unwraps the
    value (checking it is not None) at the call."""
    @functools.wraps(impl)
    def typing(*args, **kws):
        if any(isinstance(a, types.Optional) for a in args) or \
                any(isinstance(a, types.Optional) for a in kws.values()):
            return None
        return impl(*args, **kws)
    return typing


def is_array(t):
    return isinstance(t, types.Array)


def is_scalar(t):
    return isinstance(t, (types.Number, types.Boolean))


def _none(t):
    return t is None or isinstance(t, (types.NoneType, types.Omitted))


def _true(t):
    """``where=True`` (the default): a literal/boolean, not an array mask."""
    return t is None or isinstance(t, (types.Boolean, types.BooleanLiteral, types.Omitted,
                                       types.NoneType))


def _grad_dtype(t):
    """The NumPy dtype of a gradient of a value of Numba type ``t``."""
    dt = t.dtype if is_array(t) else t
    if isinstance(dt, types.Float):
        return np.dtype(str(dt))
    return np.dtype(np.float64)


# -- index arithmetic shared by the broadcasting helpers ------------------------------------
@register_jitable
def _pad_shape(shape, nd):
    """``shape`` left-padded with ones to ``nd`` dims, as an int array."""
    out = np.ones(nd, np.intp)
    k = len(shape)
    for d in range(k):
        out[nd - k + d] = shape[d]
    return out


@register_jitable
def _reduce_to(g, xs_pad, out_size):
    """Sum ``g`` over the dimensions where ``xs_pad`` (x's shape padded to
    g's rank) is 1: the adjoint of broadcasting, as a flat array."""
    gs = g.shape
    nd = len(gs)
    out = np.zeros(out_size, dtype=g.dtype)
    gf = np.ascontiguousarray(g).ravel()
    for flat in range(gf.size):
        rem = flat
        off = 0
        mult = 1
        for d in range(nd - 1, -1, -1):
            n = gs[d]
            i = rem % n
            rem //= n
            xd = xs_pad[d]
            if xd != 1:
                off += i * mult
            mult *= xd
        out[off] += gf[flat]
    return out


@register_jitable
def _expand_to(g, gs_pad, xs, dtype):
    """Repeat ``g`` (shape ``gs_pad``, padded to x's rank) along its unit
    dimensions to the shape ``xs``: broadcasting, as a new C array."""
    nd = len(xs)
    size = 1
    for d in range(nd):
        size *= xs[d]
    out = np.empty(size, dtype=dtype)
    gf = np.ascontiguousarray(g).ravel()
    for flat in range(size):
        rem = flat
        off = 0
        mult = 1
        for d in range(nd - 1, -1, -1):
            n = xs[d]
            i = rem % n
            rem //= n
            gd = gs_pad[d]
            if gd != 1:
                off += i * mult
            mult *= gd
        out[flat] = gf[off]
    return out.reshape(xs)


# -- the adjoint's own values (runtime.py) -----------------------------------------------
@_twin(runtime.seed_cotangent)
def _seed_cotangent(seed, out):
    if _none(seed):
        if is_array(out) and out.ndim > 0:
            def impl(seed, out):
                if out.size >= 0:       # always: typed like a seed, raised at run time
                    raise NonScalarOutputError("the output is not a scalar: pass seed= (the "
                                               "cotangent of the output, as in PyTorch's "
                                               "backward(gradient=...)) or reduce it to a "
                                               "scalar")
                return np.ones_like(out)
            return impl
        one = _grad_dtype(out).type(1) if (is_array(out) or isinstance(out, types.Float)) \
            else 1.0
        return lambda seed, out: one
    if is_array(out) and is_array(seed):
        def impl(seed, out):
            if seed.shape != out.shape:
                raise SeedShapeError("seed does not have the output's shape")
            return seed
        return impl
    if is_array(out) or is_array(seed):
        def impl(seed, out):
            if np.ndim(seed) >= 0:
                raise SeedShapeError("seed does not have the output's shape")
            return out
        return impl
    return lambda seed, out: seed


@_twin(runtime.zero_like, optional=True)
def _zero_like(x):
    if isinstance(x, types.Optional):   # a value that may be None (a return not yet taken)
        x = x.type
    if is_array(x):
        dt = _grad_dtype(x)
        return lambda x: np.zeros(x.shape, dtype=dt)
    return lambda x: 0.0


@_twin(runtime.written_cotangent)
def _written_cotangent(g, into):
    if is_array(into) and not isinstance(into.dtype, (types.Float, types.Complex)):
        if is_array(g):
            dt = _grad_dtype(g)
            return lambda g, into: np.zeros(g.shape, dtype=dt)
        return lambda g, into: 0.0
    return lambda g, into: g


@_twin(ops.range_cond)
def _range_cond(i, stop, step):
    return lambda i, stop, step: i < stop if step > 0 else i > stop


# -- runtime ---------------------------------------------------------------------------------
@_twin(runtime.cast_like)
def _cast_like(g, x):
    if is_array(x):
        dt = _grad_dtype(x)
        if is_array(g) and g.ndim == x.ndim:
            if g.layout == "C" and g.dtype == numba.from_dtype(dt):
                def impl(g, x):
                    if g.shape == x.shape:
                        return g
                    return _expand_to(g, _pad_shape(g.shape, x.ndim), x.shape, dt)
                return impl
            return lambda g, x: _expand_to(g, _pad_shape(g.shape, x.ndim), x.shape, dt)
        if is_array(g):
            return lambda g, x: _expand_to(g, _pad_shape(g.shape, x.ndim), x.shape, dt)
        return lambda g, x: np.full(x.shape, g, dtype=dt)
    if isinstance(x, types.Float) and x != types.float64:
        ty = np.dtype(str(x)).type
        if is_array(g):
            return lambda g, x: ty(g.sum())
        return lambda g, x: ty(g)
    if is_array(g):
        return lambda g, x: float(g.sum())
    return lambda g, x: float(g)


@_twin(runtime.unbroadcast)
def _unbroadcast(g, x):
    if not is_array(g):
        if is_array(x):
            dt = _grad_dtype(x)
            return lambda g, x: np.full(x.shape, g, dtype=dt)
        return lambda g, x: g
    if not is_array(x):
        return lambda g, x: g.sum()
    if g.ndim < x.ndim:
        return lambda g, x: _expand_to(g, _pad_shape(g.shape, x.ndim), x.shape, g.dtype)
    if g.ndim == x.ndim:
        def impl(g, x):
            if g.shape == x.shape:
                return g
            return _reduce_to(g, _pad_shape(x.shape, g.ndim), x.size).reshape(x.shape)
        return impl
    return lambda g, x: _reduce_to(g, _pad_shape(x.shape, g.ndim), x.size).reshape(x.shape)


@_twin(runtime.unreduce, prefer_literal=True)
def _unreduce(g, x, axis=None, keepdims=False, where=True):
    if not is_array(x) or x.ndim == 0:
        return lambda g, x, axis=None, keepdims=False, where=True: g
    dt = numba.np.numpy_support.as_dtype(g.dtype) if is_array(g) else _grad_dtype(x)
    if not _true(where):
        raise TypingError("unreduce: where= masks are not supported by the Numba backend")
    if _none(axis):
        if is_array(g):
            def impl(g, x, axis=None, keepdims=False, where=True):
                return _expand_to(g, _pad_shape(g.shape, x.ndim), x.shape, dt)
            return impl
        return lambda g, x, axis=None, keepdims=False, where=True: np.full(x.shape, g, dtype=dt)
    if isinstance(axis, (types.Integer, types.IntegerLiteral)):
        def impl(g, x, axis=None, keepdims=False, where=True):
            gs = np.empty(x.ndim, np.intp)
            for d in range(x.ndim):
                gs[d] = x.shape[d]
            gs[axis % x.ndim] = 1
            return _expand_to(g, gs, x.shape, dt)
        return impl
    if isinstance(axis, types.BaseTuple):
        def impl(g, x, axis=None, keepdims=False, where=True):
            gs = np.empty(x.ndim, np.intp)
            for d in range(x.ndim):
                gs[d] = x.shape[d]
            for a in axis:
                gs[a % x.ndim] = 1
            return _expand_to(g, gs, x.shape, dt)
        return impl
    raise TypingError(f"unreduce: axis of type {axis} is not supported by the Numba backend")


@_twin(runtime.reduced_count, prefer_literal=True)
def _reduced_count(x, axis=None, where=True):
    if not _true(where):
        raise TypingError("reduced_count: where= masks are not supported by the Numba backend")
    if not is_array(x):
        return lambda x, axis=None, where=True: 1
    if _none(axis):
        return lambda x, axis=None, where=True: x.size
    if isinstance(axis, types.Integer):
        return lambda x, axis=None, where=True: x.shape[axis % x.ndim]

    def impl(x, axis=None, where=True):
        n = 1
        for a in axis:
            n *= x.shape[a % x.ndim]
        return n
    return impl


@register_jitable
def _zero_where(r, guard):
    """Set ``r`` (a fresh C array) to 0 wherever ``guard`` (broadcast to
    r's shape) is 0."""
    rf = r.reshape(-1)
    gf = np.ascontiguousarray(np.broadcast_to(guard, r.shape)).reshape(-1)
    for i in range(rf.size):
        if gf[i] == 0:
            rf[i] = 0
    return r


@_twin(runtime.safe_mul)
def _safe_mul(g, d):
    if is_scalar(g) and is_scalar(d):
        return lambda g, d: g * d if g != 0 else g * 0.0
    if is_array(g):
        def impl(g, d):
            r = g * d
            if np.isnan(np.sum(r)):
                _zero_where(r, g)
            return r
        return impl

    def impl(g, d):
        r = g * d
        if g == 0:
            r[:] = 0
        return r
    return impl


@_twin(runtime.safe_div)
def _safe_div(g, d):
    if is_scalar(g) and is_scalar(d):
        def impl(g, d):
            if g == 0:
                return g * 0.0
            if d == 0:
                return g * np.copysign(np.inf, d)
            return g / d
        return impl
    if is_array(g):
        def impl(g, d):
            r = g / d
            if np.isnan(np.sum(r)):
                _zero_where(r, g)
            return r
        return impl

    def impl(g, d):
        r = g / d
        if g == 0:
            r[:] = 0
        return r
    return impl


@_twin(runtime.div_or_zero)
def _div_or_zero(a, b):
    if is_scalar(a) and is_scalar(b):
        return lambda a, b: a / b if b != 0 else a * 0.0
    if is_array(b):
        def impl(a, b):
            r = a / b
            _zero_where(r, b)
            return r
        return impl

    def impl(a, b):
        r = a / b
        if b == 0:
            r[:] = 0
        return r
    return impl


@_twin(runtime.pow_slope)
def _pow_slope(a, b):
    if is_scalar(a) and is_scalar(b):
        def impl(a, b):
            if b == 0:
                return 0.0
            if a == 0 and b < 1:
                return b * np.inf
            return b * a ** (b - 1)
        return impl
    if is_array(a) and is_scalar(b):
        def impl(a, b):
            if b == 0:
                return np.zeros_like(a)
            return b * a ** (b - 1)
        return impl

    def impl(a, b):
        r = b * np.power(a, b - 1)
        _zero_where(r, b)
        return r
    return impl


@_twin(runtime.scatter_into)
def _scatter_into(g, x, idx):
    dt = np.result_type(_grad_dtype(x), _grad_dtype(g))
    if isinstance(idx, (types.Integer, types.SliceType)) or (
            isinstance(idx, types.BaseTuple) and all(isinstance(t, (types.Integer, types.SliceType))
                                                     for t in idx.types)):
        def impl(g, x, idx):
            out = np.zeros(x.shape, dtype=dt)
            out[idx] = g
            return out
        return impl
    if is_array(idx) and isinstance(idx.dtype, types.Integer) and idx.ndim == 1 and x.ndim == 1:
        def impl(g, x, idx):
            out = np.zeros(x.shape, dtype=dt)
            gb = np.broadcast_to(g, idx.shape)
            for k in range(idx.size):
                out[idx[k]] += gb[k]
            return out
        return impl
    def impl_any(g, x, idx):
        out = np.zeros(x.size, dtype=dt)
        _add_at_positions(out, x.shape, idx, g)
        return out.reshape(x.shape)
    return impl_any


@register_jitable
def _add_at_positions(out, shape, idx, g):
    """``out`` (flat, of ``shape``'s size) += ``g`` at ``[idx]``: through the
    flat positions that the same index picks, so a repeated index adds up
    (fancy indices, ``None``, slices mixed with arrays)."""
    pos = np.arange(out.size).reshape(shape)[idx]
    p = np.ascontiguousarray(pos).ravel()
    gb = np.ascontiguousarray(np.broadcast_to(g, pos.shape)).ravel()
    for k in range(p.size):
        out[p[k]] += gb[k]


# -- in-place updates (``a[i] = v``, ``x += y`` through aliases) -----------------------------
@_twin(ops.alias_update)
def _alias_update(old, new):
    if is_array(old):
        return lambda old, new: new
    return lambda old, new: old


@_twin(ops.setitem)
def _setitem(a, idx, v):
    def impl(a, idx, v):
        out = a.copy()
        out[idx] = v
        return out
    return impl


@_twin(runtime.zero_at_inplace)
def _zero_at_inplace(g, idx):
    def impl(g, idx):
        g[idx] = 0
        return g
    return impl


@_twin(runtime.shape_proxy, optional=True)
def _shape_proxy(x):
    """Compiled code keeps a zero-stride array of the shape (the unbroadcast
    and unreduce twins read only its shape).  A number that may still be
    None (a return value carried through a loop before the return is taken)
    has a scalar's shape, as ``np.shape(None) == ()`` in Python; declining
    ``Optional`` here would let Numba cast it to a float and fail on None."""
    if isinstance(x, types.Optional):
        if is_array(x.type):
            raise TypingError("shape_proxy: an array that may be None is not supported "
                              "by the Numba backend")
        return lambda x: 0.0
    if is_array(x) and x.ndim > 0:
        return lambda x: np.broadcast_to(np.zeros(1, dtype=np.float64)[0], x.shape)
    return lambda x: 0.0              # a number, or a 0-d array: any scalar has its shape


@_twin(runtime.own)
def _own(x):
    if is_array(x):
        return lambda x: x.copy()
    return lambda x: x


@_twin(runtime.index_add)
def _index_add(acc, idx, g):
    if is_array(idx) and idx.ndim == 1 and isinstance(idx.dtype, types.Integer):
        def impl(acc, idx, g):
            gb = np.broadcast_to(g, idx.shape)
            for k in range(idx.size):
                acc[idx[k]] += gb[k]
            return acc
        return impl
    if is_array(idx) or (isinstance(idx, types.BaseTuple) and any(
            is_array(t) or isinstance(t, types.NoneType) for t in idx.types)):
        def impl_any(acc, idx, g):
            _add_at_positions(acc.reshape(-1), acc.shape, idx, g)
            return acc
        return impl_any

    def impl(acc, idx, g):
        acc[idx] += g
        return acc
    return impl


@_twin(ops.list_append)
def _list_append(lst, v):
    def impl(lst, v):
        lst.append(v)
        return lst
    return impl


@_twin(runtime.item_cotangent, prefer_literal=True)
def _item_cotangent(g, k):
    if _none(g):
        return lambda g, k: 0.0
    if isinstance(g, types.BaseTuple) and isinstance(k, types.IntegerLiteral):
        item = g.types[k.literal_value]
        if _none(item):
            return lambda g, k: 0.0
        j = k.literal_value
        return lambda g, k: g[j]
    return lambda g, k: g[k]


@_twin(runtime.zero_at)
def _zero_at(g, idx):
    def impl(g, idx):
        out = g.copy()
        out[idx] = 0
        return out
    return impl


@_twin(runtime.copy_item)
def _copy_item(g, idx):
    if is_array(g) and (g.ndim == 1 and isinstance(idx, types.Integer) or (
            isinstance(idx, types.BaseTuple) and len(idx) == g.ndim
            and all(isinstance(t, types.Integer) for t in idx))):
        return lambda g, idx: g[idx]           # an item: already a copy

    def impl(g, idx):
        return g[idx].copy()
    return impl


# -- rules/adjoints and multi-statement rules -------------------------------------------------
@_twin(adjoints.cast_cotangent)
def _cast_cotangent(g, a, ans=None):
    """Arrays and numbers only (a list argument is not nopython code)."""
    if is_array(a):
        dt = a.dtype if isinstance(a.dtype, types.Float) else types.float64
        if not _none(ans) and is_array(ans) and not isinstance(ans.dtype, (types.Float,
                                                                           types.Complex)):
            return lambda g, a, ans=None: np.zeros(a.shape, dtype=dt)
        return lambda g, a, ans=None: np.reshape(np.asarray(g), a.shape).astype(dt)
    if is_scalar(a):
        return lambda g, a, ans=None: g
    if isinstance(a, (types.List, types.UniTuple)) and (is_scalar(a.dtype) or is_array(a.dtype)) \
            and is_array(g):
        return lambda g, a, ans=None: g.astype(np.float64)   # rows: the items' cotangents
    return None



@_twin(adjoints.float_dtype)
def _float_dtype(a):
    dt = _grad_dtype(a)
    return lambda a: dt


@_twin(arithmetic.matmul_adjoint_a)
def _matmul_adjoint_a(g, a, b):
    if not (is_array(a) and is_array(b)) or a.ndim > 2 or b.ndim > 2:
        raise TypingError("matmul adjoint: only 1-D and 2-D operands are supported by Numba")
    if b.ndim == 1 and a.ndim == 1:
        return lambda g, a, b: g * b
    if b.ndim == 1:
        return lambda g, a, b: np.outer(g, b)
    if a.ndim == 1:
        return lambda g, a, b: np.dot(np.ascontiguousarray(b), g)
    return lambda g, a, b: np.dot(g, np.ascontiguousarray(b.T))


@_twin(arithmetic.matmul_adjoint_b)
def _matmul_adjoint_b(g, a, b):
    if not (is_array(a) and is_array(b)) or a.ndim > 2 or b.ndim > 2:
        raise TypingError("matmul adjoint: only 1-D and 2-D operands are supported by Numba")
    if a.ndim == 1 and b.ndim == 1:
        return lambda g, a, b: g * a
    if a.ndim == 1:
        return lambda g, a, b: np.outer(a, g)
    if b.ndim == 1:
        return lambda g, a, b: np.dot(np.ascontiguousarray(a.T), g)
    return lambda g, a, b: np.dot(np.ascontiguousarray(a.T), g)


@_twin(adjoints.tensordot_adjoint, prefer_literal=True)
def _tensordot_adjoint(g, a, b, axes=2, which=0):
    """Only the contraction ``np.dot`` makes (last axis of ``a`` with the
    first of a 1-D ``b`` or the second-to-last of a 2-D ``b``), for 1-D and
    2-D operands: what the rule of ``np.dot`` passes."""
    if not (is_array(a) and is_array(b)) or a.ndim > 2 or b.ndim > 2 or a.ndim == 0 \
            or b.ndim == 0:
        raise TypingError("tensordot adjoint: only np.dot of 1-D/2-D arrays is supported by "
                          "the Numba backend")
    if not isinstance(which, types.IntegerLiteral):
        raise TypingError("tensordot adjoint: 'which' must be a constant")
    inner = arithmetic.matmul_adjoint_a if which.literal_value == 0 else \
        arithmetic.matmul_adjoint_b
    contract = max(b.ndim - 2, 0)

    def impl(g, a, b, axes=2, which=0):
        xa, xb = axes
        if len(xa) != 1 or len(xb) != 1 or xa[0] % a.ndim != a.ndim - 1 or \
                xb[0] % b.ndim != contract:
            raise NotImplementedError("tensordot adjoint: only np.dot's contraction is "
                                      "supported by the Numba backend")
        return inner(g, a, b)
    return impl


def positional_twin(fn):
    """``fn`` with its keyword-only parameters made ordinary ones (same
    defaults, same body): Numba cannot bind keyword-only parameters."""
    code = fn.__code__
    if not code.co_kwonlyargcount:
        return fn
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return fn
    node = tree.body[0]
    a = node.args
    a.args += a.kwonlyargs
    a.defaults += [d if d is not None else ast.Constant(value=None) for d in a.kw_defaults]
    a.kwonlyargs, a.kw_defaults = [], []
    node.decorator_list = []
    scope = {}
    exec(compile(ast.fix_missing_locations(tree), inspect.getsourcefile(fn) or "<rule>", "exec"),
         fn.__globals__, scope)
    return scope[node.name]


def jit_helper(fn):
    """A Numba-callable version of a helper that has no explicit twin: its
    own body compiled in nopython mode when first called from a kernel."""
    return numba.njit(cache=False)(positional_twin(fn))


# -- rules whose adjoint Numba cannot run: refused by name ------------------------------------
@_twin(adjoints.unpad)
def _unpad(g, array, pad_width, mode="constant"):
    raise TypingError("the gradient of np.pad is not supported by the Numba backend")


@_twin(numpy_counting.histogram_cotangents)
def _histogram_cotangents(g, ans, a, bins, range, density, weights):
    raise TypingError("the gradient of np.histogram is not supported by the Numba backend")


@_twin(runtime_helpers.copy_item_adjoint)
def _copy_item_adjoint(ct, g, idx):
    raise TypingError("a second derivative through an indexed write (copy_item's adjoint) is "
                      "not supported by the Numba backend")


@_twin(runtime_helpers.einsum_operands_cotangent)
def _einsum_operands_cotangent(g, operands, k, ct):
    raise TypingError("a second derivative through np.einsum is not supported by the Numba "
                      "backend")


@_twin(tangents.transposed_tangent)
def _transposed_tangent(vjp, t, ans, args, kwargs):
    raise TypingError("forward mode through a primitive whose tangent is computed by "
                      "transposing its reverse rule (sort, linalg decompositions...) is not "
                      "supported by the Numba backend")


@_twin(tangents.padded_tangent)
def _padded_tangent(t, pad_width, mode, kwargs):
    raise TypingError("forward mode through np.pad is not supported by the Numba backend")


# -- NumPy reductions Numba lacks: mean over an axis, keepdims ----------------------------------
# (user code calls these in the primal; Numba's own np.sum/np.mean take neither)
def _int_axis(axis):
    return isinstance(axis, (types.Integer, types.IntegerLiteral))


def _keep(keepdims):
    return isinstance(keepdims, types.BooleanLiteral) and keepdims.literal_value or \
        isinstance(keepdims, types.Boolean) and not isinstance(keepdims, types.BooleanLiteral)


@overload(np.mean, prefer_literal=True)
def _mean_axis(a, axis=None, dtype=None, out=None, keepdims=False):
    if not (is_array(a) and _int_axis(axis)):
        return None

    if _keep(keepdims):
        def impl_keep(a, axis=None, dtype=None, out=None, keepdims=False):
            return np.expand_dims(np.sum(a, axis=axis) / a.shape[axis], axis)
        return impl_keep

    def impl_plain(a, axis=None, dtype=None, out=None, keepdims=False):
        return np.sum(a, axis=axis) / a.shape[axis]
    return impl_plain


@overload(np.sum, prefer_literal=True)
def _sum_keepdims(a, axis=None, dtype=None, out=None, keepdims=False):
    if not (is_array(a) and _int_axis(axis) and _keep(keepdims)):
        return None

    def impl(a, axis=None, dtype=None, out=None, keepdims=False):
        return np.expand_dims(np.sum(a, axis=axis), axis)
    return impl



# ``for v in x`` over a value that might be a dict (rules/containers.py): only
# arrays and tuples reach Numba, which iterate themselves.
@_twin(containers.iteration_keys)
def _iteration_keys(x):
    return lambda x: x


@_twin(containers.iteration_keys_x)
def _iteration_keys_x(g, ans, x):
    return lambda g, ans, x: g

