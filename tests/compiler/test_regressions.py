"""Bugs the fuzz test found, as plain regression tests."""
import pytest

import ad_compiler as adc
from . import regression_examples as ex
from .fd import numerical_grad


@pytest.mark.parametrize("x", [0.7, 1.0, 2.5, -0.4])
@pytest.mark.parametrize("fn", [ex.nested_conditional_expression, ex.while_after_early_return_loop])
def test_branches_built_inside_branch_arms_keep_their_value(fn, x):
    assert adc.grad(fn)(x) == pytest.approx(numerical_grad(fn, (x,), 0), rel=1e-6, abs=1e-9)
