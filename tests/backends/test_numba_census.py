"""The Numba census: one construct per function, each run through
``backend="numba"`` and ``backend="python"``.  Every construct either
agrees with the python backend (value and gradient), or is refused with a
``BackendError`` that names it (the README's table of what does not lower
lists the same ones): never a raw Numba or NumPy error, never a wrong value.
"""
import math

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.errors import BackendError

pytest.importorskip("numba")
try:
    import scipy.special as scipy_special
except ImportError:                 # (optional: the gammaln case needs it)
    scipy_special = None

def max_axis(x): return np.sum(np.max(x, axis=1) ** 2)
def min_axis(x): return np.sum(np.min(x, axis=0) ** 2)
def max_all(x): return np.max(x) * 2.0
def max_keepdims(x): return np.sum(x - np.max(x, axis=1, keepdims=True))
def sum_axis(x): return np.sum(np.sum(x, axis=1) ** 2)
def sum_keepdims(x): return np.sum(x / np.sum(x, axis=1, keepdims=True))
def mean_axis(x): return np.sum(np.mean(x, axis=0) ** 2)
def prod_axis(x): return np.sum(np.prod(x, axis=1))
def prod_all(x): return np.prod(x)
def std_axis(x): return np.sum(np.std(x, axis=1))
def var_axis(x): return np.sum(np.var(x, axis=0))
def std_all(x): return np.std(x)
def cumsum_axis(x): return np.sum(np.cumsum(x, axis=1) ** 2)
def cumsum_all(x): return np.sum(np.cumsum(x) ** 2)
def sort_axis(x): return np.sum(np.sort(x, axis=0) * np.arange(4.0))
def sort_1d(x): return np.sum(np.sort(x[0]) * np.arange(4.0))
def clip_2d(x): return np.sum(np.clip(x, 0.7, 1.5) ** 2)
def method_max_axis(x): return np.sum(x.max(axis=1) ** 2)
def method_sum_keepdims(x): return np.sum(x * x.sum(axis=0, keepdims=True))
def reshape(x): return np.sum(x.reshape(4, 3)[0] * np.arange(3.0))
def np_reshape(x): return np.sum(np.reshape(x, (2, 6))[1] ** 2)
def reshape_m1(x): return np.sum(x.reshape(-1) * np.arange(12.0))
def ravel(x): return np.sum(np.ravel(x) * np.arange(12.0))
def method_ravel(x): return np.sum(x.ravel() * np.arange(12.0))
def flatten(x): return np.sum(x.flatten() * np.arange(12.0))
def fancy_rows(x): return np.sum(x[np.array([0, 2])] ** 2)
def fancy_list(x): return np.sum(x[[0, 2, 2]] ** 2)
def fancy_pair(x): return np.sum(x[np.array([0, 1]), np.array([2, 3])] ** 2)
def none_index(x): return np.sum(x[0][:, None] * x[1][None, :])
def newaxis(x): return np.sum(x[:, np.newaxis, :] * x[np.newaxis, :, :])
def array_scalars(x): return np.sum(np.array([x[0, 0], x[1, 1] * 2.0, x[2, 3]]) ** 2)
def array_arrays(x): return np.sum(np.array([x[0], x[1] * 2.0]) ** 2)
def asarray_list(x):
    lst = [x[0, 0] * 2.0, x[0, 1]]
    return np.sum(np.asarray(lst) ** 2)
def setitem_int(x):
    z = np.zeros(3)
    z[0] = x[0, 0] * 2.0
    z[1] = x[1, 1]
    return np.sum(z ** 2)
def setitem_slice(x):
    z = np.zeros((3, 4))
    z[0] = x[0] * 2.0
    z[1:] = x[1:] ** 2
    return np.sum(z * x)
def builtin_max(x): return max(x[0, 0], x[1, 1]) * 2.0
def builtin_min(x): return min(x[0, 0], x[1, 1], x[2, 2]) * 2.0
def builtin_sum(x): return sum(x[0]) * 2.0
def builtin_sum_list(x): return sum([x[0, 0], x[0, 1], x[1, 1]])
def builtin_abs(x): return abs(x[0, 0] - 1.0) + np.sum(abs(x - 1.0))
def builtin_len(x): return np.sum(x) * len(x)
def range_forms(x):
    s = 0.0
    for i in range(3):
        s = s + x[i, 0]
    for i in range(1, 3):
        s = s + x[i, 1]
    for i in range(2, -1, -1):
        s = s * x[i, 2]
    return s
def stack_list(x): return np.sum(np.stack([x[0], x[1] * 2.0]) ** 2)
def stack_tuple_axis(x): return np.sum(np.stack((x[0], x[2]), axis=1) ** 2)
def concat_list(x): return np.sum(np.concatenate([x[0], x[1] * 2.0]) ** 2)
def concat_axis(x): return np.sum(np.concatenate((x, x * 2.0), axis=1) ** 2)
def list_of_arrays_loop(x):
    rows = []
    for i in range(3):
        rows.append(x[i] * float(i + 1))
    return np.sum(np.stack(rows) ** 2)
def einsum_ij_j(x): return np.sum(np.einsum("ij,j->i", x, x[0]) ** 2)
def einsum_ij_ij(x): return np.einsum("ij,ij->", x, x)
def einsum_3(x): return np.sum(np.einsum("kij,nkj->nki", np.stack([x[:, :3], x[:, 1:]]), np.stack([x[:2, :3], x[1:, 1:]])) ** 2)
def matmul_3d(x):
    a = np.stack([x[:, :3], x[:, 1:]])
    return np.sum(a @ a[:, 0] [:, :, None])
def stack_numbers(x): return np.sum(np.stack((x[0, 0], -x[1, 2], x[2, 1] * 2.0)) ** 2)
def matmul_batched(x):
    a = np.stack([x[:3, :3], x[:3, 1:]])
    return np.sum((a @ a) ** 2)
if scipy_special is not None:
    def gammaln_constant(x): return np.sum(x) * np.sum(scipy_special.gammaln(np.arange(1.0, 5.0)))
def lgamma_constant(x): return np.sum(x) * math.lgamma(3.5)
def svd(x): return np.sum(np.linalg.svd(x, compute_uv=False))
def where_axis(x): return np.sum(np.where(x > 1.0, x, 0.0) ** 2)
def argmax_take(x): return x[0, np.argmax(x[0])] * 2.0
def transpose_sum(x): return np.sum(x.T @ x)
def outer(x): return np.sum(np.outer(x[0], x[1]))
def dot2d(x): return np.sum(np.dot(x, x.T))
def exp_log(x): return np.sum(np.log(np.exp(x) + 1.0))
def tuple_shape(x):
    n, m = x.shape
    return np.sum(x) * n / m


# construct -> the text its BackendError must contain (README: "What Numba does not lower")
REFUSED = {
    "svd": "np.linalg.svd",
    "list_of_arrays_loop": "the list 'rows' starts empty",
}
CASES = sorted(name for name, v in list(globals().items())
               if callable(v) and getattr(v, "__module__", None) == __name__
               and not name.startswith(("test_", "_")))
X = np.linspace(0.5, 2.0, 12).reshape(3, 4) + np.array([[0, .3, 0, .1]] * 3)


@pytest.mark.parametrize("name", CASES)
def test_construct_lowers_or_is_refused_by_name(name):
    fn = globals()[name]
    value, grad = adc.value_and_grad(fn)(X)
    if name in REFUSED:
        with pytest.raises(BackendError, match="cannot lower to Numba") as info:
            adc.value_and_grad(fn, backend="numba")(X)
        assert REFUSED[name] in str(info.value)
        assert fn.__code__.co_filename in str(info.value)       # the user's file and line
        return
    nb_value, nb_grad = adc.value_and_grad(fn, backend="numba")(X)
    np.testing.assert_allclose(nb_value, value, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(nb_grad, grad, rtol=1e-11, atol=1e-12)
    assert np.shape(nb_grad) == np.shape(grad)


def test_census_covers_the_constructs_of_the_issue():
    wanted = {"max_axis", "min_axis", "prod_axis", "std_axis", "var_axis", "cumsum_axis",
              "sort_axis", "clip_2d", "reshape", "ravel", "fancy_rows", "none_index",
              "array_scalars", "array_arrays", "asarray_list", "setitem_int", "setitem_slice",
              "builtin_max", "builtin_sum", "builtin_abs", "builtin_len", "range_forms",
              "stack_list", "concat_list", "einsum_ij_j", "matmul_batched"}
    assert wanted <= set(CASES) and not wanted & set(REFUSED)
