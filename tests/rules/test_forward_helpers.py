"""The forward rules of the runtime helpers that reverse-mode code calls
(rules/helpers_forward.py), against central finite differences, at
points away from their special cases (zeros, where they are exact by
policy)."""
import numpy as np
import pytest

from ad_compiler import runtime
from ad_compiler.ir import ops
from ad_compiler.rules.registry import props
from ad_compiler.rules.tangents import no_tangent

rng = np.random.default_rng(0)
A = rng.uniform(0.5, 2.0, size=(3, 4))
B = rng.uniform(0.5, 2.0, size=(4,))
CASES = [
    (runtime.unbroadcast, (A, B), {}),
    (runtime.unreduce, (rng.normal(size=(3, 1)), A), {"axis": 1, "keepdims": True}),
    (runtime.cast_like, (A, A), {}),
    (runtime.safe_mul, (A, B), {}),
    (runtime.safe_div, (A, B), {}),
    (runtime.div_or_zero, (A, B), {}),
    (runtime.pow_slope, (A, 2.5), {}),
    (runtime.pow_slope, (1.7, 3.2), {}),
    (runtime.seed_cotangent, (A, A), {}),
    (runtime.item_cotangent, ((A, B), 1), {}),
    (runtime.own, (A,), {}),
]


def _perturbable(x):
    return isinstance(x, float) or (isinstance(x, np.ndarray) and x.dtype == np.float64) or \
        (isinstance(x, tuple) and all(isinstance(v, np.ndarray) for v in x))


def _move(x, eps, v):
    if isinstance(x, tuple):
        return tuple(a + eps * b for a, b in zip(x, v))
    return x + eps * v


def _like(x):
    if isinstance(x, tuple):
        return tuple(rng.normal(size=np.shape(a)) for a in x)
    return rng.normal(size=np.shape(x)) if isinstance(x, np.ndarray) else float(rng.normal())


@pytest.mark.parametrize("fn,args,kwargs", CASES, ids=[f"{i}-{c[0].__name__}"
                                                       for i, c in enumerate(CASES)])
def test_helper_jvp_matches_finite_differences(fn, args, kwargs):
    rule = props(fn)           # (a helper without reverse rule: its entry has forward rules only)
    ans = fn(*args, **kwargs)
    checked = 0
    for k, a in enumerate(args):
        jvp = rule.jvp(k)
        if jvp is None or not _perturbable(a):
            continue
        v = _like(a)
        eps = 1e-6
        plus = fn(*[_move(b, eps, v) if i == k else b for i, b in enumerate(args)], **kwargs)
        minus = fn(*[_move(b, -eps, v) if i == k else b for i, b in enumerate(args)], **kwargs)
        want = (np.asarray(plus, np.float64) - np.asarray(minus, np.float64)) / (2 * eps)
        got = jvp(v, ans, *args, **kwargs)
        if jvp is no_tangent:
            np.testing.assert_allclose(want, 0.0, atol=1e-6)
        else:
            np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=1e-5, atol=1e-6)
        checked += 1
    assert checked
