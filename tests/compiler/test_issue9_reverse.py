"""Issue 9, families 2-4 and the loop/CSE platform items: the reverse pass
and the optimisation passes must give Python's value and the gradient of
central finite differences.

* A value from outside a loop passed along an edge inside it (a join fed
  a bare parameter, ``t = x`` in one arm; the start value of a nested loop)
  is a cotangent carried through the reverse loop.
* An in-place ``v[i] = ...`` accounts for every value that may share the
  array: ``v = np.sqrt(t); for i ...: v[i] += 1`` writes, on the first trip,
  into the array sqrt's adjoint reads.
* Loop-invariant code motion never runs code Python would not run (a loop
  that makes no trip).
* CSE keys constants alike on Python 3.10-3.13 (slices became hashable in
  3.12).
"""
import copy
import re

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.ir.nodes import Const

from . import issue9_reverse_examples as ex
from .fd import numerical_grad

A3 = np.array([0.3, -0.7, 1.1])
POS3 = np.array([0.4, 1.3, 2.2])

CASES = [
    # family 2: a bare variable through a branch inside a loop
    (ex.branch_bare_param, (1.0,), (0,)),
    (ex.branch_bare_param, (200.0,), (0,)),
    (ex.ternary_bare_param, (1.0,), (0,)),
    (ex.return_bare_param_in_loop, (1.0, np.ones(2)), (0,)),
    (ex.return_bare_param_in_loop, (1.0, -np.ones(2)), (0,)),
    (ex.alternate_params, (1.0, 3.0), (0, 1)),
    (ex.append_bare_param, (1.0, 2.0), (0, 1)),
    (ex.bare_param_while_break, (0.7, -1.3), (0, 1)),
    (ex.bare_param_continue, (0.7, -1.3), (0, 1)),
    (ex.bare_param_continue, (0.2, -1.3), (0, 1)),
    (ex.bare_param_nested_loops, (0.7, -1.3), (0, 1)),
    (ex.bare_param_branch_in_loop_in_branch, (0.7, 1.3), (0, 1)),
    (ex.bare_param_branch_in_loop_in_branch, (0.7, -1.3), (0, 1)),
    (ex.alias_of_param_through_branch, (0.7, 1.3), (0, 1)),
    (ex.bare_array_param_in_branch, (0.7, A3), (0, 1)),
    (ex.bare_param_into_inner_loop, (0.7, 1.3), (0, 1)),
    (ex.bare_param_loop_zero_trips, (0.7, 1.3, 0), (0, 1)),
    (ex.bare_param_loop_zero_trips, (0.7, 1.3, 3), (0, 1)),
    # family 3: a loop-invariant assignment in an inner loop
    (ex.invariant_inner_assignment, (1.0,), (0,)),
    (ex.invariant_inner_assignment_while, (0.7, 1.3), (0, 1)),
    (ex.invariant_three_levels, (0.7, 1.3), (0, 1)),
    # family 4: in-place updates of an array the adjoint reads
    (ex.sqrt_then_update_in_loop, (np.array([1.0, 2.0, 3.0]),), (0,)),
    (ex.exp_then_update_in_loop, (A3,), (0,)),
    (ex.tanh_then_update_in_nested_loop, (A3,), (0,)),
    (ex.sqrt_then_update_in_branch_in_loop, (POS3, 0.5), (0, 1)),
    (ex.sqrt_then_update_in_branch_in_loop, (POS3, -0.5), (0, 1)),
    (ex.sqrt_then_update_in_while, (POS3,), (0,)),
    (ex.view_read_after_loop_update, (A3,), (0,)),
    (ex.update_loop_reads_pre_loop_value, (A3,), (0,)),
    (ex.sqrt_updated_twice, (POS3,), (0,)),
    (ex.equal_arrays_one_updated, (0.7, A3), (0, 1)),
    (ex.equal_arrays_zero_trip_second, (0.7, A3), (0, 1)),
    (ex.array_bound_in_branch_then_updated, (0.7, A3, 0.5), (0, 1, 2)),
    (ex.array_bound_in_branch_then_updated, (0.7, A3, -0.5), (0, 1, 2)),
    # loop-invariant code of loops that run zero times (or do run)
    (ex.invariant_product_zero_trips, (np.ones(2), np.ones(3), 0), (0,)),
    (ex.invariant_product_zero_trips, (A3, POS3, 3), (0, 1)),
    (ex.invariant_sin_zero_trips, (np.ones(2), np.ones(3), 0), (0,)),
    (ex.invariant_sin_zero_trips, (A3, POS3, 2), (0, 1)),
    (ex.invariant_in_nested_zero_trips, (np.ones(2), np.ones(3), 0), (0,)),
    (ex.invariant_in_nested_zero_trips, (A3, POS3, 2), (0, 1)),
    (ex.constant_outer_zero_trips, (0.7, 1.3), (0, 1)),
    (ex.stencil, (np.linspace(0.0, 1.0, 9) ** 2, 0.2, 4), (0, 1)),
]


def _ids(case):
    fn, args, _ = case
    return fn.__name__ + "-" + "-".join(str(a) for a in args if not isinstance(a, np.ndarray))


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_value_and_gradient_match_python_and_finite_differences(case):
    fn, args, wrt = case
    expected = fn(*copy.deepcopy(args))
    value, grads = adc.value_and_grad(fn, wrt=wrt)(*copy.deepcopy(args))
    np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-12)
    for k, g in zip(wrt, grads):
        np.testing.assert_allclose(g, numerical_grad(fn, copy.deepcopy(args), k),
                                   rtol=1e-5, atol=1e-6, err_msg=f"d/d arg {k}")


def test_issue_reproducers_exact_values():
    assert adc.value_and_grad(ex.branch_bare_param)(1.0) == (2.0, 2.0)
    assert adc.value_and_grad(ex.invariant_inner_assignment)(1.0) == (4.0, 4.0)
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(adc.grad(ex.sqrt_then_update_in_loop)(x), x / np.sqrt(x * x + 1))


def test_zero_trip_loop_does_not_run_hoisted_code():
    # Python never multiplies shapes (2,) and (3,) here: neither may the gradient
    x, y = np.ones(2), np.ones(3)
    value, g = adc.value_and_grad(ex.invariant_product_zero_trips)(x, y, 0)
    assert value == 2.0
    np.testing.assert_array_equal(g, np.ones(2))
    with pytest.raises(ValueError, match="broadcast"):
        adc.value_and_grad(ex.invariant_product_zero_trips)(x, y, 1)


def test_counted_loop_body_is_still_hoisted_behind_a_trip_guard():
    src = adc.grad(ex.invariant_product_zero_trips).source
    before, loop = re.split(r"^\s*for i in range\(n\):", src, flags=re.M)[:2]
    assert "= x * y" in before.split("if runs")[1]
    assert "= x * y" not in loop


def test_sqrt_then_update_copies_once_not_every_trip():
    src = adc.grad(ex.sqrt_then_update_in_loop).source
    loop = src.split("for i in range")[1].split("seed_cotangent")[0]
    assert ".copy()" not in loop
    assert "own(v)" in src


def test_constants_are_keyed_alike_on_every_python():
    assert Const(slice(1, -1)) == Const(slice(1, -1))
    assert hash(Const(slice(1, -1))) == hash(Const(slice(1, -1)))
    assert Const(slice(1, -1)) != Const(slice(1, None))
    assert Const((slice(None, 2), 0)) == Const((slice(None, 2), 0))
    assert Const(0.0) != Const(-0.0)
    assert Const(1) != Const(True)


def test_stencil_reads_u_once_and_never_copies_it():
    # the two reads of u[1:-1] are one value on every Python version, and
    # the update of u stays in place (only shapes of its views are stacked)
    src = adc.grad(ex.stencil, wrt=1).source
    loop = src.split("for i in range")[1].split("seed_cotangent")[0]
    assert loop.count("= u_1[1:-1]") == 1     # one read (the other merged into it)
    assert ".copy()" not in loop
    assert "shape_proxy" in loop
