"""elementwise_grad on the three backends, and the CUDA device function
(under Numba's CUDA simulator unless a GPU is there)."""
import os
import subprocess
import sys

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.errors import BackendError

from . import corpus

numba = pytest.importorskip("numba")
from numba import cuda  # noqa: E402  (a global: the simulator patches kernels' `cuda`)

X = np.linspace(-1.0, 1.5, 11)
Y = np.linspace(0.5, 2.0, 11)


def _cuda_ok():
    try:
        from numba import cuda
        return cuda.is_available() or os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
    except ImportError:
        return False


needs_cuda = pytest.mark.skipif(not _cuda_ok(), reason="no GPU and no CUDA simulator")


def _expected(fn):
    g = adc.grad(fn, wrt=(0, 1))
    pairs = [g(float(a), float(b)) for a, b in zip(X, Y)]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


@pytest.fixture(scope="module")
def expected():
    return {fn.__name__: _expected(fn) for fn in (corpus.elementwise, corpus.elementwise_np)}


@pytest.mark.parametrize("backend", ["python", "numba",
                                     pytest.param("cuda", marks=needs_cuda)])
@pytest.mark.parametrize("fn", [corpus.elementwise, corpus.elementwise_np],
                         ids=["branchy", "numpy"])
def test_elementwise_grad_backends_agree(expected, backend, fn):
    ew = adc.elementwise_grad(fn, wrt=(0, 1), backend=backend)
    gx, gy = ew(X, Y)
    ex, ey = expected[fn.__name__]
    np.testing.assert_allclose(gx, ex, rtol=1e-12)
    np.testing.assert_allclose(gy, ey, rtol=1e-12)
    assert gx.shape == X.shape


@pytest.mark.parametrize("backend", ["python", "numba", pytest.param("cuda", marks=needs_cuda)])
def test_elementwise_grad_broadcasts(backend):
    ew = adc.elementwise_grad(corpus.elementwise_np, wrt="x", backend=backend)
    xs = X.reshape(11, 1)
    g = ew(xs, np.array([1.0, 2.0]))
    assert g.shape == (11, 2)
    np.testing.assert_allclose(g[:, 1], (1 - np.tanh(X) ** 2) * 2.0 - 2 * X * np.exp(-X * X))


@needs_cuda
@pytest.mark.parametrize("how", ["property", "function"])
def test_device_function_in_a_user_kernel(how):
    from ad_compiler.backend.cuda_backend import device_grad
    g = adc.grad(corpus.elementwise, wrt=(0, 1), backend="cuda")
    dgrad = g.device_function if how == "property" else device_grad(g)

    @cuda.jit
    def kernel(xs, ys, gx, gy):
        i = cuda.grid(1)
        if i < xs.size:
            a, b = dgrad(xs[i], ys[i])
            gx[i] = a
            gy[i] = b

    gx, gy = np.zeros_like(X), np.zeros_like(X)
    kernel[1, 16](X, Y, gx, gy)
    ex, ey = _expected(corpus.elementwise)
    np.testing.assert_allclose(gx, ex, rtol=1e-12)
    np.testing.assert_allclose(gy, ey, rtol=1e-12)


@needs_cuda
def test_cuda_grad_on_numbers_and_stack_error():
    g = adc.grad(corpus.branches, wrt=(0, 1), backend="cuda")
    assert g(0.5, 2.0) == pytest.approx(adc.grad(corpus.branches, wrt=(0, 1))(0.5, 2.0))
    with pytest.raises(BackendError, match="stored per iteration"):
        adc.grad(corpus.needs_stack, backend="cuda")(0.3)
    with pytest.raises(BackendError, match="elementwise_grad"):
        g(np.ones(2), np.ones(2))


@needs_cuda
def test_loop_values_are_recomputed_so_device_code_needs_no_stack():
    # sin(x * i) depends only on x and the counter: on "cuda" the adjoint
    # recomputes it instead of stacking it, so the loop lowers to device code
    g = adc.grad(corpus.recurrence, backend="cuda")
    assert g(0.7, 12) == pytest.approx(adc.grad(corpus.recurrence)(0.7, 12), rel=1e-12)
    assert "_stack" not in g.source


def test_no_gpu_no_simulator_is_a_clear_error():
    code = ("import ad_compiler as adc, sys\n"
            "sys.path.insert(0, %r)\n"
            "import corpus\n"
            "try:\n"
            "    adc.grad(corpus.branches, backend='cuda')(0.5, 1.0)\n"
            "except adc.BackendError as e:\n"
            "    print('ERR', e)\n" % os.path.dirname(__file__))
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120)
    from numba import cuda
    if cuda.is_available() and os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
        pytest.skip("a real GPU is present")
    assert "ERR" in out.stdout, out.stderr
    assert "NUMBA_ENABLE_CUDASIM=1" in out.stdout and "GPU" in out.stdout
