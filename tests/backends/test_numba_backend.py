"""backend="numba": the same gradients as the Python backend, and errors."""
import importlib
import sys

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.errors import BackendError

from . import corpus

pytest.importorskip("numba")

RNG = np.random.default_rng(0)
CASES = [
    ("recurrence", (0.7, 25), 0),
    ("branches", (0.5, 2.0), (0, 1)),
    ("branches", (-0.5, 2.0), (0, 1)),
    ("helpers", (0.3, 1.2), (0, 1)),
    ("while_loop", (1.5,), 0),
    ("nested", (0.8, 1.1), (0, 1)),
    ("arrays", (RNG.normal(size=5), RNG.normal(size=5)), (0, 1)),
    ("array_loop", (RNG.normal(size=4), 6), 0),
    ("matvec", (RNG.normal(size=(3, 4)), RNG.normal(size=4)), (0, 1)),
]
IDS = [f"{name}-{k}" for k, (name, _, _) in enumerate(CASES)]


@pytest.fixture(scope="module")
def compiled():
    """One GradFunction per (function, wrt) and backend, shared by the tests."""
    out = {}
    for name, _, wrt in CASES:
        fn = getattr(corpus, name)
        out[name] = (adc.grad(fn, wrt=wrt), adc.grad(fn, wrt=wrt, backend="numba"))
    return out


def _fd(fn, args, k, eps=1e-6):
    x = args[k]
    if np.ndim(x) == 0:
        hi = list(args); lo = list(args)
        hi[k], lo[k] = x + eps, x - eps
        return (fn(*hi) - fn(*lo)) / (2 * eps)
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        hi, lo = x.copy(), x.copy()
        hi[idx] += eps
        lo[idx] -= eps
        a, b = list(args), list(args)
        a[k], b[k] = hi, lo
        g[idx] = (fn(*a) - fn(*b)) / (2 * eps)
    return g


@pytest.mark.parametrize("name,args,wrt", CASES, ids=IDS)
def test_numba_matches_python_and_finite_differences(compiled, name, args, wrt):
    py, nb = compiled[name]
    expect, got = py(*args), nb(*args)
    expect = expect if isinstance(wrt, tuple) else (expect,)
    got = got if isinstance(wrt, tuple) else (got,)
    for k, e, g in zip(wrt if isinstance(wrt, tuple) else (wrt,), expect, got):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
        assert type(g) is type(e)
        np.testing.assert_allclose(g, _fd(getattr(corpus, name), args, k), rtol=1e-5, atol=1e-6)


def test_python_floats_out(compiled):
    _, nb = compiled["branches"]
    gx, gy = nb(0.5, 2.0)
    assert type(gx) is float and type(gy) is float


def test_float32_arrays_give_float32(compiled):
    _, nb = compiled["arrays"]
    x = RNG.normal(size=5).astype(np.float32)
    w = RNG.normal(size=5).astype(np.float32)
    gx, gw = nb(x, w)
    assert gx.dtype == np.float32 and gw.dtype == np.float32
    py = adc.grad(corpus.arrays, wrt=(0, 1))
    np.testing.assert_allclose(gx, py(x, w)[0], rtol=1e-4)


def test_seed_for_a_non_scalar_output():
    nb = adc.grad(corpus.elementwise_np, wrt=0, backend="numba")
    x, y = RNG.normal(size=4), RNG.normal(size=4)
    seed = RNG.normal(size=4)
    np.testing.assert_allclose(nb(x, y, seed=seed),
                               adc.grad(corpus.elementwise_np)(x, y, seed=seed), rtol=1e-12)
    with pytest.raises(adc.NonScalarOutputError):
        nb(x, y)


def test_source_is_the_lowered_source(compiled):
    _, nb = compiled["arrays"]
    nb(RNG.normal(size=5), RNG.normal(size=5))
    assert "tensordot_adjoint" in nb.source        # np.dot's rule, ranks folded
    assert "np.ndim" not in nb.source


def test_unsupported_construct_is_a_backend_error_with_the_line():
    g = adc.grad(corpus.unsupported, backend="numba")
    with pytest.raises(BackendError) as info:
        g(np.ones(3))
    msg = str(info.value)
    assert "cannot lower to Numba" in msg and "einsum" in msg
    assert info.value.lineno == corpus.unsupported.__code__.co_firstlineno + 1
    assert 'np.einsum("...i,...i->", x, x)' in msg
    assert "cannot lower to Numba: np.einsum (np.einsum: '...' in the subscripts" in msg


def test_missing_numba_says_how_to_install(monkeypatch):
    for mod in list(sys.modules):
        if mod == "numba" or mod.startswith("numba."):
            monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setitem(sys.modules, "numba", None)        # import numba -> ImportError
    g = adc.grad(corpus.never_compiled, backend="numba")
    with pytest.raises(BackendError, match=r'pip install "ad_compiler\[numba\]"'):
        g(0.5)
    ew = adc.elementwise_grad(corpus.never_compiled_2, backend="numba")
    with pytest.raises(BackendError, match=r'pip install "ad_compiler\[numba\]"'):
        ew(np.ones(3))


def test_python_backend_needs_no_numba(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)
    assert adc.grad(corpus.never_compiled_2)(0.5) == pytest.approx(
        np.cos(0.5) - 0.5 * np.sin(0.5))
    importlib.import_module("ad_compiler.backend.dispatch")  # imports nothing of numba
