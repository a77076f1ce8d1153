"""A compiled function called inside a differentiated one (ad_compiler/callee_rules.py):
the JAX idiom ``grad(lambda w: ... grad(f)(x, w) ...)``, checked against
finite differences in both modes, and the errors where it is not supported."""
import math
import pickle

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.errors import BackendError, NoRuleError, UnsupportedSyntaxError


def fd(f, x, eps=1e-6):
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = eps
        out.flat[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return out


def potential(x0, x1, w):
    return 1.0 / math.sqrt((x0 - 10.0) ** 2 + (x1 - 10.0 + w) ** 2) + x0 * x1 * w


force = adc.grad(potential, wrt=(0, 1))


def simulate(w):
    x0, x1, s = 0.0, 8.0, 0.0
    for i in range(4):
        f0, f1 = force(x0, x1, w)           # the inner gradient, every step
        x0 = x0 + 0.1 * f0
        x1 = x1 - 0.1 * f1 * w
        if x1 > 7.9:
            s = s + x0 * x1
        else:
            s = s - x0
    return s


def test_gradient_through_an_inner_gradient_in_a_loop():
    for w in (0.3, -0.7):
        assert adc.grad(simulate)(w) == pytest.approx(fd(lambda v: simulate(float(v)), w),
                                                      rel=1e-6)


def test_forward_mode_through_an_inner_gradient():
    value, tangent = adc.jvp(simulate, (0.3,), (1.0,))
    assert value == pytest.approx(simulate(0.3), rel=1e-14)
    assert tangent == pytest.approx(adc.grad(simulate)(0.3), rel=1e-10)


value_and_dx1 = adc.value_and_grad(potential, wrt=1)


def uses_value_and_grad(w, y):
    v, gy = value_and_dx1(w * 2.0, y, w)
    return v * gy + np.sin(gy)


def test_value_and_grad_as_a_callee():
    g = adc.grad(uses_value_and_grad, wrt=(0, 1))(0.3, 0.7)
    assert g[0] == pytest.approx(fd(lambda v: uses_value_and_grad(float(v), 0.7), 0.3), rel=1e-6)
    assert g[1] == pytest.approx(fd(lambda v: uses_value_and_grad(0.3, float(v)), 0.7), rel=1e-6)


def made_inside(w):
    g0 = adc.grad(potential, wrt=0)(1.0, 2.0 * w, w)          # built while compiling
    t = adc.jvp(potential, wrt=2)(1.0, 2.0 * w, w, 1.0)       # the jvp function
    return g0 * t + w


def test_grad_and_jvp_functions_made_inside_a_compiled_function():
    expected = fd(lambda v: made_inside(float(v)), 0.3)
    assert adc.grad(made_inside)(0.3) == pytest.approx(expected, rel=1e-6)
    assert adc.jvp(made_inside, (0.3,), (1.0,))[1] == pytest.approx(expected, rel=1e-6)
    assert "potential_grad(" in adc.grad(made_inside).source


def energy(x):
    return np.sum(np.sin(x) * x ** 2) + 0.5 * np.sum(x) ** 2


d_energy = adc.grad(energy)


def residual(x):
    return np.sum(d_energy(x) ** 2)             # d/dx = 2 H grad(energy)


def test_arrays_through_an_inner_gradient():
    x = np.linspace(-1.0, 1.5, 5)
    got = adc.grad(residual)(x)
    assert got == pytest.approx(fd(residual, x), rel=1e-6)
    H = adc.hessian(energy)(x)
    assert got == pytest.approx(2 * H @ d_energy(x), rel=1e-10)
    assert adc.jvp(residual, (x,), (np.ones(5),))[1] == pytest.approx(np.sum(got), rel=1e-10)


def cube(x):
    return x ** 3 * math.sin(x)


cube_second = adc.grad(adc.grad(cube))


def uses_a_second_derivative(x):
    return cube_second(x) * x


def test_a_gradient_of_a_gradient_as_a_callee():
    assert adc.grad(uses_a_second_derivative)(0.8) == pytest.approx(
        fd(lambda v: uses_a_second_derivative(float(v)), 0.8), rel=1e-6)


def test_the_generated_code_names_the_inner_gradient():
    src = adc.grad(simulate).source
    assert "t1 = potential_grad(x0, x1, w)" in src
    assert "potential_grad_vjp_2(" in src


def jvp_with_variables(w):
    return adc.jvp(potential, (1.0, w, w), (0.0, 1.0, 0.0))[1]


def test_jvp_with_variable_primals_inside_is_refused_with_the_fix():
    with pytest.raises(UnsupportedSyntaxError) as e:
        adc.grad(jvp_with_variables)(0.3)
    msg = str(e.value)
    assert "ad_compiler.jvp(...) inside a compiled function must have constant arguments" in msg
    assert "df = ad_compiler.jvp(f, wrt=...); df(...)" in msg
    assert "return adc.jvp(potential, (1.0, w, w), (0.0, 1.0, 0.0))[1]" in msg


def with_aux(x0, x1, w):
    return potential(x0, x1, w), 1


grad_with_aux = adc.grad(with_aux, has_aux=True)


def uses_has_aux(w):
    g, _ = grad_with_aux(w, w, w)
    return g


def test_an_unsupported_callee_is_a_no_rule_error_naming_it():
    with pytest.raises(NoRuleError) as e:
        adc.grad(uses_has_aux)(0.3)
    msg = str(e.value)
    assert "no derivative rule for argument 0 of with_aux_grad" in msg
    assert "without has_aux" in msg and "g, _ = grad_with_aux(w, w, w)" in msg


def test_numba_refuses_the_callee_by_name():
    pytest.importorskip("numba")
    with pytest.raises(BackendError) as e:
        adc.grad(simulate, backend="numba")(0.3)
    assert "potential_grad" in str(e.value)


def test_the_outer_gradient_pickles():
    g = pickle.loads(pickle.dumps(adc.grad(simulate)))
    assert g(0.3) == pytest.approx(adc.grad(simulate)(0.3), rel=1e-14)


def seeded_inside(x):
    return np.sum(d_energy(x, seed=2.0) ** 2)


def test_a_seeded_inner_call_is_refused_not_differentiated_wrongly():
    with pytest.raises(TypeError, match=r"energy_grad\(\.\.\., seed=\.\.\.\) inside a "
                                        r"differentiated function is not differentiated"):
        adc.grad(seeded_inside)(np.linspace(-1.0, 1.0, 4))


def p_square(x, w):
    return x * x * w


def p_sine(x, w):
    return math.sin(x * w)


inner = adc.grad(p_square, wrt=0)


def branchy(w):
    s = 0.0
    for i in range(3):
        if i == 1:
            s = s + inner(s + 1.0, w)
        else:
            s = s * w + inner(w, 1.0 + s)
        if s > 100.0:
            return s
    return s


def test_rebinding_the_inner_gradient_recompiles():
    global inner
    g = adc.grad(branchy)
    try:
        for fn in (p_square, p_sine):
            inner = adc.grad(fn, wrt=0)
            assert adc.value_and_grad(branchy)(0.4)[0] == pytest.approx(branchy(0.4), rel=1e-14)
            assert g(0.4) == pytest.approx(fd(lambda v: branchy(float(v)), 0.4), rel=1e-6)
    finally:
        inner = adc.grad(p_square, wrt=0)
