"""Every corpus function through ``adc.grad``, checked against central
finite differences for every differentiable argument (float64), plus the
dtype/type contract (float32 in -> float32 out, Python float -> float)."""
import numpy as np
import pytest

import ad_compiler as adc

from .corpus import CORPUS, by_name
from .fd import assert_close, numerical_grad

# Features the compiler rejects with a clear UnsupportedSyntaxError "not
# supported (yet)" today.  strict=True: remove the entry once it works.
NOT_YET = {}


def _param(case):
    marks = []
    if case.name in NOT_YET:
        marks.append(pytest.mark.xfail(strict=True, raises=adc.UnsupportedSyntaxError,
                                       reason=NOT_YET[case.name]))
    return pytest.param(case, id=case.name, marks=marks)


def _copy(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


@pytest.mark.parametrize("case", [_param(c) for c in CORPUS])
def test_grad_matches_finite_differences(case):
    g = adc.grad(case.fn, wrt=case.wrt)
    for args in case.args():
        before = _copy(args)
        grads = g(*args)
        assert isinstance(grads, tuple) and len(grads) == len(case.wrt)
        for a, b in zip(args, before):       # inputs are not mutated
            np.testing.assert_array_equal(a, b)
        for k, gk in zip(case.wrt, grads):
            expected = numerical_grad(case.fn, args, k)
            assert np.shape(gk) == np.shape(args[k]), f"{case.name} arg {k}"
            assert_close(gk, expected, what=f"{case.name}{tuple(map(_short, args))} d/d arg{k}")


@pytest.mark.parametrize("case", [_param(c) for c in CORPUS if len(c.wrt) > 1])
def test_single_wrt_agrees_with_tuple(case):
    g_all = adc.grad(case.fn, wrt=case.wrt)
    for args in case.args()[:1]:
        grads = g_all(*args)
        for k, gk in zip(case.wrt, grads):
            single = adc.grad(case.fn, wrt=k)(*args)
            assert_close(single, gk, rtol=1e-12, atol=1e-12, what=f"{case.name} wrt={k}")


@pytest.mark.parametrize("case", [_param(c) for c in CORPUS])
def test_value_matches_primal(case):
    vg = adc.value_and_grad(case.fn, wrt=case.wrt)
    for args in case.args()[:2]:
        value, grads = vg(*args)
        assert_close(value, case.fn(*args), rtol=1e-12, atol=1e-12, what=case.name)


def _short(a):
    return f"array{a.shape}" if isinstance(a, np.ndarray) else a


# -- dtypes -------------------------------------------------------------------------------

FLOAT32_SAMPLE = ["a_ufuncs", "a_tanh_sq", "a_broadcast_row", "a_broadcast_col", "a_sum_axis",
                  "a_softmax_keepdims", "a_dot_mat", "a_matmul", "a_reshape", "a_relu", "a_where",
                  "a_slice_2d", "a_methods_reduce", "a_mlp_loss", "c_for_rows", "c_enumerate",
                  "c_data_branch_in_loop", "c_rnn", "m_setitem_loop"]


@pytest.mark.parametrize("name", FLOAT32_SAMPLE)
def test_float32_arrays_give_float32_gradients(name):
    case = by_name(name)
    args64 = case.args()[0]
    args32 = [a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args64]
    g = adc.grad(case.fn, wrt=case.wrt)
    grads32 = g(*args32)
    grads64 = g(*args64)
    for k, g32, g64 in zip(case.wrt, grads32, grads64):
        if isinstance(args32[k], np.ndarray):
            assert isinstance(g32, np.ndarray) and g32.dtype == np.float32, \
                f"{name} arg {k}: {type(g32).__name__} {getattr(g32, 'dtype', '')}"
            assert g32.shape == args32[k].shape
            assert_close(g32, g64, rtol=1e-3, atol=1e-3, what=f"{name} float32 vs float64")
        assert g64.dtype == np.float64 if isinstance(g64, np.ndarray) else True


SCALAR_SAMPLE = ["s_poly", "s_div_pow", "s_math_module", "s_from_math", "s_numpy_on_scalar",
                 "s_aug_assign", "c_if_elif_else", "c_for_range", "c_while_data_dependent",
                 "k_helper_tuple", "k_closure"]


@pytest.mark.parametrize("name", SCALAR_SAMPLE)
def test_python_floats_give_python_floats(name):
    case = by_name(name)
    for args in case.args():
        grads = adc.grad(case.fn, wrt=case.wrt)(*args)
        for k, gk in zip(case.wrt, grads):
            assert type(gk) is float, f"{name}{args}: d/d arg{k} is {type(gk).__name__}"
        single = adc.grad(case.fn)(*args)
        assert type(single) is float


def test_scalar_and_array_mixed_gradient_types():
    case = by_name("a_broadcast_scalar")
    s, y = case.args()[0]
    gs, gy = adc.grad(case.fn, wrt=(0, 1))(s, y)
    assert type(gs) is float
    assert isinstance(gy, np.ndarray) and gy.shape == y.shape and gy.dtype == np.float64
    gs32, gy32 = adc.grad(case.fn, wrt=(0, 1))(s, y.astype(np.float32))
    assert type(gs32) is float
    assert gy32.dtype == np.float32


def test_corpus_shape():
    names = [c.name for c in CORPUS]
    assert len(names) == len(set(names))
    assert len([c for c in CORPUS if "straight" in c.tags]) >= 30
    assert len([c for c in CORPUS if c.tags & {"control", "calls", "mutation"}]) >= 40
    for c in CORPUS:
        arglists = c.args()
        assert arglists and all(len(a) == len(arglists[0]) for a in arglists), c.name
        assert all(isinstance(arglists[0][k], (float, np.ndarray)) for k in c.wrt), c.name
