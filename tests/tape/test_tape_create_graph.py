"""create_graph=True on the tape (PyTorch's semantics), on the seeds'
examples: second and third derivatives, Hessian-vector products equal to
the compiled ones, .grad that is part of the graph."""
import math

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler import tape


def test_polynomial_of_the_seed_tutorial_to_third_order():
    x = tape.tensor(2.0, requires_grad=True)
    y = 2 * x ** 4 + x ** 3 + 3 * x ** 2 + 5 * x + 1
    (g,) = tape.grad(y, x, create_graph=True)
    assert g.item() == 93.0 and g.grad_fn is not None
    (h,) = tape.grad(g, x, create_graph=True)
    assert h.item() == 24 * 4 + 6 * 2 + 6
    (t,) = tape.grad(h, x)
    assert t.item() == 48 * 2 + 6 and t.grad_fn is None


def test_backward_create_graph_makes_grad_differentiable():
    """The seed tutorial's out = mean(2 (x + 2)^2) + sum(sin x): x.grad from
    backward(create_graph=True) has a grad_fn; backward through it gives H v."""
    x = tape.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = (2 * (x + 2) ** 2).mean() + tape.sin(x).sum()
    out.backward(create_graph=True)
    gx = x.grad
    assert gx.grad_fn is not None
    np.testing.assert_allclose(gx.data, 4 / 3 * (x.data + 2) + np.cos(x.data))
    v = np.array([1.0, 0.5, -1.0])
    x.grad = None
    (gx * tape.tensor(v)).sum().backward()
    np.testing.assert_allclose(x.grad.data, 4 / 3 * v - np.sin(x.data) * v)


A = np.random.default_rng(0).standard_normal((3, 3))


def model(w):
    return np.sum(np.tanh(w) ** 2) + w @ A @ w + np.mean(np.exp(w) / (1.0 + w * w))


def test_hessian_vector_product_equals_the_compiled_one():
    w0 = np.array([0.1, -0.4, 0.7])
    v = np.array([1.0, 0.5, -1.0])
    w = tape.tensor(w0, requires_grad=True)
    (gw,) = tape.grad(model(w), w, create_graph=True)
    (hv,) = tape.grad((gw * tape.tensor(v)).sum(), w)
    np.testing.assert_allclose(hv.data, adc.hvp(model)(w0, v), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gw.data, adc.grad(model)(w0), rtol=1e-12)


def test_math_functions_and_retain_graph_default():
    x = tape.tensor(0.3, requires_grad=True)
    y = x * x * 3.0 + tape.exp(x)
    (g,) = tape.grad(y, x, create_graph=True)       # retain_graph defaults to True
    (h,) = tape.grad(g, x, retain_graph=True)
    assert h.item() == pytest.approx(6.0 + math.exp(0.3))
    (g2,) = tape.grad(y, x)                         # so the graph is still there
    assert g2.item() == pytest.approx(g.item())
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        tape.grad(g, x)                             # as in PyTorch: y's graph is freed now


def test_without_create_graph_the_result_is_constant():
    x = tape.tensor(1.5, requires_grad=True)
    (g,) = tape.grad(x ** 3, x)
    assert g.grad_fn is None and not g.requires_grad
