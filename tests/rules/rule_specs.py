"""The spec table: every differentiable rule with domain-aware random inputs.

``S(fn, *args, **kwargs)``: each arg is a generator ``gen(rng) -> value``
(made by the helpers below) or a constant used as is (axes, shapes,
subscripts, integer indices).  Floating arrays, Python floats and lists of
floating arrays among the generated args are what the finite-difference
check perturbs, for every argument the rule table marks differentiable.
"""
import math
import operator
from dataclasses import dataclass, field

import numpy as np

# NumPy >= 2.5's eig/eigvals return complex arrays even for real eigenvalues:
# complex numbers are not supported, so there the rules have no real spec
# (tests/compiler/test_issue9_newrules.py asserts the clear error instead)
EIG_IS_REAL = np.linalg.eig(np.eye(2))[0].dtype.kind != "c"

from ad_compiler.rules.numpy_index_tricks import c_items, r_items


@dataclass
class Spec:
    fn: object
    args: tuple
    kwargs: dict = field(default_factory=dict)
    f32: bool = True          # float32 in -> float32 gradients out
    tol: float = 1e-5
    id: str = ""
    eps: float = 1e-6         # finite-difference step

    def make(self, rng):
        return [a(rng) if isinstance(a, Gen) else a for a in self.args]

    def make_kwargs(self, rng):
        return {k: a(rng) if isinstance(a, Gen) else a for k, a in self.kwargs.items()}


class Gen:
    def __init__(self, f):
        self.f = f

    def __call__(self, rng):
        return self.f(rng)


def S(fn, *args, f32=True, tol=1e-5, id="", eps=1e-6, **kwargs):
    return Spec(fn, args, kwargs, f32, tol, id, eps)


# -- domain-aware generators ---------------------------------------------------------------------
def R(*shape):                            # any real
    return Gen(lambda rng: rng.normal(size=shape))


def P(*shape):                            # positive, away from 0
    return Gen(lambda rng: rng.uniform(0.5, 2.0, size=shape))


def U(*shape):                            # inside (-1, 1)
    return Gen(lambda rng: rng.uniform(-0.8, 0.8, size=shape))


def G1(*shape):                           # > 1
    return Gen(lambda rng: rng.uniform(1.3, 3.0, size=shape))


def D(*shape):                            # distinct values, no ties (max, sort, norms)
    n = int(np.prod(shape))
    return Gen(lambda rng: (rng.permutation(n) + rng.uniform(0.1, 0.5, n) - n / 2)
               .reshape(shape) / max(n, 1))


def NZ(*shape):                           # away from zero, either sign
    return Gen(lambda rng: rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.5, 2.0, size=shape))


def F(lo=-1.0, hi=1.0):                   # a Python float
    return Gen(lambda rng: float(rng.uniform(lo, hi)))


def WC(n, *batch):                        # well-conditioned square matrices
    return Gen(lambda rng: rng.normal(size=batch + (n, n)) * 0.3 + 2.0 * np.eye(n))


def SPD(n, *batch):                       # symmetric positive definite
    def f(rng):
        a = rng.normal(size=batch + (n, n))
        return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)
    return Gen(f)


def SYM(n, *batch):                       # symmetric, well-separated eigenvalues
    def f(rng):
        q = np.linalg.qr(rng.normal(size=batch + (n, n)))[0]
        w = np.arange(1.0, n + 1) * 1.5 + rng.uniform(0, 0.3, size=batch + (n,))
        return q @ (w[..., :, None] * np.swapaxes(q, -1, -2))
    return Gen(f)


def FULL(m, n):                           # full rank, distinct singular values
    def f(rng):
        u = np.linalg.qr(rng.normal(size=(m, m)))[0][:, :min(m, n)]
        v = np.linalg.qr(rng.normal(size=(n, n)))[0][:, :min(m, n)]
        s = np.arange(1.0, min(m, n) + 1) + rng.uniform(0, 0.3, min(m, n))
        return (u * s) @ v.T
    return Gen(f)


def FULLB(m, n, *batch):                  # a stack of FULL(m, n) matrices
    return Gen(lambda rng: np.stack([FULL(m, n)(rng) for _ in range(int(np.prod(batch)))])
               .reshape(batch + (m, n)))


def REIG(n, *batch):                      # general real, real distinct eigenvalues
    def f(rng):
        v = rng.normal(size=batch + (n, n)) * 0.4 + np.eye(n)
        w = np.arange(1.0, n + 1) * (-1.5) + rng.uniform(0, 0.3, size=batch + (n,))
        return np.linalg.solve(np.swapaxes(v, -1, -2), np.swapaxes(v * w[..., None, :], -1, -2)
                               ).swapaxes(-1, -2)
    return Gen(f)


def L(*gens):                             # a list of generated arrays
    return Gen(lambda rng: [g(rng) for g in gens])


def Bool(*shape):
    return Gen(lambda rng: rng.uniform(size=shape) > 0.4)


# -- the table ---------------------------------------------------------------------------------------
UNARY_ANY = [np.sin, np.cos, np.tan, np.arctan, np.sinh, np.cosh, np.tanh, np.arcsinh, np.exp,
             np.expm1, np.exp2, np.cbrt, np.square, np.deg2rad, np.rad2deg, np.degrees,
             np.radians, np.negative, np.positive, np.conjugate, np.sinc, np.nan_to_num]
UNARY_NZ = [np.absolute, np.fabs, np.reciprocal]
UNARY_POS = [np.log, np.log1p, np.log2, np.log10, np.sqrt]
UNARY_UNIT = [np.arcsin, np.arccos, np.arctanh]
BINARY_ANY = [np.add, np.subtract, np.multiply, np.hypot, np.arctan2, np.logaddexp,
              np.logaddexp2]
BINARY_DISTINCT = [np.maximum, np.minimum, np.fmax, np.fmin]

SPECS = []
for f in UNARY_ANY:
    SPECS += [S(f, R(3, 4)), S(f, R())]
for f in UNARY_NZ:
    SPECS += [S(f, NZ(3, 4)), S(f, NZ(5))]
for f in UNARY_POS:
    SPECS += [S(f, P(3, 4)), S(f, P())]
for f in UNARY_UNIT:
    SPECS += [S(f, U(3, 4))]
SPECS += [S(np.arccosh, G1(3, 4)), S(np.real, R(3))]
for f in BINARY_ANY:
    SPECS += [S(f, R(3, 4), R(3, 4)), S(f, R(3, 4), R(4)), S(f, R(2, 1, 3), R(4, 1))]
for f in BINARY_DISTINCT:
    SPECS += [S(f, D(3, 4), R(3, 4)), S(f, D(3, 4), R(4))]
SPECS += [
    S(np.divide, R(3, 4), NZ(3, 4)), S(np.divide, R(3, 4), NZ(4)),
    S(np.power, P(3, 4), R(3, 4)), S(np.power, P(3, 4), 3.0),
    S(np.float_power, P(3, 4), R(4), f32=False),
    S(np.ldexp, R(3, 4), np.array([1, -2, 0, 3])),
    S(np.copysign, NZ(3, 4), NZ(4)),
    S(np.nextafter, R(3, 4), R(4)), S(np.nextafter, F(), F()),
    S(np.heaviside, R(3, 4), R(4)), S(np.heaviside, [-1, 0, 2, 0], R(4), f32=False),
    S(np.fmod, P(3, 4), Gen(lambda r: r.uniform(0.3, 0.45, (3, 4)))),
    S(np.remainder, R(3, 4), Gen(lambda r: r.uniform(0.3, 0.45, (4,)))),
    S(np.clip, R(3, 4), -0.5, 0.5),
    S(np.clip, R(3, 4), Gen(lambda r: r.uniform(-1, -0.2, (4,))), Gen(lambda r: r.uniform(0.2, 1, (3, 1)))),
    S(np.clip, R(5), None, 0.3), S(np.clip, R(5), min=-0.5, max=0.3),
    S(np.ndarray.clip, R(3, 4), -0.5, 0.5), S(np.ndarray.clip, R(3, 4), Gen(
        lambda r: r.uniform(-1, -0.2, (4,))), Gen(lambda r: r.uniform(0.2, 1, (4,)))),
    S(np.where, Bool(3, 4), R(3, 4), R(3, 4)), S(np.where, Bool(3, 4), R(4), R(3, 1)),
    S(np.where, Bool(3, 4), R(3, 4), 0.0),
]

# reductions
for f in (np.sum, np.ndarray.sum, np.mean, np.ndarray.mean, np.nansum, np.nanmean, np.prod,
          np.ndarray.prod, np.var, np.ndarray.var, np.std, np.ndarray.std):
    SPECS += [S(f, R(3, 4)), S(f, R(2, 3, 4), axis=1), S(f, R(2, 3, 4), axis=(0, 2), keepdims=True),
              S(f, R(3, 4), axis=-1, keepdims=True)]
for f in (np.max, np.amax, np.ndarray.max, np.min, np.amin, np.ndarray.min, np.nanmax,
          np.nanmin, np.ptp):
    SPECS += [S(f, D(3, 4)), S(f, D(2, 3, 4), axis=1), S(f, D(2, 3, 4), axis=(0, 2), keepdims=True)]
SPECS += [
    S(np.sum, R(3, 4), axis=1, where=np.array([True, False, True, True])),
    S(np.mean, R(3, 4), axis=1, where=np.array([True, False, True, True])),
    S(np.max, D(3, 4), axis=0, initial=0.1),
    S(np.var, R(3, 4), axis=0, ddof=1), S(np.std, R(3, 4), ddof=1), S(np.ndarray.std, R(3, 4), 0, None, None, 1),
    S(np.prod, Gen(lambda r: np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0]])), axis=1),
]
for f in (np.cumsum, np.ndarray.cumsum, np.cumprod, np.ndarray.cumprod):
    SPECS += [S(f, NZ(3, 4)), S(f, NZ(3, 4), axis=1), S(f, NZ(2, 3, 2), axis=-2)]
SPECS += [
    S(np.cumprod, Gen(lambda r: np.array([2.0, 0.0, 3.0, -1.0, 0.5]))),
    S(np.cumulative_sum, R(3, 4), axis=1), S(np.cumulative_sum, R(5), include_initial=True),
    S(np.cumulative_prod, NZ(3, 4), axis=0, include_initial=True),
    S(np.average, R(3, 4)), S(np.average, R(3, 4), 1, P(4)),
    S(np.average, R(3, 4), 0, P(3, 4), keepdims=True),
    S(np.diff, R(3, 5)), S(np.diff, R(4, 3), n=2, axis=0), S(np.diff, R(6), prepend=1.0, append=np.zeros(2), f32=False),
    S(np.sort, D(3, 4)), S(np.sort, D(3, 4), axis=0), S(np.sort, D(3, 4), axis=None),
    S(np.partition, D(7), 3), S(np.partition, D(3, 5), (1, 3), axis=1),
    S(np.partition, D(4, 3), 0, axis=0), S(np.partition, D(3, 4), 5, axis=None),
    S(np.gradient, R(6)), S(np.gradient, R(6), 0.5), S(np.gradient, R(6), edge_order=2),
    S(np.gradient, R(5), Gen(lambda r: np.cumsum(r.uniform(0.2, 1.0, 5))), id="coords"),
    S(np.gradient, R(5), Gen(lambda r: np.cumsum(r.uniform(0.2, 1.0, 5))), edge_order=2,
      id="coords2"),
    S(np.gradient, R(3, 4)), S(np.gradient, R(3, 4), 2.0, axis=1),
    S(np.gradient, R(3, 4, 5), 0.5, 2.0, axis=(0, 2), edge_order=2),
    S(np.gradient, R(2, 3), Gen(lambda r: np.array([0.0, 0.3])), 1.5),
    S(np.gradient, R(2)), S(np.gradient, R(3), edge_order=2),
    S(np.select, Gen(lambda r: [np.array([True, False, True, False])]), L(R(4)), id="one"),
    S(np.select, Gen(lambda r: [np.array([True, True, False, False]),
                                np.array([False, True, True, False])]),
      L(R(4), R(4)), R(4), id="overlap"),
    S(np.select, Gen(lambda r: [np.array([[True], [False], [True]]),
                                np.array([True, False, False, True])]),
      L(R(3, 4), R(4)), R(3, 1), id="broadcast"),
    S(np.trapezoid, R(3, 5)), S(np.trapezoid, R(3, 5), dx=0.5, axis=0),
    S(np.trapezoid, R(5), Gen(lambda r: np.cumsum(r.uniform(0.1, 1, 5)))),
]

# shapes
SPECS += [
    S(np.reshape, R(3, 4), (2, 6)), S(np.reshape, R(3, 4), (4, -1), order="F"),
    S(np.ndarray.reshape, R(3, 4), 2, 6), S(np.ndarray.reshape, R(3, 4), (12,)),
    S(np.ravel, R(3, 4)), S(np.ravel, R(3, 4), order="F"), S(np.ndarray.ravel, R(2, 3)),
    S(np.ndarray.flatten, R(2, 3)), S(np.ndarray.flatten, R(2, 3), "F"),
    S(np.squeeze, R(3, 1, 4)), S(np.squeeze, R(1, 3, 1), axis=0), S(np.ndarray.squeeze, R(3, 1)),
    S(np.expand_dims, R(3, 4), 1), S(np.expand_dims, R(3), (0, 2)),
    S(np.atleast_1d, R()), S(np.atleast_2d, R(3)), S(np.atleast_3d, R(3, 2)),
    S(np.atleast_1d, R(), R(3)), S(np.atleast_2d, R(3), R(2, 2), R()),
    S(np.atleast_3d, R(2), R(), R(2, 2), R(1)),
    S(np.broadcast_to, R(4), (3, 4)), S(np.broadcast_to, R(3, 1), (2, 3, 4)),
    S(np.transpose, R(2, 3, 4)), S(np.transpose, R(2, 3, 4), (1, 2, 0)),
    S(np.ndarray.transpose, R(2, 3, 4)), S(np.ndarray.transpose, R(2, 3, 4), 2, 0, 1),
    S(np.ndarray.transpose, R(2, 3, 4), (2, 0, 1)),
    S(np.matrix_transpose, R(2, 3, 4)), S(np.linalg.matrix_transpose, R(3, 4)),
    S(np.swapaxes, R(2, 3, 4), 0, 2), S(np.ndarray.swapaxes, R(2, 3, 4), -1, 1),
    S(np.moveaxis, R(2, 3, 4), 0, -1), S(np.moveaxis, R(2, 3, 4), (0, 1), (2, 0)),
    S(np.flip, R(3, 4)), S(np.flip, R(3, 4), axis=1), S(np.fliplr, R(3, 4)), S(np.flipud, R(3, 4)),
    S(np.rollaxis, R(2, 3, 4), 2), S(np.rollaxis, R(2, 3, 4), 0, 3), S(np.rollaxis, R(2, 3, 4), -1, 1),
    S(np.rollaxis, R(2, 3, 4), 1, -1), S(np.rollaxis, R(2, 3), 1, 1),
    S(np.rot90, R(3, 4)), S(np.rot90, R(2, 3, 4), 3, (1, 2)),
    S(np.roll, R(3, 4), 2), S(np.roll, R(3, 4), (1, -1), axis=(0, 1)),
    S(np.concatenate, L(R(2, 3), R(4, 3))),
    *([S(np.row_stack, L(R(3), R(2, 3)))] if hasattr(np, "row_stack") else []), S(np.concatenate, L(R(2, 3), R(2, 1)), axis=1),
    S(np.concatenate, L(R(2, 3), R(4)), axis=None),
    S(np.stack, L(R(2, 3), R(2, 3))), S(np.stack, L(R(3), R(3), R(3)), axis=1),
    S(np.hstack, L(R(3), R(2))), S(np.hstack, L(R(2, 3), R(2, 1))),
    S(np.vstack, L(R(3), R(2, 3))), S(np.dstack, L(R(2, 3), R(2, 3, 2))),
    S(np.column_stack, L(R(3), R(3, 2))),
    S(np.append, R(3), R(2)), S(np.append, R(2, 3), R(1, 3), axis=0),
    S(np.split, R(6, 2), 3), S(np.split, R(2, 7), [2, 5], axis=1),
    S(np.split, R(6), [2, 2, 4], id="repeated"), S(np.split, R(5), [0, 5], id="empty-ends"),
    S(np.array_split, R(6), 4, id="uneven"), S(np.array_split, R(3, 5), 2, axis=1),
    S(np.array_split, R(2), 3, id="more-sections"), S(np.array_split, R(7), [3, 1], id="backwards"),
    S(np.split, R(3, 6), [-2, 4], axis=1, id="negative"), S(np.hsplit, R(2, 5), [4, 1]),
    S(np.vsplit, R(6, 2), [1, 1]), S(np.dsplit, R(1, 2, 6), 3),
    S(np.array_split, R(7), 3), S(np.hsplit, R(2, 4), 2), S(np.hsplit, R(6), 3),
    S(np.vsplit, R(4, 2), 2), S(np.dsplit, R(2, 2, 4), [1]),
    S(r_items, L(R(3), R(2))), S(r_items, L(R(3), F(), R(), R(2))), S(r_items, L(R(2, 3), R(1, 3))),
    S(c_items, L(R(3), R(3, 2))), S(c_items, L(R(1), F(), R(1))), S(c_items, L(R(2, 2, 1), R(2, 2, 3))),
    S(np.unstack, R(3, 2)), S(np.unstack, R(3, 2), axis=1),
    S(np.tile, R(2, 3), 2), S(np.tile, R(2, 3), (2, 1, 2)), S(np.tile, R(3), (2, 2)),
    S(np.repeat, R(2, 3), 2), S(np.repeat, R(2, 3), 2, axis=1),
    S(np.repeat, R(2, 3), np.array([1, 0, 3]), axis=1), S(np.ndarray.repeat, R(3), 3),
    S(np.pad, R(3, 4), 2), S(np.pad, R(3, 4), ((1, 0), (2, 3))),
    S(np.pad, R(3, 4), 1, mode="constant", constant_values=2.0),
    S(np.pad, R(4, 5), ((1, 2), (3, 1)), mode="reflect"), S(np.pad, R(4), 3, mode="edge"),
    S(np.pad, R(4), (2, 5), mode="wrap"), S(np.pad, R(3, 3), 2, mode="symmetric"),
    S(np.diag, R(4)), S(np.diag, R(3), 1), S(np.diag, R(3, 4)), S(np.diag, R(4, 3), -1),
    S(np.diagflat, R(2, 2)), S(np.diagflat, R(3), -1),
    S(np.diagonal, R(3, 4)), S(np.diagonal, R(2, 3, 4), 1, 1, 2), S(np.ndarray.diagonal, R(3, 3), -1),
    S(np.linalg.diagonal, R(2, 3, 3)), S(np.linalg.diagonal, R(3, 4), offset=1),
    S(np.trace, R(3, 4)), S(np.trace, R(2, 3, 3), 0, 1, 2), S(np.ndarray.trace, R(4, 4), 1),
    S(np.linalg.trace, R(2, 3, 3)), S(np.linalg.trace, R(3, 3), offset=-1),
    S(np.tril, R(3, 4)), S(np.tril, R(2, 3, 3), -1), S(np.triu, R(3, 4)), S(np.triu, R(3, 4), 1),
    S(np.ndarray.astype, R(3, 4), np.float64), S(np.ndarray.astype, R(3, 4), np.int64),
    S(np.astype, R(3), np.float64),
    S(np.asarray, R(3, 4)), S(np.asarray, L(R(), R(), R())), S(np.asanyarray, R(3)),
    S(np.array, R(3, 4)), S(np.array, L(R(3), R(3))), S(np.array, R(3), ndmin=2),
    S(np.ascontiguousarray, R(3, 4)), S(np.copy, R(3)), S(np.ndarray.copy, R(3, 2)),
    S(np.float64, R()), S(np.float64, F()), S(np.float32, R(), f32=False, eps=1e-2, tol=1e-4),
]

# products
SPECS += [
    S(np.dot, R(3), R(3)), S(np.dot, R(2, 3), R(3, 4)), S(np.dot, R(2, 3), R(3)),
    S(np.dot, R(3), R(3, 4)), S(np.dot, R(2, 2, 3), R(4, 3, 2)), S(np.dot, R(3), 2.0, f32=False),
    S(np.ndarray.dot, R(2, 3), R(3, 4)),
    S(np.vdot, R(2, 3), R(6)), S(np.inner, R(2, 3), R(4, 3)), S(np.inner, R(3), R(3)),
    S(np.inner, R(2, 3), R(3)), S(np.inner, 2.0, R(3), f32=False),
    S(np.outer, R(3), R(4)), S(np.outer, R(2, 2), R(3)), S(np.linalg.outer, R(3), R(4)),
    S(np.matmul, R(2, 3), R(3, 4)), S(np.matmul, R(5, 2, 3), R(3, 4)), S(np.matmul, R(3), R(3, 4)),
    S(np.matmul, R(2, 3), R(3)), S(np.matmul, R(3), R(3)), S(np.matmul, R(2, 1, 2, 3), R(4, 3, 2)),
    S(np.linalg.matmul, R(2, 3), R(3, 4)),
    S(np.tensordot, R(2, 3, 4), R(3, 4, 5)), S(np.tensordot, R(2, 3, 4), R(4, 2), ([0, 2], [1, 0])),
    S(np.tensordot, R(2, 3), R(4), 0), S(np.tensordot, R(3, 4), R(4, 3), axes=1),
    S(np.linalg.tensordot, R(2, 3), R(3, 2), axes=([1, 0], [0, 1])),
    S(np.einsum, "ij,jk->ik", R(2, 3), R(3, 4)), S(np.einsum, "ij,jk", R(2, 3), R(3, 4)),
    S(np.einsum, "ii->", R(3, 3)), S(np.einsum, "ii->i", R(3, 3)), S(np.einsum, "ij->", R(2, 3)),
    S(np.einsum, "i,i", R(3), R(3)), S(np.einsum, "i,j->ij", R(3), R(2)),
    S(np.einsum, "...ij,...jk->...ik", R(5, 2, 3), R(3, 4)), S(np.einsum, "bij,bjk,bkl->bil", R(2, 2, 3), R(2, 3, 2), R(2, 2, 2)),
    S(np.einsum, "ij,j->i", R(3, 4), R(1)), S(np.einsum, "ijk->kji", R(2, 3, 4)), S(np.einsum, "ba", R(2, 3)),
    S(np.einsum, R(2, 3), [0, 1], R(3, 4), [1, 2], [0, 2], id="sublist"),
    S(np.einsum, R(2, 3), [0, 1], R(3, 4), [1, 2], id="sublist-implicit"),
    S(np.einsum, R(3, 3), [5, 5], id="sublist-trace"),
    S(np.einsum, R(5, 2, 3), [Ellipsis, 0, 1], R(3, 4), [1, 2], [Ellipsis, 0, 2], id="sublist-ell"),
    S(np.einsum, R(2), [0], R(3), [1], R(4), [2], [0, 1, 2], id="sublist-three"),
    S(np.einsum, R(2, 3), [27, 30], [30, 27], id="sublist-upper"),
    S(np.kron, R(2, 3), R(3, 2)), S(np.kron, R(3), R(2)), S(np.kron, R(2, 2), R(3)),
    S(np.cross, R(3), R(3)), S(np.cross, R(4, 3), R(3)), S(np.cross, R(3, 4), R(3, 4), axis=0),
    S(np.cross, R(2, 3), R(3, 2), axisb=0),
    S(np.linalg.cross, R(4, 3), R(4, 3)),
    S(np.vecdot, R(3, 4), R(4)), S(np.vecdot, R(3, 4), R(3, 4), axis=0), S(np.vecdot, R(2, 3), R(3), keepdims=True),
    S(np.linalg.vecdot, R(3, 4), R(3, 4)), S(np.linalg.vecdot, R(3, 4), R(3, 1), axis=0),
    S(np.linalg.multi_dot, L(R(2, 3), R(3, 4), R(4, 2))), S(np.linalg.multi_dot, L(R(3), R(3, 4), R(4))),
]
for mode in ("full", "same", "valid"):
    SPECS += [S(np.convolve, R(5), R(3), mode), S(np.convolve, R(2), R(6), mode),
              S(np.correlate, R(5), R(3), mode), S(np.correlate, R(2), R(6), mode),
              S(np.correlate, R(4), R(4), mode)]

# linear algebra
SPECS += [
    S(np.linalg.inv, WC(3)), S(np.linalg.inv, WC(2, 4)),
    S(np.linalg.solve, WC(3), R(3)), S(np.linalg.solve, WC(3), R(3, 2)), S(np.linalg.solve, WC(3, 2), R(2, 3, 2)),
    S(np.linalg.solve, WC(3, 2), R(3)),
    S(np.linalg.det, WC(3)), S(np.linalg.det, WC(3, 2)),
    S(np.linalg.slogdet, WC(3)), S(np.linalg.slogdet, WC(2, 3)),
    S(np.linalg.cholesky, SPD(3)), S(np.linalg.cholesky, SPD(3, 2)), S(np.linalg.cholesky, SPD(3), upper=True),
    S(np.linalg.eigh, SYM(3)), S(np.linalg.eigh, SYM(3, 2)), S(np.linalg.eigh, SYM(3), "U"),
    S(np.linalg.eigvalsh, SYM(4)), S(np.linalg.eigvalsh, SYM(3), UPLO="U"),
    S(np.linalg.pinv, FULL(3, 3)), S(np.linalg.pinv, FULL(4, 2)), S(np.linalg.pinv, FULL(2, 4)),
    S(np.linalg.lstsq, FULL(5, 3), R(5)), S(np.linalg.lstsq, FULL(5, 3), R(5, 2)),
    S(np.linalg.lstsq, FULL(3, 3), R(3)),
    S(np.linalg.svdvals, FULL(4, 3)), S(np.linalg.svdvals, FULL(2, 3)),
    S(np.linalg.svd, FULL(3, 3)), S(np.linalg.svd, FULL(4, 3), full_matrices=False),
    S(np.linalg.svd, FULL(2, 4), False), S(np.linalg.svd, FULLB(3, 2, 2), full_matrices=False),
    S(np.linalg.svd, FULL(4, 3), compute_uv=False), S(np.linalg.svd, FULL(2, 3), False, False),
    S(np.linalg.svd, SYM(3), hermitian=True), S(np.linalg.svd, SYM(3), compute_uv=False,
                                                 hermitian=True),
    S(np.linalg.qr, WC(3)), S(np.linalg.qr, FULL(5, 3)), S(np.linalg.qr, FULL(3, 5)),
    S(np.linalg.qr, FULLB(4, 3, 2)), S(np.linalg.qr, FULL(4, 3), mode="r"),
    S(np.linalg.qr, FULL(2, 4), "r"), S(np.linalg.qr, WC(3), mode="complete"),
    *([S(np.linalg.eig, REIG(3)), S(np.linalg.eig, SYM(4)), S(np.linalg.eig, REIG(3, 2)),
       S(np.linalg.eigvals, REIG(4)), S(np.linalg.eigvals, REIG(2, 3))] if EIG_IS_REAL else []),
    S(np.linalg.matrix_power, WC(3), 3), S(np.linalg.matrix_power, WC(3), 1),
    S(np.linalg.matrix_power, WC(3), -2), S(np.linalg.matrix_power, WC(3), 0),
    S(np.linalg.norm, R(5)), S(np.linalg.norm, R(3, 4)), S(np.linalg.norm, R(2, 3, 4)),
    S(np.linalg.norm, D(5), 1), S(np.linalg.norm, D(5), np.inf), S(np.linalg.norm, D(5), -np.inf),
    S(np.linalg.norm, NZ(5), 3), S(np.linalg.norm, NZ(5), 0.5), S(np.linalg.norm, R(5), 0),
    S(np.linalg.norm, R(3, 4), axis=1), S(np.linalg.norm, R(3, 4), axis=0, keepdims=True),
    S(np.linalg.norm, D(3, 4), 1, axis=1),
    S(np.linalg.norm, FULL(3, 4), "fro"), S(np.linalg.norm, FULL(3, 4), "nuc"),
    S(np.linalg.norm, FULL(3, 4), 2), S(np.linalg.norm, FULL(3, 4), -2),
    S(np.linalg.norm, D(3, 4), 1), S(np.linalg.norm, D(3, 4), -1), S(np.linalg.norm, D(3, 4), np.inf),
    S(np.linalg.norm, D(3, 4), -np.inf), S(np.linalg.norm, D(2, 3, 4), 1, (1, 2)),
    S(np.linalg.norm, R(2, 3, 4), "fro", (0, 2), True),
    S(np.linalg.vector_norm, R(3, 4)), S(np.linalg.vector_norm, D(3, 4), ord=1, axis=1),
    S(np.linalg.vector_norm, R(2, 3, 4), axis=(0, 2), keepdims=True),
    S(np.linalg.vector_norm, D(2, 3), ord=np.inf, keepdims=True),
    S(np.linalg.matrix_norm, R(2, 3, 4)), S(np.linalg.matrix_norm, D(3, 4), ord=np.inf, keepdims=True),
    S(np.linalg.matrix_norm, FULL(3, 3), ord="nuc"),
]

# indexing
SPECS += [
    S(operator.getitem, R(5), 2), S(operator.getitem, R(5), -1), S(operator.getitem, R(7), slice(1, None, 2)),
    S(operator.getitem, R(7), slice(None, None, -3)), S(operator.getitem, R(3, 4), (1, slice(None))),
    S(operator.getitem, R(3, 4), (None, Ellipsis, 2)), S(operator.getitem, R(3, 4), (Ellipsis, None)),
    S(operator.getitem, R(5), [0, 0, 3, -1, 0]), S(operator.getitem, R(5), np.array([[1, 1], [2, 4]])),
    S(operator.getitem, R(3, 4), (slice(None), [0, 0, 2])), S(operator.getitem, R(3, 4), ([0, 2, 2], [1, 1, 3])),
    S(operator.getitem, R(3, 4), np.array([True, False, True])),
    S(operator.getitem, R(3, 4), np.arange(12).reshape(3, 4) % 3 == 0),
    S(operator.getitem, R(3, 4), (np.array([True, False, True]), slice(1, 3))),
    S(operator.getitem, R(3, 4, 5), (0, slice(None), [1, 1])), S(operator.getitem, R(3, 4), [True, False, True]),
    S(operator.getitem, R(2, 3, 4), (slice(None), None, [0, 2], slice(None, None, 2))),
    S(np.ndarray.__getitem__, R(5), slice(0, 3)),
    S(np.take, R(5), [0, 0, 4]), S(np.take, R(3, 4), [[1, 1], [0, 3]], axis=1),
    S(np.take, R(5), [7, -1], mode="wrap"), S(np.take, R(5), [7, 0], mode="clip"),
    S(np.ndarray.take, R(3, 4), [2, 0], 0),
    S(np.take_along_axis, R(3, 4), np.array([[0, 0], [3, 1], [2, 2]]), 1),
    S(np.take_along_axis, R(3, 4), np.array([[0, 1, 2, 2]]), 0), S(np.take_along_axis, R(5), np.array([4, 4, 0]), None),
    S(np.compress, [True, False, True], R(3, 2), axis=0), S(np.compress, [False, True], R(2, 3)),
    S(np.extract, np.array([[True, False], [False, True]]), R(2, 2)),
    S(np.ndarray.item, R(3, 4), 5), S(np.ndarray.item, R(3, 4), 1, 2), S(np.ndarray.item, R(1)),
    S(np.ndarray.item, R(3, 4), (2, 3)),
]

# constructors whose values follow their arguments, counting and grouping
SPECS += [
    S(np.full, (2, 3), F()), S(np.full, (2, 3), R(3)), S(np.full, 4, R()),
    S(np.full_like, R(2, 3), F()), S(np.full_like, R(2, 3), R(3)),
    S(np.linspace, F(), F(2, 3), 5), S(np.linspace, R(2), R(2), 4, axis=1),
    S(np.linspace, R(2, 1), F(), 3, False), S(np.linspace, F(), F(), 1),
    S(np.linspace, F(), F(2, 3), 4, dtype=np.int64, f32=False),
    S(np.linspace, F(), F(2, 3), 5, retstep=True), S(np.linspace, R(2), R(2), 4, False, True),
    S(np.logspace, F(), F(), 4), S(np.logspace, R(2), F(), 3, True, F(1.5, 3)),
    S(np.logspace, F(), F(), 3, False, 2.0, axis=0),
    S(np.geomspace, F(0.5, 2), F(2, 4), 5), S(np.geomspace, P(2), P(2), 3, axis=-1),
    S(np.geomspace, F(-2, -0.5), F(-4, -2), 4, False),
    S(np.arange, F(), F(3, 4)), S(np.arange, F(), F(3, 4), F(0.4, 0.6)), S(np.arange, F(1, 5)),
    S(np.ndarray.tolist, R(4)),
    S(np.bincount, np.array([0, 2, 2, 1, 4]), R(5)), S(np.bincount, [1, 1, 0], R(3), 4),
    S(np.unique, D(3, 4)), S(np.unique, D(5), return_counts=True), S(np.unique, D(3, 2), True, True),
    S(np.histogram, R(20), 4, None, None, R(20)), S(np.histogram, D(20), 5),
    S(np.histogram, R(20), np.array([-1.0, 0.0, 0.5, 2.0]), None, None, R(20)),
]

# Python operators, builtins and math
SPECS += [
    S(operator.mod, R(3, 4), Gen(lambda r: r.uniform(0.3, 0.45, (4,)))),
    S(operator.mod, F(), F(0.3, 0.45)), S(operator.mod, F(-3, -1), F(0.3, 0.45)),
    S(math.copysign, F(0.5, 1), F(-1, -0.5)), S(math.copysign, F(-1, -0.5), F(-1, -0.5)),
    S(math.copysign, F(-1, -0.5), F(0.5, 1)),
    S(max, F(-1, 0), F(0.5, 1), F(-0.5, 0.2)), S(min, F(-1, 0), F(0.5, 1), F(1.5, 2), F(-3, -2)),
    S(operator.add, R(3, 4), R(4)), S(operator.sub, R(3), R(2, 3)), S(operator.mul, R(3, 4), R(3, 1)),
    S(operator.mul, F(), F()), S(operator.truediv, R(3), NZ(2, 3)), S(operator.truediv, F(), F(0.5, 2)),
    S(operator.pow, P(3), R(3)), S(operator.pow, F(0.5, 2), F()), S(pow, F(0.5, 2), F()),
    S(operator.neg, R(3)), S(operator.pos, R(3)), S(operator.abs, NZ(3)), S(abs, F(0.5, 1)),
    S(operator.matmul, R(2, 3), R(3, 4)), S(operator.matmul, R(3), R(2, 3, 4)), S(float, F()),
    S(max, F(-1, 0), F(0.5, 1)), S(max, F(0.5, 1), F(-1, 0)), S(min, F(-1, 0), F(0.5, 1)),
    S(max, L(F(-1, 0), F(0.5, 1), F(-0.5, 0.2))), S(min, L(F(-1, 0), F(0.5, 1))),
    S(max, D(5)), S(min, D(5)),
    S(sum, L(R(3), R(3), R(3))), S(sum, L(F(), F())), S(sum, R(4, 3)), S(sum, L(R(3), R(1, 3)), R(3)),
]
_MATH_ANY = [math.sin, math.cos, math.tan, math.exp, math.expm1, math.tanh, math.sinh, math.cosh,
             math.atan, math.asinh, math.erf, math.erfc]
for f in _MATH_ANY:
    SPECS.append(S(f, F()))
for f in (math.log, math.log1p, math.log2, math.log10, math.sqrt):
    SPECS.append(S(f, F(0.5, 2)))
SPECS += [S(math.log, F(0.5, 2), F(2, 3)), S(math.asin, F(-0.8, 0.8)), S(math.acos, F(-0.8, 0.8)),
          S(math.atanh, F(-0.8, 0.8)), S(math.acosh, F(1.3, 3)), S(math.fabs, F(0.5, 1)),
          S(math.fabs, F(-1, -0.5)), S(math.pow, F(0.5, 2), F()), S(math.atan2, F(), F(0.5, 1)),
          S(math.hypot, F(), F())]
