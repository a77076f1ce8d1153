"""Every primitive with a reverse rule has a forward one (or is linear, so
that ``transforms/forward.py`` applies it to the tangents), and every
forward rule agrees with central finite differences on the spec table's
random, domain-aware inputs:

    (f(x + eps v) - f(x - eps v)) / (2 eps)  ==  jvp_k(v, ans, *args)

for each differentiable argument k (a linear primal: ``f(.., v, ..)``
with zeros for its other differentiable arguments)."""
import numpy as np
import pytest

import ad_compiler.rules as rules
from ad_compiler.rules.tangents import tangent_zero

from rule_specs import SPECS
from test_rule_table import IDS, _POSITION, _axpy, _builtin, _diff, _float_outputs, _is_diff, _like


def test_every_reverse_rule_has_a_forward_rule():
    missing = [r.name for r in rules.all_rules()            # (a user's custom_vjp may lack one)
               if _builtin(r) and not r.nondiff and r.diff_argnums() and not r.linear
               and any(r.jvp(k) is None for k in r.diff_argnums())]
    assert not missing, f"reverse rules without a forward rule: {missing}"


def _tangent(rule, k, args, kwargs, v, ans):
    jvp = rule.jvp(k)
    if jvp is not None:
        return jvp(v, ans, *args, **kwargs)
    assert rule.linear, f"{rule.name}: no forward rule for argument {k}"
    diff = set(rule.diff_argnums())
    subst = [v if i == k else (tangent_zero(a) if i in diff else a) for i, a in enumerate(args)]
    return rule.primal(*subst, **kwargs)


def _close(got, want, tol, what):
    if isinstance(want, tuple):
        assert isinstance(got, (tuple, list)) and len(got) == len(want), what
        for g, w in zip(got, want):
            if w is not None:
                _close(g, w, tol, what)
        return
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == want.shape, f"{what}: tangent shape {got.shape}, expected {want.shape}"
    np.testing.assert_allclose(got, want, rtol=tol * 10, atol=tol * 10, err_msg=what)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_jvp_matches_finite_differences(spec):
    rng = np.random.default_rng(_POSITION[id(spec)])
    rule = rules.lookup(spec.fn)
    args, kwargs = spec.make(rng), spec.make_kwargs(rng)
    call = lambda a: spec.fn(*a, **kwargs)  # noqa: E731
    ans = call(args)
    multi = rule.returns_tuple(*args, **kwargs)
    checked = 0
    for k in rule.diff_argnums():
        if k >= len(args) or not _is_diff(args[k]):
            continue
        v = _like(args[k], rng)
        plus = call(args[:k] + [_axpy(args[k], spec.eps, v)] + args[k + 1:])
        minus = call(args[:k] + [_axpy(args[k], -spec.eps, v)] + args[k + 1:])
        want = _diff(multi, plus, minus, spec.eps)
        if multi:
            want = tuple(w if f else None for w, f in zip(want, _float_outputs(multi, ans)))
        got = _tangent(rule, k, args, kwargs, v, ans)
        _close(got, want, spec.tol, f"{rule.name} argument {k}")
        checked += 1
    assert checked, "the spec exercises no differentiable argument"
