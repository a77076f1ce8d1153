"""custom_vjp and stop_gradient: both only write to the one rule table."""
import numpy as np
import pytest

import ad_compiler.rules as rules
from ad_compiler.rules import custom_vjp, lookup, stop_gradient


def clipped_log_x(g, ans, x, eps=1e-12):
    return g / np.maximum(x, eps)


@custom_vjp(clipped_log_x, None)
def clipped_log(x, eps=1e-12):
    """log, with a gradient that never divides by less than eps."""
    return np.log(np.maximum(x, eps))


def scale_x(g, ans, x, s):
    return g * s


def scale_s(g, ans, x, s):
    return np.sum(g * x)


@custom_vjp()
def scale(x, s):
    return x * s


scale.defvjp(scale_x, scale_s)


def polar_r(g, ans, r, t):
    gx, gy = g
    return (0.0 if gx is None else gx * np.cos(t)) + (0.0 if gy is None else gy * np.sin(t))


@custom_vjp(polar_r, None, multiple_results=True)
def polar(r, t):
    return r * np.cos(t), r * np.sin(t)


def test_custom_rule_is_registered_and_function_unchanged():
    rule = lookup(clipped_log)
    assert rule.vjp(0) is clipped_log_x and rule.vjp(1) is None
    assert rule.doc.startswith("log, with a gradient")
    assert clipped_log(np.e) == pytest.approx(1.0)
    x = np.array([0.0, 2.0])
    np.testing.assert_allclose(rule.vjp(0)(np.ones(2), None, x), [1e12, 0.5])


def test_rules_given_later_with_defvjp():
    rule = lookup(scale)
    assert rule.diff_argnums() == (0, 1)
    assert rule.vjp(1)(np.ones(3), None, np.arange(3.0), 2.0) == 3.0


def test_multiple_results_get_tuple_cotangents_with_none():
    rule = lookup(polar)
    assert rule.multiple_results
    assert rule.vjp(0)((1.0, None), None, 2.0, 0.0) == pytest.approx(1.0)
    assert rule.vjp(0)((None, 1.0), None, 2.0, np.pi / 2) == pytest.approx(1.0)


def test_rule_parameters_must_match_the_function():
    def bad_rule(g, ans, y):
        return g

    with pytest.raises(TypeError, match="same names"):
        @custom_vjp(bad_rule)
        def f(x):
            return x


def test_bare_decorator_is_a_clear_error():
    with pytest.raises(TypeError, match="custom_vjp"):
        @custom_vjp
        def f(x):
            return x


def test_stop_gradient_is_identity_and_nondifferentiable():
    x = np.arange(3.0)
    assert stop_gradient(x) is x
    assert lookup(stop_gradient).nondiff


def test_exports():
    for name in ("custom_vjp", "stop_gradient", "defvjp", "lookup", "nondifferentiable",
                 "all_rules"):
        assert name in rules.__all__ and hasattr(rules, name)
