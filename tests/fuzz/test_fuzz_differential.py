"""The fast, deterministic slice of the differential fuzzer (tests/fuzz).

Fixed seeds per family of the grammar: every program must give Python's
value and caller state, finite differences' gradient (or sit at a detected
non-differentiable point, counted), the tape's gradient where the tape runs
it, and the python backend's numbers on numba where numba lowers it.  On a
failure the message holds the reduced program, its inputs, and expected vs
got.  ``make fuzz`` runs the long mode on new seeds.
"""
import numpy as np
import pytest

from . import edges, grammar, oracle
from .runner import run
from .wellformed import well_formed

PER_FAMILY = 24                 # programs per family of the grammar
NUMBA_EVERY = 12                # every 12th program also on backend="numba"
MAX_REJECTED = 0.10             # documented rejections (MutationError), of all programs
MAX_SKIPPED = 0.02              # FD coordinates skipped at non-differentiable points

REQUIRED_FEATURES = {
    "nested-return", "bare-branch", "loop", "inner-loop", "break-continue", "while",
    "array-loop", "aug-assign", "swap", "dead-code", "mutation", "mut:view*=", "mut:alias+=", "mut:copy",
    "mut:row-view", "mut:fancy", "mut:fancy+=", "param-mutation", "index-assign", "list",
    "call:helper", "call:scale", "call:lam", "call:local-lambda", "call:local-def",
    "call:vhelper", "module-globals", "closure-cell", "pytree:d", "pytree:t",
}


def _seeds(family):
    if family == "rules":           # every edge-table entry once
        return range(len(edges.TABLE))
    return range(PER_FAMILY)


def _explain(stats):
    lines = [stats.summary(), ""]
    for key, found in sorted(stats.failures.items()):
        for f in found:
            if f.source:
                lines += [f.report(), ""]
    return "\n".join(lines)


@pytest.mark.parametrize("family", grammar.FAMILIES)
def test_random_programs_agree_four_ways(family):
    stats = run(_seeds(family), families=(family,), numba_every=NUMBA_EVERY, reduce_first=1,
                budget=150, max_reduced=3)
    if stats.failures:
        pytest.fail(_explain(stats), pytrace=False)
    assert stats.reject_fraction() <= MAX_REJECTED, _explain(stats)
    assert stats.skip_fraction() <= MAX_SKIPPED, _explain(stats)
    assert stats.fd_checked >= 2 * stats.status["ok"], _explain(stats)   # not testing nothing


def test_the_slice_covers_the_grammar():
    """Every construct the fuzzer promises appears in the CI slice."""
    seen = set()
    for family in grammar.FAMILIES:
        for seed in _seeds(family):
            prog = grammar.generate(seed, family)
            seen |= prog.features
            assert well_formed(prog.source()), prog.source()   # no read before assignment
    assert REQUIRED_FEATURES <= seen, REQUIRED_FEATURES - seen
    assert {"rule:" + e[0] for e in edges.TABLE} <= seen


def test_generation_is_deterministic():
    for family in grammar.FAMILIES:
        assert grammar.generate(5, family).source() == grammar.generate(5, family).source()
        a, b = grammar.generate(5, family).inputs(), grammar.generate(5, family).inputs()
        assert all(oracle.same(x, y, 0, 0) for x, y in zip(a, b))


# -- the oracle itself can fail: each check catches a planted error ------------------------
PLAIN = grammar.Program(seed=1, family="control", params=[("x", "s"), ("v", "v")],
                        body=[grammar.Node("s = np.sin(x) * np.sum(v ** 2)")], ret=["s"])


class _Shim:
    """ad_compiler with value_and_grad's answer changed by ``fudge``."""

    def __init__(self, real, fudge):
        self.real, self.fudge = real, fudge

    def __getattr__(self, name):
        return getattr(self.real, name)

    def value_and_grad(self, *a, **kw):
        g = self.real.value_and_grad(*a, **kw)
        return lambda *args: self.fudge(*g(*args), kw.get("backend", "python"))


@pytest.mark.parametrize("fudge, check", [
    (lambda v, g, b: (v + 1e-3, g), "value"),
    (lambda v, g, b: (v, (g[0] * 1.01, g[1])), "grad-fd:x"),
    (lambda v, g, b: (v, (g[0], g[1] + (b == "numba") * 1e-6)), "numba:v"),
])
def test_each_check_catches_a_planted_error(monkeypatch, fudge, check):
    monkeypatch.setattr(oracle, "adc", _Shim(oracle.adc, fudge))
    out = oracle.check(PLAIN, numba=check.startswith("numba"))
    if check.startswith("numba") and out.numba == "backend-error":
        pytest.skip("numba cannot lower the planted program")   # pragma: no cover
    assert check in {f.key for f in out.failures}, out


def test_the_tape_check_catches_a_planted_error(monkeypatch):
    real = oracle.tape.grad_of
    monkeypatch.setattr(oracle.tape, "grad_of",
                        lambda f, wrt: lambda *a: tuple(np.multiply(g, 2.0)
                                                        for g in real(f, wrt=wrt)(*a)))
    out = oracle.check(PLAIN)
    assert out.tape == "checked" and "tape:x" in {f.key for f in out.failures}, out


def test_a_kink_is_skipped_and_counted_not_failed():
    """A branch switching at the input: central differences agree at every
    step (2.0) but the one-sided ones do not (3.0 and 1.0)."""
    prog = grammar.Program(seed=1, family="control", params=[("x", "s")],
                           body=[grammar.Node("if x > 0.25:", [grammar.Node("return 3.0 * x - 0.5")])],
                           ret=["x"])
    out = oracle.check(prog, inputs=[0.25])
    assert out.fd_skipped == 1 and not out.failures, out
