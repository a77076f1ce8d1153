"""The rules of the helpers generated gradients call (rules/runtime_helpers.py),
each against central finite differences of the helper itself, and the
closure property composition needs: every callee of a corpus gradient's
graph has a rule, or is structural (stack pushes and pops...)."""
import sys

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler import runtime
from ad_compiler.ir import ops
from ad_compiler.rules import lookup
from ad_compiler.rules import adjoints, arithmetic, runtime_helpers as rh, structural
from ad_compiler.transforms.reverse_stacks import STRUCTURAL

R = np.random.default_rng(7)


def a(*shape, lo=-1.0, hi=1.0):
    return R.uniform(lo, hi, size=shape)


# (helper, positional arguments, keyword arguments)
CASES = [
    (runtime.unbroadcast, (a(3, 4), a(4)), {}),
    (runtime.unbroadcast, (a(4), a(3, 4)), {}),
    (runtime.unbroadcast, (a(3, 1), a(1, 4)), {}),
    (runtime.unreduce, (a(3), a(3, 4), 1), {}),
    (runtime.unreduce, (a(3, 1), a(3, 4), 1, True), {}),
    (rh.rereduce, (a(3, 4), a(3), a(3, 4), 1), {}),
    (rh.rereduce, (a(3, 4), 0.5, a(3, 4)), {}),
    (runtime.cast_like, (a(3), a(3)), {}),
    (runtime.cast_like, (0.3, a(2, 2)), {}),
    (rh.uncast, (a(2, 2), a(2, 2)), {}),
    (runtime.safe_mul, (a(3), a(2, 3)), {}),
    (runtime.safe_div, (a(3), a(3, lo=0.5, hi=2.0)), {}),
    (runtime.div_or_zero, (a(3), a(3, lo=0.5, hi=2.0)), {}),
    (runtime.pow_slope, (a(3, lo=0.5, hi=2.0), 2.5), {}),
    (runtime.pow_slope, (a(3, lo=0.5, hi=2.0), a(3, lo=1.5, hi=3.0)), {}),
    (runtime.scatter_into, (a(2), a(5), np.array([1, 3])), {}),
    (runtime.scatter_into, (a(2), a(5), slice(1, 3)), {}),
    (runtime.copy_item, (a(5), slice(0, 2)), {}),
    (rh.copy_item_adjoint, (a(2), a(5), np.array([1, 3])), {}),
    (runtime.zero_at, (a(5), 2), {}),
    (arithmetic.matmul_adjoint_a, (a(3, 2), a(3, 4), a(4, 2)), {}),
    (arithmetic.matmul_adjoint_b, (a(3, 2), a(3, 4), a(4, 2)), {}),
    (arithmetic.matmul_adjoint_a, (a(3), a(3, 4), a(4)), {}),
    (adjoints.tensordot_adjoint, (a(3, 2), a(3, 4), a(4, 2), 1, 0), {}),
    (adjoints.tensordot_adjoint, (a(3, 2), a(3, 4), a(4, 2), 1, 1), {}),
    (adjoints.clip_adjoint, (a(6), a(6), -0.5, 0.5, 0), {}),
    (adjoints.undiagonal, (a(3), a(3, 3)), {}),
    (adjoints.cast_cotangent, (a(6), a(2, 3)), {}),
    (rh.reshape_cotangent, (a(6), a(2, 3)), {}),
    (runtime.accumulate, (a(3), a(3)), {}),
]


def _numeric(fn, args, kwargs, k, ct, v, eps=1e-6):
    hi = list(args)
    lo = list(args)
    hi[k] = args[k] + eps * v
    lo[k] = args[k] - eps * v
    d = (np.asarray(fn(*hi, **kwargs)) - np.asarray(fn(*lo, **kwargs))) / (2 * eps)
    return float(np.sum(d * ct))


@pytest.mark.parametrize("fn,args,kwargs", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_helper_rule_matches_finite_differences(fn, args, kwargs):
    rule = lookup(fn)
    assert rule is not None, fn
    ans = fn(*args, **kwargs)
    checked = 0
    for k, x in enumerate(args):
        vjp = rule.vjp(k)
        if vjp is None or rh.is_no_cotangent(vjp) or not isinstance(x, (float, np.ndarray)) \
                or (isinstance(x, np.ndarray) and x.dtype.kind != "f"):
            continue
        ct = R.standard_normal(np.shape(ans))
        v = R.standard_normal(np.shape(x)) if np.ndim(x) else 1.0
        got = vjp(ct, ans, *args, **kwargs)
        want = _numeric(fn, args, kwargs, k, ct, v)
        assert np.sum(np.asarray(got) * v) == pytest.approx(want, rel=1e-6, abs=1e-8), (fn, k)
        checked += 1
    assert checked, "no differentiable argument checked"


def _callees(graph):
    return {ins.fn for ins in graph.instructions()}


def test_every_callee_of_a_gradient_has_a_rule_or_is_structural():
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
    from compiler.corpus import CORPUS
    structural_ops = set(STRUCTURAL) | {ops.comment, ops.make_tuple, ops.make_list,
                                        ops.make_dict, ops.require, ops.raise_,
                                        ops.range_cond, ops.trips_within,
                                        ops.make_slice}   # (no gradient)
    missing = {}
    for case in CORPUS:
        g = adc.grad(case.fn, wrt=case.wrt[0])
        g(*case.args()[0])
        for fn in _callees(g._last.pure_graph):
            if fn in structural_ops or lookup(fn) is not None or not callable(fn):
                continue
            if getattr(fn, "__module__", "").startswith(("numpy", "math", "builtins")):
                continue
            missing.setdefault(getattr(fn, "__name__", repr(fn)), case.name)
    assert missing == {"norm_adjoint": "w_early_exit_norm"}, missing
