"""Composition of the two modes, on the scalar-output corpus
(tests/compiler/corpus.py): forward over reverse (``jvp(grad(f))``,
``jacfwd(grad(f))``, the default ``hessian``/``hvp``), reverse over
forward (``grad(jvp(f))``: the jvp function ``(x, v) -> J v``), forward
over forward (``jacfwd(jacfwd(f))``), reverse over reverse
(``grad(grad(f))``, ``hessian(mode="rev")``), all against central finite
differences of the compiled gradient and against each other; Hessians
symmetric; Numba agreement on the loop entries; the error texts."""
import math

import numpy as np
import pytest

import ad_compiler as adc

from compiler.corpus import CORPUS, by_name, by_tag
from compiler.fd import assert_close
from . import fwd_examples as ex

# Entries whose second derivative is refused, by the composition asked for:
# the first gradient or the jvp calls a helper with no rule in the second
# mode yet, named with the user's line (the test fails if one starts working).
GAPS = {
    "w_early_exit_norm": (adc.NoRuleError, "norm_adjoint"),
}
# Reverse over forward (and forward over forward) needs the derived forward
# rules inlined; these two are called as functions today, so differentiating
# the jvp again names them.
REV_OVER_FWD_GAPS = {
    "a_logsumexp": (adc.NoRuleError, "max_a"),
    "w_attention": (adc.NoRuleError, "einsum_1_jvp"),
}
# Reverse over reverse is refused here (tests/compiler/test_higher.py checks
# the error); forward over reverse is not.
REV_OVER_REV_GAPS = {"m_listcomp_filter"}
CASES = [c for c in CORPUS if c.name not in GAPS]


def _with(args, k, value):
    out = list(args)
    out[k] = value
    return out


def _direction(x, k=0):
    return np.random.default_rng(20 + k).standard_normal(np.shape(x)) if np.ndim(x) else 0.7


def _fd_of_gradient(case, args, k, v, eps=1e-5):
    g = adc.grad(case.fn, wrt=k)
    x = args[k]
    return (np.asarray(g(*_with(args, k, x + eps * v)))
            - np.asarray(g(*_with(args, k, x - eps * v)))) / (2 * eps)


def _full_args(case):
    """The first argument tuple with the defaults filled in (the jvp function
    takes every primal before the tangents)."""
    return list(adc.grad(case.fn)._bind(list(case.args()[0]), {}))


def _tangents(args, k, v):
    return tuple(v if i == k else None for i in range(len(args)))


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_forward_over_reverse_and_reverse_over_forward(case):
    """jvp(grad(f)) and grad(jvp(f)) are H v: equal to finite differences of
    the gradient and to grad(grad(f)) with seed v (reverse over reverse)."""
    k = case.wrt[0]
    args = list(case.args()[0])
    x = args[k]
    v = _direction(x)
    fd = _fd_of_gradient(case, args, k, v)
    g = adc.grad(case.fn, wrt=k)
    grad_value, hv = adc.jvp(g, tuple(args), _tangents(args, k, v))
    assert_close(grad_value, g(*args), rtol=1e-12, atol=1e-12, what="the primal of jvp(grad)")
    assert_close(np.asarray(hv), fd, rtol=1e-4, atol=1e-5, what="jvp(grad(f)) vs fd")
    assert type(hv) is type(x) or np.ndim(x)          # a float in, a float out
    if case.name not in REV_OVER_REV_GAPS:
        rr = adc.grad(g, wrt=k)(*args, seed=v) if np.ndim(x) else adc.grad(g, wrt=k)(*args) * v
        assert_close(np.asarray(hv), np.asarray(rr), rtol=1e-9, atol=1e-10,
                     what="fwd-rev vs rev-rev")
    tf = adc.jvp(case.fn, wrt=k)            # (*args, x_dot) -> J x_dot
    full = _full_args(case)
    if case.name in REV_OVER_FWD_GAPS:
        exc, match = REV_OVER_FWD_GAPS[case.name]
        with pytest.raises(exc, match=match):
            adc.grad(tf, wrt=k)(*full, v)
        return
    rf = adc.grad(tf, wrt=k)(*full, v)
    assert_close(np.asarray(rf), np.asarray(hv), rtol=1e-9, atol=1e-10, what="rev-fwd vs fwd-rev")


ARRAY_CASES = [c for c in CASES if "array" in c.tags]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in ARRAY_CASES
                                  + by_tag("scalar")[:12]])
def test_every_hessian_agrees(case):
    """hessian (forward over reverse), hessian(mode="rev"), jacfwd(jacrev(f)),
    jacfwd(jacfwd(f)) and jacrev(grad(f)) are one symmetric matrix."""
    k = case.wrt[0]
    args = list(case.args()[0])
    x = args[k]
    if isinstance(x, (dict, list, tuple)):
        pytest.skip("a container argument: jacfwd takes arrays (test_higher covers hessian)")
    H = adc.hessian(case.fn, wrt=k)(*args)
    n = int(np.size(x))
    Hm = np.reshape(H, (n, n))
    assert_close(Hm, Hm.T, rtol=1e-7, atol=1e-9, what="symmetry")
    v = _direction(x, 1)
    assert_close(Hm @ np.ravel(v), np.ravel(_fd_of_gradient(case, args, k, v)), rtol=1e-4,
                 atol=1e-5, what="H v vs fd")
    others = [("jacfwd(jacrev)", adc.jacfwd(adc.jacrev(case.fn, wrt=k), wrt=k))]
    if case.name not in REV_OVER_REV_GAPS:
        others += [("rev", adc.hessian(case.fn, wrt=k, mode="rev")),
                   ("jacrev(grad)", adc.jacrev(adc.grad(case.fn, wrt=k), wrt=k))]
    if case.name not in REV_OVER_FWD_GAPS:
        others.append(("jacfwd(jacfwd)", adc.jacfwd(adc.jacfwd(case.fn, wrt=k), wrt=k)))
    for name, other in others:
        assert_close(np.reshape(other(*args), (n, n)), Hm, rtol=1e-8, atol=1e-10, what=name)


def test_hessian_is_one_compiled_function_called_per_column():
    g = adc.grad(ex.hvp_target)
    x = np.array([0.3, 0.5, 0.9])
    adc.hessian(ex.hvp_target)(x)
    fo = adc.forward_over.forward_over(g, wrt=0)
    adc.jacfwd(g)(x)
    adc.jacfwd(g)(x + 1.0)
    jf = adc.forward_api._jvp_function(g, (0,), "python")
    assert len(jf._variants) == 1                     # compiled once for these kinds
    assert jf.source.startswith("def hvp_target_grad_jvp(x, x_dot):")
    assert fo is adc.forward_over.forward_over(g, wrt=0)     # memoized on the gradient


def test_second_derivative_sources_read_as_code():
    """jvp of a gradient is one generated function; its comments name the user's lines."""
    g = adc.grad(ex.scalar_fn)
    assert adc.jvp(g, (0.4,), (1.0,))[1] == pytest.approx(6 * 0.4 + math.exp(0.4), rel=1e-12)
    src = adc.forward_api._jvp_function(g, (0,), "python").source
    assert src.startswith("def scalar_fn_grad_jvp(x, x_dot):")
    assert "x_bar" in src and "_dot" in src
    tf = adc.jvp(ex.scalar_fn)
    d = adc.grad(tf)
    assert d(0.4, 1.0) == pytest.approx(6 * 0.4 + math.exp(0.4), rel=1e-12)
    assert d.source.startswith("def scalar_fn_dot_grad(x, x_dot, seed):")
    lines = [ln.strip() for ln in d.source.splitlines() if ln.strip().startswith("#")]
    assert lines and all("return x ** 3 + math.exp(x)" in ln for ln in lines), lines


def test_jacobians_of_jacobians_of_a_vector_function():
    """jacfwd(jacrev(f)) and jacfwd(jacfwd(f)) of f: R^3 -> R^3, shape (3, 3, 3),
    against finite differences of the Jacobian."""
    x, v = np.array([0.3, -0.5, 0.9]), np.array([1.0, 0.5, -0.25])
    T1 = adc.jacfwd(adc.jacfwd(ex.vector_out))(x)
    T2 = adc.jacfwd(adc.jacrev(ex.vector_out))(x)
    assert T1.shape == T2.shape == (3, 3, 3)
    J = adc.jacfwd(ex.vector_out)
    eps = 1e-6
    assert_close(T1 @ v, (J(x + eps * v) - J(x - eps * v)) / (2 * eps), rtol=1e-6, atol=1e-8)
    assert_close(T2, T1, rtol=1e-12, atol=1e-12)
    assert_close(T1, np.swapaxes(T1, 1, 2), rtol=1e-12, atol=1e-12, what="symmetric")


def test_forward_over_forward_and_reverse_over_forward_of_a_loop():
    """The jvp function of a loop, differentiated by both modes, with a count argument."""
    x, n = 0.5, 3
    tf = adc.jvp(ex.golden, wrt=0)
    assert tf(x, n, 1.0) == pytest.approx(adc.jvp(ex.golden, (x, n), (1.0, None))[1])
    g = adc.grad(ex.golden)
    eps = 1e-6
    fd = (g(x + eps, n) - g(x - eps, n)) / (2 * eps)
    assert adc.grad(tf)(x, n, 1.0) == pytest.approx(fd, rel=1e-6)
    assert adc.jvp(tf, (x, n, 1.0), (1.0, None, None))[1] == pytest.approx(fd, rel=1e-6)
    assert adc.hvp(ex.golden)(x, n, 1.0) == pytest.approx(fd, rel=1e-6)
    assert adc.hessian(ex.golden)(x, n) == pytest.approx(fd, rel=1e-6)


def test_third_derivatives_by_every_nesting():
    """f = x**3 + exp(x): f''' = 6 + exp(x), by fwd-rev-rev, fwd-fwd-rev, rev-fwd-rev..."""
    x = 0.4
    want = 6 + math.exp(x)
    g = adc.grad(ex.scalar_fn)
    gg = adc.grad(g)
    assert adc.grad(gg)(x) == pytest.approx(want, rel=1e-12)
    assert adc.jvp(gg, (x,), (1.0,))[1] == pytest.approx(want, rel=1e-12)
    assert adc.jvp(adc.jvp(g), (x, 1.0), (1.0, None))[1] == pytest.approx(want, rel=1e-12)
    assert adc.grad(adc.jvp(g))(x, 1.0) == pytest.approx(want, rel=1e-12)
    adc.check_grads(ex.scalar_fn, x, modes=("fwd", "rev"), order=3)


LOOPS = [c for c in by_tag("numba_ok", "control") if c.name not in GAPS]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in LOOPS])
def test_numba_forward_over_reverse_agrees_with_python(case):
    pytest.importorskip("numba")
    k = case.wrt[0]
    args = list(case.args()[0])
    v = _direction(args[k])
    want = adc.hvp(case.fn, wrt=k)(*args, v)
    got = adc.hvp(case.fn, wrt=k, backend="numba")(*args, v)
    assert_close(np.asarray(got), np.asarray(want), rtol=1e-10, atol=1e-12)


def test_numba_jvp_hvp_and_hessian_of_a_scalar_loop():
    pytest.importorskip("numba")
    x = np.array([0.3, 0.5, 0.9])
    v = np.array([1.0, -1.0, 0.5])
    for fn in (ex.loop_target, ex.golden):
        args = (x,) if fn is ex.loop_target else (0.5, 3)
        w = v if fn is ex.loop_target else 1.0
        t = _tangents(args, 0, w)
        assert_close(adc.jvp(fn, args, t, backend="numba")[1], adc.jvp(fn, args, t)[1],
                     rtol=1e-12, atol=1e-14)
        g = adc.grad(fn)
        assert_close(adc.jvp(g, args, t, backend="numba")[1], adc.jvp(g, args, t)[1],
                     rtol=1e-12, atol=1e-14)
        assert_close(adc.hessian(fn, backend="numba")(*args), adc.hessian(fn)(*args),
                     rtol=1e-12, atol=1e-14)
    jf = adc.forward_api._jvp_function(adc.grad(ex.loop_target), (0,), "numba")
    jf.call((x,), (v,))
    assert type(jf._last.lowered).__name__ == "NumbaJvp"    # lowered, not the Python fallback


def _wrong_second(x):
    return x ** 3


def _wrong_second_vjp(g, ans, x):
    # right value, but computed through a rounding: its derivative is 0, not 6 x
    return g * 3.0 * (np.round(x * 1e9) / 1e9) ** 2


def _wrong_second_jvp(t, ans, x):
    return t * 3.0 * x ** 2


wrong_second = adc.custom_vjp(_wrong_second_vjp)(_wrong_second)
wrong_second.defjvp(_wrong_second_jvp)


def _uses_wrong(x):
    return np.sum(wrong_second(x))


def test_check_grads_order_2_checks_the_forward_derivative_of_the_gradient():
    x = np.array([0.3, 0.5, 0.9])
    adc.check_grads(_uses_wrong, x, modes=("fwd", "rev"))        # order 1 passes
    with pytest.raises(adc.GradientCheckError, match="forward-mode derivative .*order 1"):
        adc.check_grads(_uses_wrong, x, modes=("fwd",), order=2)
    with pytest.raises(adc.GradientCheckError, match="gradient .*order 1.*finite differences"):
        adc.check_grads(_uses_wrong, x, modes=("rev",), order=2)
    adc.check_grads(ex.hvp_target, x, modes=("fwd", "rev"), order=2)
    adc.check_grads(ex.loop_target, x, modes=("fwd",), order=2)


def test_errors_name_the_problem():
    x = np.array([0.3, 0.5, 0.9])
    with pytest.raises(TypeError, match="a Jacobian function is not differentiated by grad"):
        adc.grad(adc.jacfwd(ex.hvp_target))
    with pytest.raises(ValueError, match="mode must be 'fwd' .* or 'rev'"):
        adc.hessian(ex.hvp_target, mode="both")
    with pytest.raises(adc.WrtError, match="one wrt"):
        adc.jvp(adc.grad(ex.pytree_loss, wrt=(0, 1)), (x,), (x,))
    with pytest.raises(TypeError, match="takes the 1 primal.*then 1 tangent"):
        adc.jvp(ex.hvp_target)(x)
    with pytest.raises(adc.NoRuleError, match="norm_adjoint") as info:
        c = by_name("w_early_exit_norm")
        adc.hessian(c.fn)(*c.args()[0])
    assert info.value.filename.endswith("corpus.py")


def _wide(x):
    return np.array([x[0], x[1], x[0] * x[1], np.sin(x[0]), x[1] ** 3])


def test_jacobian_picks_forward_mode_for_few_inputs(monkeypatch):
    """R^2 -> R^5: two forward passes, not five reverse ones; R^5 -> R^2 (the
    gradient of a 5-vector function has 5 outputs) goes by reverse mode."""
    import ad_compiler.higher as higher
    calls = []
    real = higher.jacfwd

    def spy(*a, **kw):
        calls.append(a[0])
        return real(*a, **kw)
    monkeypatch.setattr(higher, "jacfwd", spy)
    x = np.array([0.4, -1.2])
    J = adc.jacobian(_wide)(x)
    assert calls == [_wide]
    assert_close(J, adc.jacrev(_wide)(x), rtol=1e-12, atol=1e-14)
    calls.clear()
    y = np.array([0.3, 0.5, 0.9])
    H = adc.jacobian(adc.grad(ex.hvp_target))(y)      # 3 -> 3: reverse
    assert calls == []
    assert_close(H, adc.hessian(ex.hvp_target)(y), rtol=1e-12, atol=1e-14)


def test_inlined_rules_are_located_at_the_users_line():
    """Instructions built from a rule's expression carry the line of the call
    they differentiate: a comment or a traceback never names a rule's file
    (a gradient of a jvp printed `# line 3: return broadcast_like(...)`, the
    forward rule of `**`, once another jvp had used it)."""
    from ad_compiler.forward_api import JvpFunction

    def g(x, w):
        return np.sum(np.sin(x * w) ** 2)

    x = np.linspace(0.1, 0.9, 4)
    JvpFunction(g, wrt=(0,), cache=False).call((x, x), (np.ones_like(x),))
    j = JvpFunction(ex.scalar_fn, wrt=(0,), cache=False)
    j.call((0.4,), (1.0,))
    files = {ins.loc.filename for ins in j.variant().python_graph.instructions()
             if ins.loc is not None}
    assert files == {ex.scalar_fn.__code__.co_filename}, files
    d = adc.grad(adc.jvp(ex.scalar_fn))
    d(0.4, 1.0)
    comments = [ln.strip() for ln in d.source.splitlines() if ln.strip().startswith("#")]
    assert comments and all("return x ** 3 + math.exp(x)" in c for c in comments), comments
