"""assert, raise and f-strings run in the forward pass as in Python (an
assert's message is built only when it fails) and carry no gradient."""
import numpy as np
import pytest

import ad_compiler as adc
from . import statement_examples as ex


def test_checks_pass_and_the_gradient_is_right(capsys):
    x = np.array([0.3, -0.2])
    g = adc.grad(ex.checked)(x, 3)
    s = np.sum(x) * 3.0                   # sum over i of sum(x * i)
    np.testing.assert_allclose(g, 2 * s * 3.0 * np.ones(2))
    assert capsys.readouterr().out == f"s = {s:.3f} ({s!r})\n"


def test_assert_failure_has_pythons_message():
    with pytest.raises(AssertionError, match="n must be >= 0, got -1"):
        adc.grad(ex.checked)(np.ones(2), -1)
    with pytest.raises(AssertionError):
        adc.grad(ex.assert_without_message)(-1.0)
    assert adc.grad(ex.assert_without_message)(2.0) == pytest.approx(4.0)


def test_raise_in_a_branch_and_in_a_loop():
    with pytest.raises(ValueError, match=r"expected a vector, got shape \(2, 2\)"):
        adc.grad(ex.checked)(np.ones((2, 2)), 2)
    with pytest.raises(OverflowError, match="diverged"):
        adc.grad(ex.raise_in_loop)(10.0)
    assert adc.grad(ex.raise_in_loop)(0.1) == pytest.approx(3.0 ** 5)


def test_assert_message_is_built_only_on_failure():
    src = adc.grad(ex.checked).source
    fail_branch = src.split("if t2:")[1].split("# line 5")[0]
    assert ".format(n)" in fail_branch and "raise" in fail_branch
