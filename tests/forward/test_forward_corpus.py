"""Every corpus function through ``adc.jvp``: against central finite
differences along a random direction, and against the reverse-mode
gradient by the dot-product test <J v, u> = <v, J^T u> (u = 1: every
corpus function returns a scalar)."""
import numpy as np
import pytest

import ad_compiler as adc

from compiler.corpus import CORPUS


def _direction(x, rng):
    if isinstance(x, np.ndarray):
        return rng.normal(size=x.shape).astype(x.dtype)
    return float(rng.normal())


def _tangents(case, args, rng):
    return tuple(_direction(a, rng) if k in case.wrt else None for k, a in enumerate(args))


def _moved(args, tangents, eps):
    return [a if t is None else a + eps * t for a, t in zip(args, tangents)]


def _copy(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_jvp_matches_finite_differences_and_reverse_mode(case):
    rng = np.random.default_rng(len(case.name))
    grad = adc.grad(case.fn, wrt=case.wrt)
    for args in case.args():
        ts = _tangents(case, args, rng)
        before = _copy(args)
        ts_before = _copy(ts)
        value, tangent = adc.jvp(case.fn, tuple(args), ts)
        for a, b in zip(args, before):                  # inputs are not changed
            np.testing.assert_array_equal(a, b)
        for a, b in zip(ts, ts_before):                 # nor the caller's tangents
            np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(value, case.fn(*_copy(args)), rtol=1e-12, atol=1e-12)
        assert np.shape(tangent) == np.shape(value)
        eps = 1e-6
        fd = (case.fn(*_moved(args, ts, eps)) - case.fn(*_moved(args, ts, -eps))) / (2 * eps)
        np.testing.assert_allclose(tangent, fd, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{case.name}: jvp vs finite differences")
        grads = grad(*args)
        dot = sum(float(np.sum(gk * ts[k])) for k, gk in zip(case.wrt, grads))
        np.testing.assert_allclose(tangent, dot, rtol=1e-9, atol=1e-10,
                                   err_msg=f"{case.name}: <J v, 1> vs <v, J^T 1>")
        if type(value) is float:
            assert type(tangent) is float
