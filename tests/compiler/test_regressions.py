"""Bugs the fuzz test found, as plain regression tests."""
import pytest

import ad_compiler as adc
from . import regression_examples as ex
from .fd import numerical_grad


@pytest.mark.parametrize("x", [0.7, 1.0, 2.5, -0.4])
@pytest.mark.parametrize("fn", [ex.nested_conditional_expression, ex.while_after_early_return_loop])
def test_branches_built_inside_branch_arms_keep_their_value(fn, x):
    assert adc.grad(fn)(x) == pytest.approx(numerical_grad(fn, (x,), 0), rel=1e-6, abs=1e-9)


def test_an_error_inside_generated_code_names_the_users_line():
    import inspect
    import numpy as np
    with pytest.raises(ValueError) as info:
        adc.grad(ex.shape_bug)(np.ones((2, 3)), np.ones((4, 1)))
    note = "\n".join(getattr(info.value, "__notes__", []))
    line = inspect.getsourcelines(ex.shape_bug)[1] + 1
    assert f"regression_examples.py:{line}: y = x @ w" in note
    assert "raised in the gradient of shape_bug" in note


@pytest.mark.parametrize("x", [0.3, 1.2])
def test_loop_carried_value_whose_final_value_is_unused(x):
    f = ex.carried_value_not_in_output
    assert adc.grad(f)(x, 7) == pytest.approx(numerical_grad(f, (x, 7), 0), rel=1e-6)


def test_power_keeps_scalar_code_free_of_shape_checks():
    # the ** rule goes through safe_mul; it must not hide that values are scalars
    g = adc.grad(ex.power_in_scalar_loop)
    assert g(0.7, 20) == pytest.approx(numerical_grad(ex.power_in_scalar_loop, (0.7, 20), 0),
                                       rel=1e-6)
    assert "unbroadcast(" not in g.source


@pytest.mark.parametrize("a", [2.0, 9.0, 0.3])
def test_body_adjoint_reading_a_value_computed_by_the_while_test(a):
    # w_newton_sqrt: x * x - a is computed by the while test and again in the
    # body (CSE shares it), so the body's adjoint reads a value the test defined
    from .corpus import w_newton_sqrt
    assert adc.grad(w_newton_sqrt)(a) == pytest.approx(0.5 / a ** 0.5, rel=1e-8)
