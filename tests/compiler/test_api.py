"""The public API contract of DESIGN.md: decorator forms, wrt by index and
name, tuples of gradients, seed=, has_aux, value_and_grad, caching, and
compiling once (nothing re-parsed per call)."""
import math

import numpy as np
import pytest

import ad_compiler as adc
import ad_compiler.api as api
import ad_compiler.frontend.parse as parse_mod
import ad_compiler.ir.build as build_mod
import ad_compiler.pipeline as pipeline_mod

from .fd import assert_close, numerical_grad


# -- decorator forms ----------------------------------------------------------------------

@adc.grad
def bare(x, y):
    return x * x * y + math.sin(y)


@adc.grad(wrt=(0, 1))
def with_options(x, y):
    return x * x * y + math.sin(y)


@adc.grad(wrt="y")
def with_name(x, y):
    return x * x * y + math.sin(y)


def plain(x, y):
    return np.sum(x * x * y + np.sin(y))


def test_bare_decorator_is_gradient_wrt_first_argument():
    assert isinstance(bare, adc.GradFunction)
    assert bare(1.5, 2.0) == pytest.approx(2 * 1.5 * 2.0)
    assert bare.__name__ == "bare"


def test_decorator_with_options():
    gx, gy = with_options(1.5, 2.0)
    assert gx == pytest.approx(6.0)
    assert gy == pytest.approx(1.5 ** 2 + math.cos(2.0))
    assert with_name(1.5, 2.0) == pytest.approx(1.5 ** 2 + math.cos(2.0))


def test_call_form_matches_decorator():
    assert adc.grad(plain)(1.5, 2.0) == pytest.approx(bare(1.5, 2.0))
    assert adc.grad(plain, 1)(1.5, 2.0) == pytest.approx(with_name(1.5, 2.0))


# -- wrt ---------------------------------------------------------------------------------

def test_wrt_by_index_and_by_name_agree():
    x, y = np.array([0.5, -1.0]), np.array([2.0, 0.3])
    by_index = adc.grad(plain, wrt=(0, 1))(x, y)
    by_name = adc.grad(plain, wrt=("x", "y"))(x, y)
    for a, b in zip(by_index, by_name):
        np.testing.assert_allclose(a, b)
    np.testing.assert_allclose(adc.grad(plain, wrt="x")(x, y), by_index[0])
    np.testing.assert_allclose(adc.grad(plain, wrt=1)(x, y), by_index[1])


def test_wrt_tuple_order_is_respected():
    gy, gx = adc.grad(plain, wrt=(1, 0))(1.5, 2.0)
    assert gx == pytest.approx(6.0)
    assert gy == pytest.approx(1.5 ** 2 + math.cos(2.0))
    gy2, gx2 = adc.grad(plain, wrt=("y", "x"))(1.5, 2.0)
    assert (gy2, gx2) == pytest.approx((gy, gx))


def test_wrt_tuple_of_one_gives_a_tuple():
    res = adc.grad(plain, wrt=(0,))(1.5, 2.0)
    assert isinstance(res, tuple) and len(res) == 1
    assert res[0] == pytest.approx(6.0)
    res = adc.grad(plain, wrt=["y"])(1.5, 2.0)
    assert isinstance(res, tuple) and len(res) == 1


def test_wrt_mixed_index_and_name():
    gx, gy = adc.grad(plain, wrt=(0, "y"))(1.5, 2.0)
    assert gx == pytest.approx(6.0)


# -- defaults and keyword arguments -------------------------------------------------------

def with_defaults(x, scale=2.0, power=3.0):
    return scale * x ** power


def test_defaults_and_keyword_arguments_in_the_call():
    g = adc.grad(with_defaults)
    assert g(2.0) == pytest.approx(2.0 * 3 * 4.0)
    assert g(2.0, 1.0) == pytest.approx(3 * 4.0)
    assert g(2.0, power=2.0) == pytest.approx(2.0 * 2 * 2.0)
    assert g(x=2.0, scale=1.0, power=2.0) == pytest.approx(4.0)
    gs = adc.grad(with_defaults, wrt="scale")
    assert gs(2.0) == pytest.approx(8.0)
    assert gs(2.0, power=1.0) == pytest.approx(2.0)


# -- seed ---------------------------------------------------------------------------------

def elementwise(x):
    return np.sin(x) * 2.0


def matrix_out(A, B):
    return A @ B


def test_seed_for_non_scalar_output():
    x = np.array([0.1, 0.5, -1.0])
    v = np.array([1.0, -2.0, 0.5])
    g = adc.grad(elementwise)(x, seed=v)
    np.testing.assert_allclose(g, v * 2.0 * np.cos(x))
    np.testing.assert_allclose(adc.grad(elementwise)(x, seed=np.ones(3)), 2.0 * np.cos(x))


def test_seed_for_matrix_output_matches_finite_differences():
    rng = np.random.default_rng(0)
    A, B, V = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=(2, 4))
    gA, gB = adc.grad(matrix_out, wrt=(0, 1))(A, B, seed=V)
    np.testing.assert_allclose(gA, V @ B.T)
    np.testing.assert_allclose(gB, A.T @ V)
    assert_close(gA, numerical_grad(matrix_out, (A, B), 0, seed=V))


def test_seed_scales_a_scalar_output():
    assert adc.grad(plain)(1.5, 2.0, seed=3.0) == pytest.approx(3.0 * 6.0)


def test_non_scalar_output_without_seed_is_an_error():
    with pytest.raises(adc.NonScalarOutputError, match=r"seed="):
        adc.grad(elementwise)(np.ones(3))


def test_seed_of_wrong_shape_is_an_error():
    with pytest.raises(adc.SeedShapeError, match=r"\(2,\).*\(3,\)"):
        adc.grad(elementwise)(np.ones(3), seed=np.ones(2))


# -- has_aux and value_and_grad ------------------------------------------------------------

def loss_with_aux(w, x):
    pred = np.tanh(x @ w)
    loss = np.sum(pred ** 2)
    return loss, pred


def test_has_aux():
    w, x = np.array([0.5, -0.3]), np.array([[1.0, 2.0], [0.5, -1.0], [0.2, 0.1]])
    g, aux = adc.grad(loss_with_aux, has_aux=True)(w, x)
    np.testing.assert_allclose(aux, np.tanh(x @ w))
    expected = numerical_grad(lambda *a: loss_with_aux(*a)[0], (w, x), 0)
    assert_close(g, expected)
    (gw, gx), aux2 = adc.grad(loss_with_aux, wrt=(0, 1), has_aux=True)(w, x)
    np.testing.assert_allclose(gw, g)
    assert gx.shape == x.shape


def test_value_and_grad():
    value, g = adc.value_and_grad(plain)(1.5, 2.0)
    assert value == pytest.approx(plain(1.5, 2.0))
    assert g == pytest.approx(6.0)
    value, (gx, gy) = adc.value_and_grad(plain, wrt=(0, 1))(1.5, 2.0)
    assert value == pytest.approx(plain(1.5, 2.0))
    assert (gx, gy) == pytest.approx(adc.grad(plain, wrt=(0, 1))(1.5, 2.0))


def test_value_and_grad_with_aux():
    w, x = np.array([0.5, -0.3]), np.array([[1.0, 2.0], [0.5, -1.0]])
    (value, aux), g = adc.value_and_grad(loss_with_aux, has_aux=True)(w, x)
    ref_value, ref_aux = loss_with_aux(w, x)
    assert value == pytest.approx(ref_value)
    np.testing.assert_allclose(aux, ref_aux)
    np.testing.assert_allclose(g, adc.grad(loss_with_aux, has_aux=True)(w, x)[0])


def test_value_and_grad_decorator_forms():
    vg = adc.value_and_grad(wrt=1)(plain)
    value, gy = vg(1.5, 2.0)
    assert gy == pytest.approx(1.5 ** 2 + math.cos(2.0))


# -- source and ir ----------------------------------------------------------------------------

def test_source_and_ir_properties():
    g = adc.grad(plain, wrt=(0, 1))
    g(1.5, 2.0)
    assert isinstance(g.source, str) and g.source.startswith("def plain_grad(")
    text = str(g.ir)
    assert text.startswith("def plain(x, y):")
    assert "np.sin" in text


def test_source_is_available_before_any_call():
    g = adc.GradFunction(with_defaults)
    assert "def with_defaults_grad(" in g.source


# -- caching ----------------------------------------------------------------------------------

def cached_fn(x, y):
    return x * y


def test_grad_is_cached_per_function_and_options():
    assert adc.grad(cached_fn) is adc.grad(cached_fn)
    assert adc.grad(cached_fn, wrt=0) is adc.grad(cached_fn)
    assert adc.grad(cached_fn, wrt=(0, 1)) is adc.grad(cached_fn, wrt=(0, 1))
    assert adc.grad(cached_fn, wrt=1) is not adc.grad(cached_fn)
    assert adc.grad(cached_fn, wrt=(0, 1)) is not adc.grad(cached_fn, wrt=(1, 0))
    assert adc.grad(cached_fn, has_aux=True) is not adc.grad(cached_fn)
    assert adc.value_and_grad(cached_fn) is not adc.grad(cached_fn)
    assert adc.value_and_grad(cached_fn) is adc.value_and_grad(cached_fn)


def compiled_once(x, n):
    s = 0.0
    for i in range(n):
        s = s + np.sin(x * i)
    return np.sum(s)


def test_nothing_is_reparsed_or_rebuilt_per_call(monkeypatch):
    counts = {"parse": 0, "build": 0, "emit": 0}

    def counting(name, fn):
        def wrapper(*a, **k):
            counts[name] += 1
            return fn(*a, **k)
        return wrapper

    for mod in (api, parse_mod):
        monkeypatch.setattr(mod, "parse", counting("parse", parse_mod.parse))
    for mod in (pipeline_mod, build_mod):
        monkeypatch.setattr(mod, "build", counting("build", build_mod.build))
    monkeypatch.setattr(pipeline_mod, "emit_function", counting("emit", pipeline_mod.emit_function))

    g = adc.grad(compiled_once)
    for k in range(5):
        g(0.3 + k, 3)
    assert counts == {"parse": 1, "build": 1, "emit": 1}, counts
    for k in range(3):
        g(np.array([0.1, 0.2]) + k, 4)         # a second kind of argument: one more emit
    assert counts == {"parse": 1, "build": 1, "emit": 2}, counts
    assert adc.grad(compiled_once) is g
    g(1.0, 2)
    assert counts == {"parse": 1, "build": 1, "emit": 2}, counts


# -- check_grads ------------------------------------------------------------------------------

def discontinuous(x):
    if x > 0.0:
        return x
    return x + 1.0


def test_check_grads_passes_and_returns_gradients():
    x, y = np.array([0.5, -1.0]), np.array([2.0, 0.3])
    gx = adc.check_grads(plain, x, y)
    np.testing.assert_allclose(gx, 2 * x * y)
    gx, gy = adc.check_grads(plain, x, y, wrt=(0, 1))
    np.testing.assert_allclose(gy, x * x + np.cos(y))


def test_check_grads_raises_on_mismatch():
    with pytest.raises(adc.GradientCheckError, match="finite differences"):
        adc.check_grads(discontinuous, 0.0)


def test_check_grads_with_seed_for_non_scalar_output():
    adc.check_grads(elementwise, np.array([0.1, 0.5, -1.0]))
