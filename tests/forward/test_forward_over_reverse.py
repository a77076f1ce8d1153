"""transforms/forward.py runs over generated reverse-mode code too (the
runtime helpers have forward rules, rules/helpers_forward.py): the tangent
of a gradient is a Hessian-vector product, checked against finite
differences of the gradient.  (The public hvp/hessian API is built on this
elsewhere.)"""
import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler import cache
from ad_compiler.backend.emit import emit_function
from ad_compiler.transforms.activity import activity
from ad_compiler.transforms.forward import forward
from ad_compiler.transforms.simplify import dce, simplify

from . import fwd_examples as ex


def _hvp_function(gf, x):
    gf(x)
    joint = gf._last.graph
    act = activity(joint, [joint.entry.params[0]], joint.blocks[-1].term.value)
    g = dce(simplify(forward(joint, (0,), act, gf.__name__)))
    emitted = emit_function(g, "hvp", g.arg_names)
    module, _ = cache.load_module("hvp", emitted.source, emitted.globals)
    return module.hvp


def test_forward_over_reverse_is_a_hessian_vector_product():
    gf = adc.grad(ex.hvp_target)
    x, v = np.array([0.3, 0.5, 0.9]), np.array([1.0, -1.0, 0.5])
    hvp = _hvp_function(gf, x)
    (value, grad), (_, grad_dot) = hvp(x, None, v)
    eps = 1e-6
    np.testing.assert_allclose(grad, gf(x), rtol=1e-12)
    np.testing.assert_allclose(grad_dot, (gf(x + eps * v) - gf(x - eps * v)) / (2 * eps),
                               rtol=1e-6, atol=1e-8)


def test_forward_over_a_reverse_pass_with_stacks():
    """The loop's tapes (a counted loop: preallocated) get tangent tapes beside
    them, stored and loaded at the same trip numbers."""
    from ad_compiler.ir import ops
    gf = adc.grad(ex.loop_target)
    x, v = np.array([0.3, -0.5, 0.9]), np.array([1.0, 2.0, -0.5])
    hvp = _hvp_function(gf, x)
    assert any(i.fn is ops.tape_store for i in gf._last.graph.instructions())   # (tapes in use)
    (value, grad), (_, grad_dot) = hvp(x, None, v)
    eps = 1e-6
    np.testing.assert_allclose(grad, gf(x), rtol=1e-12)
    np.testing.assert_allclose(grad_dot, (gf(x + eps * v) - gf(x - eps * v)) / (2 * eps),
                               rtol=1e-6, atol=1e-8)


def test_forward_over_a_reverse_pass_with_shape_stacks_and_break():
    """golden's adjoint keeps shapes (shape_proxy) and branch flags on stacks."""
    gf = adc.grad(ex.golden)
    gf(0.5, 3)
    joint = gf._last.graph
    act = activity(joint, [joint.entry.params[0]], joint.blocks[-1].term.value)
    g = dce(simplify(forward(joint, (0,), act, "golden")))
    emitted = emit_function(g, "golden_hvp", g.arg_names)
    module, _ = cache.load_module("golden_hvp", emitted.source, emitted.globals)
    eps = 1e-6
    for x in (0.5, 1.3):
        (_, grad), (_, grad_dot) = module.golden_hvp(x, 3, None, 1.0)
        assert grad_dot == pytest.approx((gf(x + eps, 3) - gf(x - eps, 3)) / (2 * eps), rel=1e-6)
