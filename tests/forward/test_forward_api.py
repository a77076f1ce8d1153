"""adc.jvp / jacfwd / linearize / custom_jvp: values, types and dtypes,
pytrees, one compilation per kind of arguments, readable generated source
and the errors, against finite differences and reverse mode."""
import math

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.forward_api import _jvp_function

from . import fwd_examples as ex


def fd(f, args, tangents, eps=1e-6):
    plus = [a if t is None else a + eps * t for a, t in zip(args, tangents)]
    minus = [a if t is None else a - eps * t for a, t in zip(args, tangents)]
    return (np.asarray(f(*plus)) - np.asarray(f(*minus))) / (2 * eps)


def test_scalar_in_gives_python_floats():
    y, t = adc.jvp(ex.scalar_fn, (0.5,), (2.0,))
    assert type(y) is float and type(t) is float
    assert t == pytest.approx(2.0 * (3 * 0.25 + math.exp(0.5)), rel=1e-12)


def test_float32_stays_float32():
    x = np.linspace(0.1, 1.0, 4).astype(np.float32)
    y, t = adc.jvp(ex.vector_out, (x,), (np.ones(4, np.float32),))
    assert y.dtype == np.float32 and t.dtype == np.float32


def test_vector_output_against_finite_differences_and_vjp():
    rng = np.random.default_rng(0)
    x, v, u = rng.normal(size=5), rng.normal(size=5), rng.normal(size=5)
    y, t = adc.jvp(ex.vector_out, (x,), (v,))
    np.testing.assert_allclose(t, fd(ex.vector_out, [x], [v]), rtol=1e-6, atol=1e-8)
    vjp = adc.grad(ex.vector_out)(x, seed=u)          # J^T u
    assert np.dot(t, u) == pytest.approx(np.dot(v, vjp), rel=1e-10)


def test_pytree_primal_and_tangent():
    rng = np.random.default_rng(1)
    p = {"W": rng.normal(size=(2, 3)), "b": rng.normal(size=2)}
    x = rng.normal(size=3)
    tp = {"W": rng.normal(size=(2, 3)), "b": rng.normal(size=2)}
    y, t = adc.jvp(ex.pytree_loss, (p, x), (tp, None))
    eps = 1e-6
    plus = {k: p[k] + eps * tp[k] for k in p}
    minus = {k: p[k] - eps * tp[k] for k in p}
    want = (ex.pytree_loss(plus, x) - ex.pytree_loss(minus, x)) / (2 * eps)
    assert t == pytest.approx(want, rel=1e-6)
    g = adc.grad(ex.pytree_loss)(p, x)
    assert t == pytest.approx(sum(np.sum(g[k] * tp[k]) for k in p), rel=1e-10)


def test_tuple_output_has_a_tuple_tangent():
    x = np.array([1.0, 2.0])
    (a, b), (ta, tb) = adc.jvp(ex.returns_pair, (x,), (np.array([1.0, 0.0]),))
    np.testing.assert_allclose(ta, [2.0, 0.0])
    assert tb == pytest.approx(2.0)


def test_control_flow_with_early_return():
    x = np.array([0.5, 0.8, 1.2, 0.3])
    for limit in (0.5, 10.0):
        v = np.array([1.0, -1.0, 0.5, 2.0])
        y, t = adc.jvp(ex.early_return, (x, limit), (v, None))
        assert y == pytest.approx(ex.early_return(x, limit))
        assert t == pytest.approx(fd(ex.early_return, [x, limit], [v, None]), rel=1e-6)


def test_jacfwd_shapes_and_values():
    x = np.array([0.3, -0.2, 0.9])
    J = adc.jacfwd(ex.vector_out)(x)
    assert J.shape == (3, 3)
    rows = np.stack([adc.grad(ex.vector_out)(x, seed=e) for e in np.eye(3)])
    np.testing.assert_allclose(J, rows, rtol=1e-12, atol=1e-14)
    A = np.arange(6.0).reshape(2, 3) / 10
    JA = adc.jacfwd(ex.matrix_in)(A)
    assert JA.shape == (2, 2, 2, 3)
    eps, E = 1e-6, np.zeros((2, 3))
    E[1, 2] = 1.0
    np.testing.assert_allclose(JA[..., 1, 2], (ex.matrix_in(A + eps * E)
                                               - ex.matrix_in(A - eps * E)) / (2 * eps),
                               rtol=1e-6, atol=1e-8)
    assert type(adc.jacfwd(ex.scalar_fn)(0.5)) is float


def test_jacfwd_compiles_once_for_all_columns():
    adc.jacfwd(ex.vector_out)(np.ones(7))
    jf = _jvp_function(ex.vector_out, (0,), "python")
    assert len(jf._variants) == 1


def test_linearize():
    x = np.array([0.1, 0.2, 0.3])
    y, f_lin = adc.linearize(ex.vector_out, x)
    np.testing.assert_allclose(y, ex.vector_out(x))
    v = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(f_lin(v), adc.jvp(ex.vector_out, (x,), (v,))[1])


def test_custom_jvp_rule_is_used():
    x = np.array([0.5, 2.0, 0.0])
    v = np.ones(3)
    y, t = adc.jvp(ex.uses_custom, (x,), (v,))
    # d/dx (log(max(x, eps)) * x) with the custom rule: t/max(x, eps) * x + log(...) * t
    want = np.sum(v / np.maximum(x, 1e-12) * x + np.log(np.maximum(x, 1e-12)) * v)
    assert t == pytest.approx(want)
    assert "clipped_log_jvp" not in _jvp_function(ex.uses_custom, (0,), "python").source


def test_golden_source_of_a_forward_function():
    adc.jvp(ex.golden, (0.5, 3), (1.0, None))
    src = _jvp_function(ex.golden, (0,), "python").source
    assert src == '''def golden_jvp(x, n, x_dot):
    i, s, flag, s_dot = 0, 0.0, False, 0.0
    while True:
        if flag:
            go = False
        else:
            # line 11: for i in range(n):
            go = i < n
        if not go:
            s_2, s_dot_2 = s, s_dot
            break
        # line 12: if s > 1.0:
        t1 = s > 1.0
        if t1:
            flag_1 = True
        else:
            flag_1 = flag
        if flag_1:
            s_1, flag_2, s_dot_1 = s, True, s_dot
        else:
            # line 14: s = s + math.sin(x) * x
            t2 = math.sin(x)
            t3 = math.cos(x)
            t2_dot = x_dot * t3
            t4 = t2 * x
            t5 = t2_dot * x
            t6 = x_dot * t2
            t4_dot = t5 + t6
            s_1 = s + t4
            s_dot_1 = s_dot + t4_dot
            flag_2 = flag_1
        # line 11: for i in range(n):
        i_1 = i + 1
        i, s, flag, s_dot = i_1, s_1, flag_2, s_dot_1
    result = s_2, s_dot_2
    return result
'''


# -- errors -----------------------------------------------------------------------------------
def test_bool_output_is_an_error():
    with pytest.raises(adc.NotDifferentiableError, match="cannot differentiate the output"):
        adc.jvp(ex.returns_bool, (1.0,), (1.0,))


def test_missing_rule_names_the_callee_the_function_and_the_line():
    with pytest.raises(adc.NoRuleError) as e:
        adc.jvp(ex.uses_method, (np.ones(2),), (np.ones(2),))
    text = str(e.value)
    assert "np.ndarray.conj" in text and "uses_method" in text and "fwd_examples.py:40" in text
    assert "defjvp" in text and "x.conj().sum()" in text


def test_nondifferentiable_argument_with_a_tangent_is_an_error():
    with pytest.raises(adc.NoRuleError, match="argument 1 of np.ldexp"):
        adc.jvp(ex.uses_ldexp, (np.ones(2), np.array([1.0, 2.0])), (np.ones(2), np.ones(2)))


def test_integer_primal_with_a_tangent_is_an_error():
    with pytest.raises(adc.NotDifferentiableError, match="integer"):
        adc.jvp(ex.scalar_fn, (3,), (1.0,))


def test_tangent_of_the_wrong_shape_is_an_error():
    with pytest.raises(ValueError, match=r"the tangent of 'x' has shape \(3,\) but 'x' has shape \(2,\)"):
        adc.jvp(ex.vector_out, (np.ones(2),), (np.ones(3),))


def test_primals_must_be_tuples():
    with pytest.raises(TypeError, match="must be tuples"):
        adc.jvp(ex.scalar_fn, 1.0, 1.0)


def test_jacfwd_with_several_arguments():
    f = ex.sin_times
    x, w = np.array([0.2, 0.4]), 1.5

    Jx, Jw = adc.jacfwd(f, wrt=(0, 1))(x, w)
    np.testing.assert_allclose(Jx, np.diag(np.cos(x) * w))
    np.testing.assert_allclose(Jw, np.sin(x))


def test_bound_methods_partials_lambdas_star_args_and_rebound_globals():
    import functools
    x, v = np.array([0.5, 1.5]), np.array([1.0, -1.0])
    m = ex.Model(np.array([1.0, 2.0]))
    assert adc.jvp(m.loss, (x,), (v,))[1] == pytest.approx(np.sum(2 * m.w * x * v) * 2.0)
    ex.SCALE = 3.0                                   # a global the code reads as data
    try:
        assert adc.jvp(m.loss, (x,), (v,))[1] == pytest.approx(np.sum(2 * m.w * x * v) * 3.0)
    finally:
        ex.SCALE = 2.0
    f = functools.partial(ex.weighted, a=3.0)
    assert adc.jvp(f, (x,), (v,))[1] == pytest.approx(0.0)
    assert adc.jvp(lambda y: np.sum(y ** 3), (x,), (v,))[1] == pytest.approx(np.sum(3 * x ** 2 * v))
    y, t = adc.jvp(ex.star_product, (2.0, 3.0, 1.0), (1.0, None, 0.5))
    assert (y, t) == (7.0, 3.5)


def test_a_cast_to_integers_has_a_zero_tangent():
    x = np.array([1.0, 2.0])
    y, t = adc.jvp(ex.int_cast, (x,), (np.ones(2),))
    assert t == pytest.approx(np.sum(np.array(x * 3.7, dtype=int)))   # d/dx of int(3.7 x) is 0


def test_custom_jvp_and_defvjp_on_one_primitive():
    from ad_compiler.rules import lookup
    rule = lookup(ex.log_fwd)
    assert rule.jvp(0) is ex.clipped_log_jvp and rule.vjp(0) is None
    with pytest.raises(adc.NoRuleError, match="argument 0 of"):
        adc.grad(ex.uses_custom)(np.array([0.5, 2.0]))          # reverse mode: no rule yet
    ex.log_fwd.defvjp(ex.clipped_log_vjp)
    rule = lookup(ex.log_fwd)
    assert rule.jvp(0) is ex.clipped_log_jvp and rule.vjp(0) is ex.clipped_log_vjp
    x = np.array([0.5, 2.0])
    g = adc.grad(ex.uses_custom)(x)
    t = adc.jvp(ex.uses_custom, (x,), (np.array([1.0, 0.0]),))[1]
    assert t == pytest.approx(g[0])


def test_forward_mode_is_the_pipelines_fwd_mode():
    from ad_compiler import pipeline
    names = [p.name for p in pipeline.passes("fwd")]
    assert "forward" in names and "reverse" not in names and names.index("activity") < \
        names.index("forward")
    adc.jvp(ex.scalar_fn, (0.5,), (1.0,))
    jf = _jvp_function(ex.scalar_fn, (0,), "python")
    (variant,) = jf._variants.values()
    assert variant.request.mode == "fwd" and variant.python_source.startswith("def scalar_fn_jvp(")
