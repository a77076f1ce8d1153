"""Issue 9 family 8 and the loop fixes under backend="numba": the same value
and gradient as Python (and finite differences).

A value the adjoint reads from one arm of an ``if`` is passed out through
the join with ``None`` from the other arm; Numba types it ``Optional``.
The twins of the run-time helpers declined nothing, so ``unbroadcast`` of
an ``Optional(array)`` took the scalar path (a sum: ``np.mean`` off by a
factor of n).  They now decline ``Optional`` and Numba retypes the call on
the underlying type.
"""
import copy

import numpy as np
import pytest

import ad_compiler as adc

from compiler import issue9_reverse_examples as rx
from compiler.fd import numerical_grad
from . import issue9_numba_examples as ex

pytest.importorskip("numba")

RNG = np.random.default_rng(9)
B3 = np.array([0.5, -1.0, 2.0])
A23, W32, C22 = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 2)), RNG.standard_normal((2, 2))
POS3 = np.array([0.4, 1.3, 2.2])

CASES = [
    (ex.merged_then_mean, (1.0, B3), (0, 1)),
    (ex.merged_then_mean, (-1.0, B3), (0, 1)),
    (ex.merged_then_matmul, (-1.0, A23, W32, C22), (0, 1)),
    (ex.merged_then_matmul, (1.0, A23, W32, C22), (0, 1)),
    (ex.merged_then_broadcast, (0.7, B3, POS3), (0, 1, 2)),
    (ex.merged_then_broadcast, (-0.7, B3, POS3), (0, 1, 2)),
    (ex.merged_in_loop_then_mean, (0.7, B3), (0, 1)),
    (ex.nested_merges_then_sum, (1.5, B3), (0, 1)),
    (ex.nested_merges_then_sum, (0.5, B3), (0, 1)),
    (ex.nested_merges_then_sum, (-0.5, B3), (0, 1)),
    (ex.merged_unary_rules, (0.7, B3), (0, 1)),
    (ex.merged_unary_rules, (-0.7, B3), (0, 1)),
    (ex.merged_reductions_over_axes, (0.7, A23), (0, 1)),
    (ex.merged_reductions_over_axes, (-0.7, A23), (0, 1)),
    (ex.merged_products, (0.7, A23, W32), (0, 1, 2)),
    (ex.merged_products, (-0.7, A23, W32), (0, 1, 2)),
    # the reverse-pass families, lowered
    (rx.branch_bare_param, (1.0,), (0,)),
    (rx.alternate_params, (1.0, 3.0), (0, 1)),
    (rx.bare_param_nested_loops, (0.7, -1.3), (0, 1)),
    (rx.invariant_inner_assignment, (1.0,), (0,)),
    (rx.sqrt_then_update_in_loop, (np.array([1.0, 2.0, 3.0]),), (0,)),
    (rx.invariant_product_zero_trips, (np.ones(2), np.ones(3), 0), (0,)),
    (rx.invariant_product_zero_trips, (B3, POS3, 3), (0, 1)),
    (rx.invariant_in_nested_zero_trips, (B3, POS3, 0), (0, 1)),
    (rx.invariant_in_nested_zero_trips, (B3, POS3, 2), (0, 1)),
    (rx.constant_outer_zero_trips, (0.7, 1.3), (0, 1)),
]


def _ids(case):
    fn, args, _ = case
    return fn.__name__ + "-" + "-".join(str(a) for a in args if not isinstance(a, np.ndarray))


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_numba_matches_python_and_finite_differences(case):
    fn, args, wrt = case
    expected = fn(*copy.deepcopy(args))
    py_value, py_grads = adc.value_and_grad(fn, wrt=wrt)(*copy.deepcopy(args))
    nb_value, nb_grads = adc.value_and_grad(fn, wrt=wrt, backend="numba")(*copy.deepcopy(args))
    np.testing.assert_allclose(nb_value, expected, rtol=1e-12, atol=1e-12)
    for k, p, n in zip(wrt, py_grads, nb_grads):
        fd = numerical_grad(fn, copy.deepcopy(args), k)
        np.testing.assert_allclose(p, fd, rtol=1e-5, atol=1e-6, err_msg=f"python d/d arg {k}")
        np.testing.assert_allclose(n, p, rtol=1e-10, atol=1e-12, err_msg=f"numba d/d arg {k}")
