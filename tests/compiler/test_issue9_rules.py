"""Issue 9, family 5 and the refused rule calls: each case runs the original
Python function and the compiled gradient, and checks the value against
Python, the gradient against central finite differences and, where the
tape can run the function, against the tape.

Mechanisms fixed (see the rule modules and transforms/rule_inline.py):
rules that were registered as non-differentiable although their value
follows an argument (``%``, ``copysign``, ``full``, ``linspace``,
``tolist``, ``nextafter``, ``bincount``/``unique``/``histogram``...);
singular formulas at edge points (``u ** 0``, ``std`` of equal entries,
the last write of a repeated fancy index); and a rule inliner that did
not bind operands the way Python does (``*args``, keyword-only
parameters, arity errors blamed on the rule's file).
"""
import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler import tape
from ad_compiler.errors import ADError, NoRuleError

from . import issue9_rules_examples as ex
from .fd import numerical_grad

A = np.array([0.3, -1.2, 2.5])
M = np.array([[0.3, -1.2, 2.5], [1.0, 2.0, 3.0]])

# (function, arguments, wrt, expected gradient where the point is an edge point
#  (finite differences agree there too, but the policy value is stated), run on the tape?)
CASES = [
    (ex.mod_scalar, (1.3, 0.7), (0, 1), (1.0, -1.0), False),
    (ex.mod_scalar, (-1.3, 0.7), (0, 1), (1.0, 2.0), False),
    (ex.mod_array, (A, 0.7), (0, 1), None, False),
    (ex.copysign_scalar, (1.3, -0.4), (0, 1), (-3.0 - 1.0, 0.0), False),
    (ex.copysign_array_sign_source, (A, np.array([1.0, -1.0, -2.0])), (0, 1), None, True),
    (ex.full_scalar, (1.3,), 0, -0.5, False),
    (ex.full_array_fill, (np.array([0.5, 1.0, -1.0]),), 0, [3.0, 5.0, 7.0], False),
    (ex.full_like_first, (A,), 0, [-0.5, 0.0, 0.0], True),
    (ex.linspace_ends, (0.5,), 0, None, True),
    (ex.linspace_no_endpoint, (np.array([0.5, 1.0]), np.array([2.0, -1.0])), (0, 1), None, True),
    (ex.logspace_start, (0.5,), 0, None, True),
    (ex.logspace_base, (0.5, 3.0), (0, 1), None, True),
    (ex.geomspace_ends, (0.5, 4.0), (0, 1), None, True),
    (ex.geomspace_ends, (-0.5, -4.0), (0, 1), None, True),
    (ex.arange_start_step, (0.25, 0.45), (0, 1), None, False),
    (ex.sum_of_tolist, (A,), 0, [1.0, 1.0, 1.0], False),
    (ex.tolist_items, (A,), 0, 2 * A + [0.0, 3.0, 0.0], False),
    (ex.nextafter_scale, (1.3,), 0, 2.0, True),
    (ex.std_of_equal_entries, (0.1,), 0, 0.0, True),
    (ex.std_of_equal_entries, (0.7,), 0, 0.0, True),
    (ex.std_rows, (np.array([[0.1, 0.1, 0.1], [1.0, 2.0, 4.0]]),), 0, None, True),
    (ex.power_zero_array, (np.zeros(3),), 0, [0.0, 0.0, 0.0], True),
    (ex.power_zero_array, (A,), 0, 2 * A, True),
    (ex.power_zero_scalar, (0.0,), 0, 0.0, False),
    (ex.power_zero_scalar, (1.5,), 0, 3.0, False),
    (ex.setitem_repeated, (np.array([1.0, 2.0, 3.0]),), 0, [0.0, 2.0, 3.0], False),
    (ex.setitem_repeated_scalar, (1.5,), 0, 5.0, False),
    (ex.setitem_repeated_add, (np.array([1.0, 2.0, 3.0]),), 0, [0.0, 2.0, 3.0], False),
    (ex.heaviside_value_at_zero, (np.array([0.0, -1.0, 0.0]), np.array([0.5, 0.5, 0.2])), 1,
     [1.0, 0.0, 0.5], True),
    (ex.bincount_weights, (np.array([0.5, 2.0, -1.0]),), 0, [1.0, 0.5, 0.5], True),
    (ex.unique_values, (np.array([0.5, -1.0, 2.0]),), 0, [1.0, -2.0, 4.0], True),
    (ex.histogram_weights, (np.array([1.0, 2.0, 3.0, 4.0]),), 0, [1.0, 3.0, 3.0, 1.0], False),
    (ex.histogram_edges, (np.array([0.5, -1.0, 2.0, 0.1]),), 0, None, False),
    # call forms that return a tuple only sometimes (the rule table says which)
    (ex.atleast_two_arrays, (1.5, A), (0, 1), (2.0, 2 * A), False),
    (ex.atleast_two_arrays_one_used, (1.5, A), (0, 1), (2.0, [0.0, 0.0, 0.0]), False),
    (ex.unique_with_counts, (np.array([0.5, -1.0, 0.5, 2.0]),), 0, [1.0, 1.0, 1.0, 1.0], False),
    (ex.linspace_with_step, (0.5, 2.0), (0, 1), None, False),
    # refused before
    (ex.transpose_no_axes, (M,), 0, np.arange(6.0).reshape(3, 2).T, False),
    (ex.transpose_int_axes, (M,), 0, np.arange(6.0).reshape(3, 2).T, False),
    (ex.transpose_tuple_axes, (np.arange(24.0).reshape(2, 3, 4) / 10.0,), 0, None, False),
    (ex.atleast, (1.5,), 0, 3.0 + 2 * 1.5, False),
    (ex.atleast, (A,), 0, None, False),
    (ex.max_of_three, (0.5,), 0, 2.0, False),
    (ex.max_of_three, (-0.5,), 0, 0.0, False),
    (ex.max_of_three, (0.1,), 0, 1.0, False),
    (ex.min_of_four, (0.3, 0.7), (0, 1), (1.0, 0.0), False),
    (ex.min_of_four, (-0.3, 0.7), (0, 1), (2.0, 0.0), False),
    (ex.min_of_four, (0.5, 0.5), (0, 1), (0.5, 0.5), False),
    (ex.append_scalar, (A, 1.5), (0, 1), (2 * A, 3.0), False),
    (ex.names_like_a_rules_own, (A, 2.0, 3.0), (0, 1, 2), None, False),
    (ex.shadow_np, (1.5,), 0, 3.0, False),
    (ex.clip_with_keyword_bounds, (A, 0.0), (0, 1), ([1.0, 0.0, 0.0], 1.0 * -2.0), False),
]


def _ids():
    seen = {}
    out = []
    for c in CASES:
        n = c[0].__name__
        seen[n] = seen.get(n, 0) + 1
        out.append(f"{n}-{seen[n]}")
    return out


def _as_tuple(wrt, g):
    return (wrt, g) if isinstance(wrt, tuple) else ((wrt,), (g,))


@pytest.mark.parametrize("fn, args, wrt, expected, on_tape", CASES, ids=_ids())
def test_value_gradient_and_tape(fn, args, wrt, expected, on_tape):
    value, grads = adc.value_and_grad(fn, wrt=wrt)(*args)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12, atol=1e-12)
    ks, gs = _as_tuple(wrt, grads)
    for k, g in zip(ks, gs):
        np.testing.assert_allclose(g, numerical_grad(fn, args, k), rtol=1e-6, atol=1e-7,
                                   err_msg=f"d/d arg{k} vs finite differences")
        assert np.shape(g) == np.shape(args[k])
    if expected is not None:
        _, es = _as_tuple(wrt, expected)
        for g, e in zip(gs, es):
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
    if on_tape:
        got = tape.grad_of(fn, wrt=ks)(*args)
        for g, t in zip(gs, got):
            np.testing.assert_allclose(t, g, rtol=1e-9, atol=1e-12, err_msg="tape vs compiler")


def test_append_on_a_global_list_is_not_a_local():
    ex.LOG.clear()
    assert adc.grad(ex.log_to_global_list)(1.5) == 2.0
    assert ex.LOG == [1]


def test_a_call_python_rejects_is_the_users_error_at_the_users_line():
    with pytest.raises(ADError) as info:
        adc.grad(ex.sum_with_too_many_arguments)(A)
    msg = str(info.value)
    assert "np.sum() is called with arguments it does not accept" in msg
    assert "too many positional arguments" in msg
    assert "sum_with_too_many_arguments" in msg and "issue9_rules_examples.py" in msg
    assert "np.sum(a, 0, None" in msg and "numpy_reductions" not in msg


def test_a_call_the_rule_does_not_support_is_a_no_rule_error_at_the_users_line():
    with pytest.raises(NoRuleError) as info:
        adc.grad(ex.std_with_where)(A)
    msg = str(info.value)
    assert "the derivative rule std_a of np.std does not support this call" in msg
    assert "'where'" in msg and "std_with_where" in msg and "np.std(a, where=" in msg


def test_an_active_keyword_without_a_rule_is_an_error_not_a_zero():
    with pytest.raises(NoRuleError, match="keyword argument 'constant_values' of np.pad"):
        adc.grad(ex.pad_with_active_constant, wrt=1)(A, 0.5)
    assert adc.grad(ex.pad_with_active_constant, wrt=0)(A, 0.5).tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("fn, what", [(ex.normal_with_active_loc, "the method '.normal'"),
                                      (ex.module_normal_with_active_scale,
                                       "argument 1 of np.random.normal")])
def test_a_draw_with_a_differentiable_parameter_is_an_error(fn, what):
    with pytest.raises(NoRuleError, match=f"no derivative rule for {what}") as info:
        adc.grad(fn)(0.5)
    if "np.random" in what:
        assert "reparametrize: loc + scale * rng.standard_normal()" in str(info.value)


def test_the_tape_refuses_an_argument_without_a_rule_instead_of_dropping_it():
    x = tape.tensor(np.array([0.0, 1.0, 3.0]), requires_grad=True)
    y = tape.tensor(np.array([1.0, 2.0, 4.0]))
    with pytest.raises(NoRuleError, match="argument 1 of np.trapezoid"):
        np.trapezoid(y, x)
