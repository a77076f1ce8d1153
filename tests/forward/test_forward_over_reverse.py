"""Forward mode over generated reverse-mode code, through the public API:
``jvp(grad(f), ...)`` runs transforms/forward.py over the gradient's graph
(the runtime helpers have forward rules, rules/helpers_forward.py), so the
tangent of a gradient is a Hessian-vector product, checked against finite
differences of the gradient; loops get tangent stacks beside their stacks."""
import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.ir import ops

from . import fwd_examples as ex


def _fd(g, args, v, eps=1e-6):
    x = args[0]
    return (np.asarray(g(x + eps * v, *args[1:])) - np.asarray(g(x - eps * v, *args[1:]))) \
        / (2 * eps)


def test_forward_over_reverse_is_a_hessian_vector_product():
    gf = adc.grad(ex.hvp_target)
    x, v = np.array([0.3, 0.5, 0.9]), np.array([1.0, -1.0, 0.5])
    grad, grad_dot = adc.jvp(gf, (x,), (v,))
    np.testing.assert_allclose(grad, gf(x), rtol=1e-12)
    np.testing.assert_allclose(grad_dot, _fd(gf, (x,), v), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(adc.hvp(ex.hvp_target)(x, v), grad_dot, rtol=1e-12)


def test_forward_over_a_reverse_pass_with_stacks():
    """The loop's tapes (a counted loop: preallocated) get tangent tapes beside
    them, stored and loaded at the same trip numbers."""
    gf = adc.grad(ex.loop_target)
    x, v = np.array([0.3, -0.5, 0.9]), np.array([1.0, 2.0, -0.5])
    gf(x)
    assert any(i.fn is ops.tape_store for i in gf._last.graph.instructions())   # (tapes in use)
    grad, grad_dot = adc.jvp(gf, (x,), (v,))
    np.testing.assert_allclose(grad, gf(x), rtol=1e-12)
    np.testing.assert_allclose(grad_dot, _fd(gf, (x,), v), rtol=1e-6, atol=1e-8)
    src = adc.forward_api._jvp_function(gf, (0,), "python").source
    assert "tape_dot" in src or "_dot_tape" in src, src


def test_forward_over_a_reverse_pass_with_shape_stacks_and_break():
    """golden's adjoint keeps shapes (shape_proxy) and branch flags on stacks."""
    gf = adc.grad(ex.golden)
    eps = 1e-6
    for x in (0.5, 1.3):
        grad, grad_dot = adc.jvp(gf, (x, 3), (1.0, None))
        assert grad == pytest.approx(gf(x, 3), rel=1e-12)
        assert grad_dot == pytest.approx((gf(x + eps, 3) - gf(x - eps, 3)) / (2 * eps), rel=1e-6)
        assert type(grad_dot) is float
        assert adc.hessian(ex.golden)(x, 3) == pytest.approx(grad_dot, rel=1e-12)
