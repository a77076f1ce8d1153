"""Rules for the helpers that generated gradients call, so that generated
code is itself differentiable (``grad(grad(f))``, ``hessian``, the tape's
``create_graph=True``).

Example: the gradient of ``f(x) = np.sum(x * w)`` reads

    x_bar = unbroadcast(t_bar * w, x)

and the second derivative differentiates that line again.  ``unbroadcast``
is linear in its cotangent and reads only the *shape* of ``x``, so

    unbroadcast_g(ct, ans, g, x) -> unbroadcast(ct, g)   (sum down or broadcast back)
    x                             -> no contribution      (``no_cotangent``)

Every rule here is a single expression over primitives that have rules
themselves (most of them helpers of this very module), so the table is
closed under differentiation: third and higher derivatives need nothing new.
The first two parameters of a rule are the cotangent of the result (``ct``,
since several helpers name their own first parameter ``g``) and the result.

``no_cotangent`` marks an argument that cannot change the result's value
(a shape, a mask, an index): the reverse pass and the tape skip it, and
activity analysis does not follow it.  Stack pushes and pops are not here:
they are structural (``transforms/reverse_stacks.py``).  Nor are the
in-place rewrites of ``transforms/accumulate.py`` (``index_add``, ``own``,
``zero_at_inplace``): composition differentiates the gradient's graph from
before that pass (``GradFunction`` keeps it), and runs the pass again after.
"""
from __future__ import annotations

import numpy as np

from .. import pytree, runtime
from ..runtime import zero_like
from ..runtime import (accumulate, cast_like, div_or_zero, pow_slope, safe_div, safe_mul,
                       scatter_into, unbroadcast, unreduce)
from . import arithmetic, containers, numpy_einsum, structural
from .adjoints import cast_cotangent, clip_adjoint, extremum_adjoint, float_dtype, \
    tensordot_adjoint, undiagonal, unsplit, unstack_cotangent
from .registry import declare, defvjp, nondifferentiable

__all__ = ["no_cotangent", "is_no_cotangent", "rereduce", "uncast", "reshape_cotangent",
           "copy_item_adjoint", "accumulated_part"]


def no_cotangent(ct, ans, *args, **kwargs):
    """The rule of an argument the result's value does not depend on
    smoothly (a shape stand-in, a mask, an index): no cotangent."""
    return None


no_cotangent.zero_cotangent = True


def is_no_cotangent(vjp):
    return getattr(vjp, "zero_cotangent", False)


# -- helpers the rules below need (each has a rule too) -------------------------------
def rereduce(ct, g, x, axis=None, keepdims=False, where=True):
    """The adjoint of ``unreduce(g, x, axis, keepdims, where)`` for ``g``: ``ct``
    (shaped like ``x``) summed over ``axis`` where the mask holds, in ``g``'s shape."""
    if where is not True and where is not np._NoValue:
        ct = np.where(where, ct, 0)
    if not np.shape(x):
        return unbroadcast(ct, g)
    kd = keepdims is not np._NoValue and bool(keepdims)
    return unbroadcast(np.sum(ct, axis=axis, keepdims=kd), g)


def uncast(ct, g):
    """The adjoint of ``cast_like(g, x)`` for ``g``: ``ct`` back in ``g``'s shape
    and type (a container cotangent is passed on as it is)."""
    if ct is None or g is None or isinstance(ct, (tuple, list, dict)):
        return ct
    return cast_like(unbroadcast(ct, g), g)


def reshape_cotangent(ct, like, ans=None):
    """``ct`` in ``like``'s shape and floating dtype; zeros where ``ans`` (the
    result of a cast) is not floating.  The adjoint of ``cast_cotangent`` and
    of itself."""
    if ans is not None and not np.issubdtype(np.result_type(ans), np.inexact):
        return np.zeros(np.shape(like), dtype=np.result_type(np.asarray(like).dtype, np.float32))
    if isinstance(ct, (list, tuple)):     # the cotangent of a list made from an array's rows
        ct = np.stack([np.zeros(np.shape(like)[1:]) if c is None else c for c in ct])
    out = np.reshape(ct, np.shape(like))
    if isinstance(like, (np.ndarray, np.generic)) and like.dtype.kind == "f" and \
            out.dtype != like.dtype:
        out = out.astype(like.dtype)
    return out if np.ndim(like) or isinstance(like, np.generic) else float(out)


def copy_item_adjoint(ct, g, idx):
    """The adjoint of ``copy_item(g, idx)`` for ``g``: ``ct`` scattered into
    ``g``'s shape at ``idx``, only where the write was the one NumPy kept."""
    if g is None or isinstance(g, (dict, list, tuple)):
        from ..runtime import tree_cotangent
        return tree_cotangent(g, idx, ct)
    if runtime._is_basic(idx):
        return scatter_into(ct, g, idx)
    keep = runtime.last_writes(np.shape(g), idx)
    return scatter_into(np.where(keep, np.broadcast_to(ct, keep.shape), 0), g, idx)


def accumulated_part(ct, a):
    """The adjoint of ``accumulate(a, b)`` for ``a``: ``ct`` in ``a``'s shape
    (nothing where ``a`` was None, the zero of containers)."""
    if a is None:
        return None
    if isinstance(ct, (tuple, list, dict)) or isinstance(a, (tuple, list, dict)):
        return ct
    return unbroadcast(ct, a)


def extremum_adjoint_g(ct, g, ans, a, axis=None, keepdims=False, where=True):
    """The adjoint of ``extremum_adjoint(g, ans, a, ...)`` for ``g``: ``ct`` at
    the extrema, split between ties as the forward split it, summed back."""
    hit = np.asarray(a) == unreduce(ans, a, axis, keepdims)
    if where is not True and where is not np._NoValue:
        hit &= where
    count = np.sum(hit, axis=axis, keepdims=True, dtype=float_dtype(a))
    return rereduce(np.where(hit, ct / np.maximum(count, 1), 0), g, a, axis, keepdims)


def item_cotangent_adjoint(ct, g, key):
    """The adjoint of reading item ``key`` of the structural cotangent ``g``
    (``item_cotangent``, ``tree_item``): a cotangent of ``g``'s structure
    with ``ct`` at ``key`` (nothing where ``g`` was None, the zero)."""
    if g is None or ct is None:
        return None
    return runtime.tree_cotangent(g, key, ct)


def tree_cotangent_adjoint(ct, x, key, g):
    """The adjoint of ``tree_cotangent(x, key, g)`` for ``g``: item ``key`` of
    the container cotangent ``ct`` (or ``ct[key]`` summed to ``g``'s shape,
    for an array ``x``)."""
    if pytree.is_node(x):
        item = pytree.tree_item(ct, key)
        return zero_like(g) if item is None else item     # None: that item got no cotangent
    return unbroadcast(ct[key], g)


def einsum_with(operands, k, x):
    """``np.einsum(*operands)`` with operand ``k`` replaced by ``x``."""
    return np.einsum(*(operands[:k] + (x,) + operands[k + 1:]))


def einsum_operands_cotangent(g, operands, k, ct):
    """The adjoint of ``einsum_operand_adjoint(g, operands, k)`` for the other
    arrays of ``operands``: a tuple with one cotangent per operand (None for
    the subscripts and for operand ``k``, whose shape alone is read)."""
    from .numpy_einsum import einsum_operand_adjoint, einsum_subscripts
    positions = einsum_subscripts(operands)[2]
    new = operands[:k] + (ct,) + operands[k + 1:]
    return tuple(einsum_operand_adjoint(g, new, j) if j in positions and j != k else None
                 for j in range(len(operands)))


# calls whose result is a container's cotangent when argument k is a container
TREE_VALUED_LIKE = {cast_cotangent: 1}

# values that are containers' structural cotangents (tuples, lists, dicts
# with None for zeros): the reverse pass accumulates their cotangents item
# by item (``runtime.accumulate``), never with ``+`` (which would concatenate)
TREE_VALUED = frozenset({runtime.tree_cotangent, pytree.container_zero_at, runtime.concat_cotangent,
                         runtime.repeat_cotangent, pytree.attr_cotangent, runtime.tree_index_add,
                         accumulate})


# -- the rules ----------------------------------------------------------------------------
def unbroadcast_g(ct, ans, g, x):
    return unbroadcast(ct, g)


def unreduce_g(ct, ans, g, x, axis=None, keepdims=False, where=True):
    return rereduce(ct, g, x, axis, keepdims, where)


def rereduce_ct(c2, ans, ct, g, x, axis=None, keepdims=False, where=True):
    return unreduce(c2, x, axis, keepdims, where)


def cast_like_g(ct, ans, g, x):
    return uncast(ct, g)


def uncast_ct(c2, ans, ct, g):
    return uncast(c2, ct)


def reshape_cotangent_ct(c2, res, ct, like, ans=None):
    return reshape_cotangent(c2, ct, ans)


def cast_cotangent_g(ct, res, g, a, ans=None):
    return reshape_cotangent(ct, g, ans)


def safe_mul_g(ct, ans, g, d):
    return unbroadcast(safe_mul(ct, d), g)


def safe_mul_d(ct, ans, g, d):
    return unbroadcast(safe_mul(ct, g), d)


def safe_div_g(ct, ans, g, d):
    return unbroadcast(safe_div(ct, d), g)


def safe_div_d(ct, ans, g, d):
    return unbroadcast(-safe_mul(safe_div(ct, d), ans), d)


def div_or_zero_a(ct, ans, a, b):
    return unbroadcast(div_or_zero(ct, b), a)


def div_or_zero_b(ct, ans, a, b):
    return unbroadcast(-div_or_zero(ct * ans, b), b)


def pow_slope_a(ct, ans, a, b):
    # d/da (b a^(b-1)) = b (b-1) a^(b-2); a zero exponent is the constant slope 0
    return unbroadcast(safe_mul(safe_mul(ct, b), pow_slope(a, b - 1)), a)


def pow_slope_b(ct, ans, a, b):
    # d/db (b a^(b-1)) = a^(b-1) (1 + b log a)
    return unbroadcast(safe_mul(ct, safe_mul(np.power(a, b - 1), 1.0 + b * np.log(a))), b)


def scatter_into_g(ct, ans, g, x, idx):
    return unbroadcast(ct[idx], g)


def seed_cotangent_seed(ct, ans, seed, out):
    return uncast(ct, seed)


def accumulate_a(ct, ans, a, b):
    return accumulated_part(ct, a)


def accumulate_b(ct, ans, a, b):
    return accumulated_part(ct, b)


def accumulated_part_ct(c2, ans, ct, a):
    return accumulated_part(c2, ct)


def written_cotangent_g(ct, ans, g, into):
    return runtime.written_cotangent(ct, into)


def unstack_cotangent_g(ct, ans, g, axis=0):
    return unsplit(ct, ans, axis, True)


def copy_item_g(ct, ans, g, idx):
    return copy_item_adjoint(ct, g, idx)


def copy_item_adjoint_ct(c2, ans, ct, g, idx):
    return unbroadcast(runtime.copy_item(c2, idx), ct)


def zero_at_g(ct, ans, g, idx):
    return runtime.zero_at(ct, idx)


def if_array_g(ct, ans, g, old):
    return structural.cotangent_if_array(ct, old)


def unless_array_g(ct, ans, g, old):
    return structural.cotangent_unless_array(ct, old)


def matmul_adjoint_a_g(ct, ans, g, a, b):
    # matmul_adjoint_a(g, a, b) is the adjoint of a -> a @ b applied to g:
    # its own adjoint in g is that product again; in b, the adjoint of
    # b -> ct @ b with cotangent g
    return unbroadcast(np.matmul(ct, b), g)


def matmul_adjoint_a_b(ct, ans, g, a, b):
    return arithmetic.matmul_adjoint_b(g, ct, b)


def matmul_adjoint_b_g(ct, ans, g, a, b):
    return unbroadcast(np.matmul(a, ct), g)


def matmul_adjoint_b_a(ct, ans, g, a, b):
    return arithmetic.matmul_adjoint_a(g, a, ct)


def clip_adjoint_g(ct, ans, g, a, lo, hi, which=0):
    return unbroadcast(clip_adjoint(ct, a, lo, hi, which), g)


def extremum_adjoint_rule(ct, res, g, ans, a, axis=None, keepdims=False, where=True):
    return extremum_adjoint_g(ct, g, ans, a, axis, keepdims, where)


def extremum_adjoint_g_rule(c2, res, ct, g, ans, a, axis=None, keepdims=False, where=True):
    return unbroadcast(extremum_adjoint(c2, ans, a, axis, keepdims, where), ct)


def tensordot_adjoint_g(ct, ans, g, a, b, axes=2, which=0):
    # the adjoint of a -> tensordot(a, b) (which=0) or b -> tensordot(a, b)
    # (which=1) applied to g: linear in g, and in the operand it reads
    return np.tensordot(ct, b, axes) if which == 0 else np.tensordot(a, ct, axes)


def tensordot_adjoint_a(ct, ans, g, a, b, axes=2, which=0):
    return tensordot_adjoint(g, a, ct, axes, 0) if which == 1 else zero_like(a)


def tensordot_adjoint_b(ct, ans, g, a, b, axes=2, which=0):
    return tensordot_adjoint(g, ct, b, axes, 1) if which == 0 else zero_like(b)


def undiagonal_g(ct, ans, g, a, offset=0, axis1=0, axis2=1):
    return unbroadcast(np.diagonal(ct, offset, axis1, axis2), g)


def item_cotangent_g(ct, ans, g, k):
    return item_cotangent_adjoint(ct, g, k)


def tree_item_g(ct, ans, g, key):
    return item_cotangent_adjoint(ct, g, key)


def item_cotangent_adjoint_ct(c2, ans, ct, g, key):
    return tree_cotangent_adjoint(c2, g, key, ct)


def tree_cotangent_g(ct, ans, x, key, g):
    return tree_cotangent_adjoint(ct, x, key, g)


def tree_cotangent_adjoint_ct(c2, ans, ct, x, key, g):
    return runtime.tree_cotangent(x, key, c2)


def container_zero_at_g(ct, ans, g, key):
    return pytree.container_zero_at(ct, key)


def iteration_keys_x_g(ct, res, g, ans, x):
    return containers.iteration_keys_x(ct, ans, x)


def einsum_operand_adjoint_g(ct, ans, g, operands, k):
    # linear in g: its adjoint is the einsum itself, with ct in operand k's place
    return unbroadcast(einsum_with(operands, k, ct), g)


def einsum_operand_adjoint_operands(ct, ans, g, operands, k):
    return einsum_operands_cotangent(g, operands, k, ct)


_ = no_cotangent
defvjp(unbroadcast, unbroadcast_g, _, linear=True, name="unbroadcast")
defvjp(unreduce, unreduce_g, _, _, _, _, linear=True, name="unreduce")
defvjp(rereduce, rereduce_ct, _, _, _, _, _, linear=True, name="rereduce")
defvjp(cast_like, cast_like_g, _, linear=True, name="cast_like")
defvjp(uncast, uncast_ct, _, linear=True, name="uncast", rank=1)
defvjp(reshape_cotangent, reshape_cotangent_ct, _, _, linear=True, name="reshape_cotangent")
defvjp(cast_cotangent, cast_cotangent_g, _, _, linear=True, name="cast_cotangent")
declare(cast_cotangent, shape_of=1)                 # (np.reshape(g, np.shape(a)))
defvjp(unstack_cotangent, unstack_cotangent_g, None, linear=True, multiple_results=True,
       name="unstack_cotangent")
defvjp(safe_mul, safe_mul_g, safe_mul_d, name="safe_mul")
defvjp(safe_div, safe_div_g, safe_div_d, name="safe_div")
defvjp(div_or_zero, div_or_zero_a, div_or_zero_b, name="div_or_zero")
defvjp(pow_slope, pow_slope_a, pow_slope_b, name="pow_slope")
defvjp(scatter_into, scatter_into_g, _, _, linear=True, name="scatter_into")
defvjp(runtime.seed_cotangent, seed_cotangent_seed, _, linear=True, name="seed_cotangent")
defvjp(accumulate, accumulate_a, accumulate_b, linear=True, name="accumulate")
defvjp(accumulated_part, accumulated_part_ct, _, linear=True, name="accumulated_part")
defvjp(runtime.copy_item, copy_item_g, _, linear=True, name="copy_item")
defvjp(runtime.written_cotangent, written_cotangent_g, _, linear=True, name="written_cotangent",
       rank=0, shape_only=(1,))      # (the array written into: its dtype only, kept in its shape)
defvjp(copy_item_adjoint, copy_item_adjoint_ct, _, _, linear=True, name="copy_item_adjoint")
defvjp(runtime.zero_at, zero_at_g, _, linear=True, name="zero_at")
defvjp(structural.cotangent_if_array, if_array_g, _, linear=True, name="cotangent_if_array")
defvjp(structural.cotangent_unless_array, unless_array_g, _, linear=True,
       name="cotangent_unless_array")
defvjp(arithmetic.matmul_adjoint_a, matmul_adjoint_a_g, _, matmul_adjoint_a_b,
       name="matmul_adjoint_a")
defvjp(arithmetic.matmul_adjoint_b, matmul_adjoint_b_g, matmul_adjoint_b_a, _,
       name="matmul_adjoint_b")
defvjp(clip_adjoint, clip_adjoint_g, _, _, _, _, linear=True, name="clip_adjoint")
defvjp(extremum_adjoint, extremum_adjoint_rule, _, _, _, _, _, linear=True,
       name="extremum_adjoint")
defvjp(extremum_adjoint_g, extremum_adjoint_g_rule, _, _, _, _, _, _, linear=True,
       name="extremum_adjoint_g")
defvjp(tensordot_adjoint, tensordot_adjoint_g, tensordot_adjoint_a, tensordot_adjoint_b, _, _,
       name="tensordot_adjoint")
defvjp(undiagonal, undiagonal_g, _, _, _, _, linear=True, name="undiagonal")
defvjp(runtime.item_cotangent, item_cotangent_g, _, linear=True, name="item_cotangent")
defvjp(pytree.tree_item, tree_item_g, _, linear=True, name="tree_item")
defvjp(item_cotangent_adjoint, item_cotangent_adjoint_ct, _, _, linear=True,
       name="item_cotangent_adjoint")
defvjp(runtime.tree_cotangent, _, _, tree_cotangent_g, linear=True, name="tree_cotangent")
defvjp(tree_cotangent_adjoint, tree_cotangent_adjoint_ct, _, _, _, linear=True,
       name="tree_cotangent_adjoint")
defvjp(pytree.container_zero_at, container_zero_at_g, _, linear=True, name="container_zero_at")
defvjp(containers.iteration_keys_x, iteration_keys_x_g, _, _, linear=True,
       name="iteration_keys_x")
defvjp(numpy_einsum.einsum_operand_adjoint, einsum_operand_adjoint_g,
       einsum_operand_adjoint_operands, _, name="einsum_operand_adjoint")
nondifferentiable(runtime.reduced_count, runtime.shape_proxy, runtime.zero_like, runtime.last_writes)
