"""Elementwise results written into dead operands (transforms/reuse.py,
runtime_reuse.py): the same values and gradients, fewer arrays."""
import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler import runtime_reuse
from ad_compiler.runtime_reuse import add_into, safe_mul_into, sub_into, ufunc_into

from .corpus import CORPUS
from .fd import assert_close, numerical_grad


def _copy(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


@pytest.fixture
def always(monkeypatch):
    """Write into buffers of every size (the corpus' arrays are small)."""
    monkeypatch.setattr(runtime_reuse, "SMALL", 0)


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_corpus_gradients_are_unchanged_when_buffers_are_reused(case, always):
    plain = adc.GradFunction(case.fn, wrt=case.wrt)
    for args in case.args():
        before = _copy(args)
        got = adc.GradFunction(case.fn, wrt=case.wrt)(*args)
        for a, b in zip(args, before):             # the user's arrays are never written
            np.testing.assert_array_equal(a, b)
        with pytest.MonkeyPatch.context() as m:
            m.setattr(runtime_reuse, "SMALL", 10 ** 12)
            want = plain(*_copy(args))
        for x, y in zip(got, want):
            np.testing.assert_array_equal(x, y)


def mlp(W1, b1, W2, x):
    h = np.tanh(x @ W1 + b1)
    return np.mean((h @ W2 - 1.0) ** 2)


def test_mlp_writes_into_its_temporaries_and_matches_fd(always):
    rng = np.random.default_rng(0)
    args = [rng.standard_normal((4, 3)), rng.standard_normal(3), rng.standard_normal((3, 2)),
            rng.standard_normal((5, 4))]
    g = adc.grad(mlp, wrt=(0, 1, 2))
    grads = g(*args)
    src = g.source
    assert "t2 = add_into(0, t1, b1)" in src
    assert "h = ufunc_into(np.tanh, 0, t2)" in src
    assert "safe_mul_into(h_bar, " in src
    for k, gk in zip((0, 1, 2), grads):
        assert_close(gk, numerical_grad(mlp, args, k), what=f"arg {k}")


def reused_later(x, y):
    a = x * y            # read again below: never written into
    b = a + 1.0
    return np.sum(b * a)


def broadcast_up(x, v):
    a = x * 2.0          # (3,): the result (4, 3) does not fit it
    return np.sum(a + v)


def compare(x, y):
    a = x * 2.0
    m = np.greater(a, y)     # booleans: never written into a float buffer
    return np.sum(np.where(m, a, 0.0) * y)


def in_a_loop(x, n):
    s = x * 0.0
    for i in range(n):
        t = x * 2.0
        s = s + t
    return np.sum(s)


@pytest.mark.parametrize("fn,args", [
    (reused_later, (np.linspace(-1, 1, 6), np.linspace(0.5, 2, 6))),
    (broadcast_up, (np.linspace(-1, 1, 3), np.ones((4, 3)))),
    (compare, (np.linspace(-1, 1, 6), np.linspace(-0.5, 0.5, 6))),
    (in_a_loop, (np.linspace(-1, 1, 6), 3)),
])
def test_patterns_match_finite_differences(fn, args, always):
    before = _copy(args)
    g = adc.GradFunction(fn, wrt=0)
    assert_close(g(*args), numerical_grad(fn, list(args), 0), what=fn.__name__)
    np.testing.assert_array_equal(args[0], before[0])


def test_an_operand_read_again_is_not_rewritten():
    src = adc.grad(reused_later).source
    assert "a = x * y" in src and "b = a + 1.0" in src


def test_nothing_is_rewritten_inside_a_loop():
    src = adc.grad(in_a_loop).source
    body = src[src.index("for "):]
    assert "_into(" not in body.split("return")[0].split("\n    # adjoint")[0]
    assert "t = x * 2.0" in src


def test_scalar_code_is_left_alone():
    def f(x, y):
        a = x * y
        return a + 1.0
    g = adc.grad(f)
    assert g(1.5, 2.0) == 2.0
    assert "_into" not in g.source


def test_helpers_write_only_where_the_result_fits(always):
    a = np.ones((2, 3))
    assert add_into(0, a, np.ones(3)) is a                       # broadcast into a
    np.testing.assert_array_equal(a, 2.0)
    b = np.ones(3)
    r = add_into(1, np.ones((2, 3)), b)                          # (2, 3) does not fit b
    assert r is not b and r.shape == (2, 3) and np.all(b == 1.0)
    f32 = np.ones(3, dtype=np.float32)
    r = add_into(0, f32, np.ones(3))                             # float64 result
    assert r is not f32 and r.dtype == np.float64
    assert sub_into(1, 1.0, f32) is f32 and np.all(f32 == 0.0)   # weak Python scalar
    i = np.arange(3)
    assert add_into(0, i, 1) is not i                            # integers: never
    x = np.linspace(0, 1, 4)
    m = ufunc_into(np.greater, 0, x, 0.5)
    assert m.dtype == bool and m is not x
    assert ufunc_into(np.tanh, 0, x) is x
    assert add_into(0, [1], [2]) == [1, 2]                       # not an array: plain +


def test_safe_mul_into_keeps_the_nan_policy(always):
    g = np.array([0.0, 2.0, 0.0, 1.0])
    d = np.array([np.inf, 3.0, np.nan, np.nan])
    r = safe_mul_into(g, d)
    np.testing.assert_array_equal(r[:2], [0.0, 6.0])
    assert r[2] == 0.0 and np.isnan(r[3])
    d = np.array([1.0, 3.0, 2.0, 4.0])
    assert safe_mul_into(g, d) is d and list(d) == [0.0, 6.0, 0.0, 4.0]


def test_small_arrays_are_not_written_into():
    a = np.ones(3)
    assert add_into(0, a, a) is not a
    big = np.ones(runtime_reuse.SMALL)
    assert add_into(0, big, 1.0) is big


def broadcast_then_einsum(L, x, mu):
    xc = x[:, None, :] - mu[None, :, :]
    y = np.exp(mu)[None, :, :] * xc + np.einsum("kij,nkj->nki", L, xc)
    return np.sum(y * y)


def test_an_unbroadcast_of_a_dead_new_array_is_written_into(always):
    """``unbroadcast(t, x)`` of a product ``t`` nothing else reads is ``t``, a new
    sum or a read-only broadcast: the sum of cotangents may write into it."""
    rng = np.random.default_rng(5)
    args = (rng.standard_normal((3, 2, 2)), rng.standard_normal((5, 2)),
            rng.standard_normal((3, 2)))
    g = adc.grad(broadcast_then_einsum, wrt=(0, 1, 2))
    got = g(*args)
    lines = [s.strip() for s in g.source.splitlines()]
    assert any(s.startswith("xc_bar_2 = add_into(1, xc_bar, xc_bar_1)") for s in lines), g.source
    for k in range(3):
        assert_close(got[k], numerical_grad(broadcast_then_einsum, args, k))
    # the broadcast case: the unbroadcast returns a read-only view, never written
    args = (args[0], rng.standard_normal((1, 2)), args[2])
    got = g(*args)
    for k in range(3):
        assert_close(got[k], numerical_grad(broadcast_then_einsum, args, k))
