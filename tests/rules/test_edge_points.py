"""Every rule's edge points against the documented policy
(docs/custom_rules.md, "NaN policy" and the subgradient conventions):
zeros, kinks, ties, equal entries, repeated indices, clip boundaries, and
the zero base of a power.  Finite differences cannot check these points
(the function is not differentiable there, or the difference jumps), so
each case states the value the policy promises:

- a kink gives 0 (``abs`` at 0, ``copysign`` at 0), ``sinc`` at 0 is smooth (0);
- ties split the cotangent evenly (``maximum``, ``clip`` bounds, ``max`` and
  friends, builtin ``max``, ``unique``'s equal entries); ``sort`` permutes
  ``g`` back with a stable argsort;
- norm-like functions at 0 give 0 (``norm``, ``hypot``, ``arctan2``, ``std``
  of equal entries -- even when their rounded mean is an ulp off);
- singular functions give the true, infinite derivative (``sqrt``, ``cbrt``,
  ``log`` at 0, ``x ** 0.5`` at 0), and ``x ** 0`` is the constant 1 (0,
  also at x = 0);
- a repeated integer index adds up when reading (``a[[0, 0]]``) and keeps
  the last write when assigning (``out[[1, 1]] = v``: NumPy's semantics).
"""
import math
import operator

import numpy as np
import pytest

from ad_compiler.ir import ops
from ad_compiler.rules import lookup

INF = np.inf
Z = np.array([-1.0, 0.0, 2.0])
TIE = np.array([1.0, 3.0, 3.0])
EQUAL = np.full(3, 0.1)                 # np.std(EQUAL) is 1.4e-17, not 0


def E(id, fn, k, g, args, expected, **kwargs):
    return pytest.param(fn, k, g, args, kwargs, expected, id=id)


CASES = [
    # kinks and zeros
    E("abs-0", np.absolute, 0, np.ones(3), (Z,), [-1.0, 0.0, 1.0]),
    E("fabs-0", np.fabs, 0, np.ones(3), (Z,), [-1.0, 0.0, 1.0]),
    E("operator.abs-0", operator.abs, 0, np.ones(3), (Z,), [-1.0, 0.0, 1.0]),
    E("builtin-abs-0", abs, 0, 1.0, (0.0,), 0.0),
    E("math.fabs-0", math.fabs, 0, 1.0, (0.0,), 0.0),
    E("copysign-0", np.copysign, 0, np.ones(3), (Z, -1.0), [1.0, 0.0, -1.0]),
    E("math.copysign-0", math.copysign, 0, 1.0, (0.0, -1.0), 0.0),
    E("math.copysign-sign", math.copysign, 1, 1.0, (2.0, -1.0), 0.0),
    E("sinc-0", np.sinc, 0, np.ones(3), (Z,), [(np.cos(-np.pi) - np.sinc(-1.0)) / -1.0, 0.0,
                                             (np.cos(2 * np.pi) - np.sinc(2.0)) / 2.0]),
    E("heaviside-at-0", np.heaviside, 1, np.ones(3), (Z, np.full(3, 0.5)), [0.0, 1.0, 0.0]),
    E("heaviside-step", np.heaviside, 0, np.ones(3), (Z, 0.5), [0.0, 0.0, 0.0]),
    E("prod-one-zero", np.prod, 0, 1.0, (np.array([2.0, 0.0, 3.0]),), [0.0, 6.0, 0.0]),
    E("prod-two-zeros", np.prod, 0, 1.0, (np.array([0.0, 0.0, 3.0]),), [0.0, 0.0, 0.0]),
    E("cumprod-zero", np.cumprod, 0, np.ones(3), (np.array([2.0, 0.0, 3.0]),),
      [1.0, 2.0 + 6.0, 0.0]),
    # singular points: the true (infinite) derivative
    E("sqrt-0", np.sqrt, 0, np.ones(3), (np.abs(Z),), [0.5, INF, 0.5 / np.sqrt(2.0)]),
    E("cbrt-0", np.cbrt, 0, np.ones(1), (np.zeros(1),), [INF]),
    E("log-0", np.log, 0, np.ones(1), (np.zeros(1),), [INF]),
    E("math.sqrt-0", math.sqrt, 0, 1.0, (0.0,), INF),
    E("arcsin-1", np.arcsin, 0, np.ones(1), (np.ones(1),), [INF]),
    # powers at a zero base
    E("pow-0-0", operator.pow, 0, np.ones(3), (np.zeros(3), 0), [0.0, 0.0, 0.0]),
    E("pow-x-0", operator.pow, 0, np.ones(3), (Z, 0), [0.0, 0.0, 0.0]),
    E("pow-0-1", operator.pow, 0, np.ones(1), (np.zeros(1), 1), [1.0]),
    E("pow-0-2", operator.pow, 0, np.ones(1), (np.zeros(1), 2), [0.0]),
    E("pow-0-half", operator.pow, 0, np.ones(1), (np.zeros(1), 0.5), [INF]),
    E("pow-0-array-exponent", np.power, 0, np.ones(3), (np.zeros(3), np.array([0.0, 1.0, 2.0])),
      [0.0, 1.0, 0.0]),
    E("pow-scalar-0-0", operator.pow, 0, 1.0, (0.0, 0), 0.0),
    E("pow-scalar-0-half", operator.pow, 0, 1.0, (0.0, 0.5), INF),
    E("pow-scalar-0-3", operator.pow, 0, 1.0, (0.0, 3), 0.0),
    E("builtin-pow-0-0", pow, 0, 1.0, (0.0, 0), 0.0),
    E("math.pow-0-0", math.pow, 0, 1.0, (0.0, 0.0), 0.0),
    E("math.pow-0-half", math.pow, 0, 1.0, (0.0, 0.5), INF),
    E("pow-exponent-at-0", operator.pow, 1, np.ones(1), (np.zeros(1), np.full(1, 2.0)), [0.0]),
    E("float_power-0-0", np.float_power, 0, np.ones(2), (np.zeros(2), 0.0), [0.0, 0.0]),
    # ties split evenly
    E("maximum-tie", np.maximum, 0, np.ones(3), (TIE, np.full(3, 3.0)), [0.0, 0.5, 0.5]),
    E("maximum-relu-0", np.maximum, 0, np.ones(3), (Z, 0.0), [0.0, 0.5, 1.0]),
    E("minimum-tie", np.minimum, 1, np.ones(3), (TIE, np.full(3, 3.0)), [0.0, 0.5, 0.5]),
    E("fmax-tie", np.fmax, 0, np.ones(3), (TIE, TIE), [0.5, 0.5, 0.5]),
    E("fmin-tie", np.fmin, 1, np.ones(3), (TIE, TIE), [0.5, 0.5, 0.5]),
    E("clip-boundary", np.clip, 0, np.ones(3), (TIE, 1.0, 3.0), [0.5, 0.5, 0.5]),
    E("clip-lower-bound", np.clip, 1, np.ones(3), (Z, 0.0, 1.0), 0.5 + 1.0),
    E("clip-upper-bound", np.clip, 2, np.ones(3), (TIE, 0.0, 3.0), 0.5 + 0.5),
    E("ndarray.clip-boundary", np.ndarray.clip, 0, np.ones(3), (TIE, 1.0, 3.0), [0.5, 0.5, 0.5]),
    E("max-tie", np.max, 0, 1.0, (TIE,), [0.0, 0.5, 0.5]),
    E("amax-tie", np.amax, 0, 1.0, (TIE,), [0.0, 0.5, 0.5]),
    E("nanmax-tie", np.nanmax, 0, 1.0, (TIE,), [0.0, 0.5, 0.5]),
    E("min-tie", np.min, 0, 1.0, (np.array([1.0, 1.0, 3.0]),), [0.5, 0.5, 0.0]),
    E("max-axis-tie", np.max, 0, np.ones(2), (np.array([[1.0, 1.0], [0.0, 2.0]]),),
      [[0.5, 0.5], [0.0, 1.0]], axis=1),
    E("max-initial-wins", np.max, 0, 1.0, (TIE,), [0.0, 0.0, 0.0], initial=10.0),
    E("ptp-tie", np.ptp, 0, 1.0, (np.array([1.0, 1.0, 3.0, 3.0]),), [-0.5, -0.5, 0.5, 0.5]),
    E("builtin-max-2-tie", max, 0, 1.0, (0.5, 0.5), 0.5),
    E("builtin-max-3-tie", max, 2, 1.0, (0.1, -0.2, 0.1), 0.5),
    E("builtin-max-3-loser", max, 1, 1.0, (0.1, -0.2, 0.1), 0.0),
    E("builtin-min-list-tie", min, 0, 1.0, ([1.0, 1.0, 3.0],), (0.5, 0.5, 0.0)),
    E("sort-tie-stable", np.sort, 0, np.array([10.0, 20.0, 30.0]), (np.array([1.0, 0.0, 1.0]),),
      [20.0, 10.0, 30.0]),
    E("unique-equal-entries", np.unique, 0, np.array([3.0, 4.0]),
      (np.array([0.5, -1.0, 0.5]),), [2.0, 3.0, 2.0]),
    E("linalg-norm-inf-tie", np.linalg.norm, 0, 1.0, (np.array([1.0, -3.0, 3.0]), np.inf),
      [0.0, -0.5, 0.5]),
    # norm-like at 0: the subgradient 0
    E("norm-0", np.linalg.norm, 0, 1.0, (np.zeros(3),), [0.0, 0.0, 0.0]),
    E("vector_norm-0", np.linalg.vector_norm, 0, np.float64(1.0), (np.zeros(3),), [0.0, 0.0, 0.0]),
    E("hypot-0", np.hypot, 0, np.ones(1), (np.zeros(1), np.zeros(1)), [0.0]),
    E("arctan2-0", np.arctan2, 1, np.ones(1), (np.zeros(1), np.zeros(1)), [0.0]),
    E("math.hypot-0", math.hypot, 0, 1.0, (0.0, 0.0), 0.0),
    E("math.atan2-0", math.atan2, 0, 1.0, (0.0, 0.0), 0.0),
    E("std-equal-entries", np.std, 0, 1.0, (EQUAL,), [0.0, 0.0, 0.0]),
    E("std-equal-rows", np.std, 0, np.ones(2), (np.array([[0.1, 0.1, 0.1], [1.0, 2.0, 3.0]]),),
      [[0.0, 0.0, 0.0], [-1.0 / np.sqrt(6.0), 0.0, 1.0 / np.sqrt(6.0)]], axis=1),
    E("std-equal-ddof", np.std, 0, 1.0, (np.full(4, 0.7),), [0.0] * 4, ddof=1),
    E("ndarray.std-equal", np.ndarray.std, 0, 1.0, (EQUAL,), [0.0, 0.0, 0.0]),
    # repeated indices
    E("getitem-repeat", operator.getitem, 0, np.array([1.0, 2.0, 3.0]), (np.zeros(5), [0, 0, 3]),
      [3.0, 0.0, 0.0, 3.0, 0.0]),
    E("getitem-repeat-2d", operator.getitem, 0, np.array([1.0, 2.0]),
      (np.zeros((2, 2)), ([1, 1], [0, 0])), [[0.0, 0.0], [3.0, 0.0]]),
    E("take-repeat", np.take, 0, np.array([1.0, 2.0]), (np.zeros(3), [2, 2]), [0.0, 0.0, 3.0]),
    E("setitem-repeat-last-write", ops.setitem, 2, np.array([1.0, 2.0, 3.0, 4.0]),
      (np.zeros(4), [1, 1, 2], np.array([5.0, 6.0, 7.0])), [0.0, 2.0, 3.0]),
    E("setitem-repeat-broadcast", ops.setitem, 2, np.array([1.0, 2.0, 3.0, 4.0]),
      (np.zeros(4), [1, 1, 2], 5.0), 5.0),
    E("setitem-repeat-2d", ops.setitem, 2, np.arange(6.0).reshape(3, 2),
      (np.zeros((3, 2)), ([0, 0, 2], [1, 1, 0]), np.array([5.0, 6.0, 7.0])), [0.0, 1.0, 4.0]),
    E("setitem-repeat-old-value", ops.setitem, 0, np.ones(4),
      (np.zeros(4), [1, 1, 2], np.array([5.0, 6.0, 7.0])), [1.0, 0.0, 0.0, 1.0]),
    # floor modulo
    E("mod-x", operator.mod, 0, 1.0, (1.3, 0.7), 1.0),
    E("mod-c", operator.mod, 1, 1.0, (1.3, 0.7), -1.0),
    E("mod-c-negative", operator.mod, 1, 1.0, (-1.3, 0.7), 2.0),
    E("np.mod-c", np.mod, 1, np.ones(2), (np.array([1.3, 2.9]), 0.7), -(1.0 + 4.0)),
]


def _primal(fn, args, kwargs):
    if fn is ops.setitem:
        out = np.array(args[0], copy=True)
        out[args[1]] = args[2]
        return out
    return fn(*args, **kwargs)


@pytest.mark.parametrize("fn, k, g, args, kwargs, expected", CASES)
def test_edge_point_follows_the_policy(fn, k, g, args, kwargs, expected):
    with np.errstate(all="ignore"):
        ans = _primal(fn, args, kwargs)
        got = lookup(fn).vjp(k)(g, ans, *args, **kwargs)
    if isinstance(expected, tuple):
        assert tuple(got) == expected
        return
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), expected, rtol=1e-12, atol=0)
    assert np.shape(got) == np.shape(args[k]), "the cotangent has the argument's shape"


def test_edge_points_raise_no_python_error_for_scalars():
    """Python floats at singular points: no ZeroDivisionError from the rules."""
    for fn, k, args in [(operator.pow, 0, (0.0, -1)), (operator.pow, 0, (0.0, 0)),
                        (math.pow, 0, (0.0, 0.25)), (operator.truediv, 1, (0.0, 0.0))]:
        ans = 0.0 if fn is operator.truediv else 1.0
        lookup(fn).vjp(k)(1.0, ans, *args)
