"""Rank inference by a worklist reaches the fixpoint the reference sweeps
reach, on every graph the compiler specialises: the corpus, with real
arguments, and the random control-flow programs."""
import numpy as np

import ad_compiler as adc
from ad_compiler import pipeline
from ad_compiler.transforms import ranks

from . import control_fuzz
from .corpus import CORPUS


def _checked(monkeypatch):
    seen = []
    real = ranks.infer_ranks

    def both(g, param_ranks):
        fast = real(g, param_ranks)
        monkeypatch.setattr(ranks, "SWEEPS", True)
        try:
            ref = real(g, param_ranks)
        finally:
            monkeypatch.setattr(ranks, "SWEEPS", False)
        assert fast == ref, g.name
        seen.append(len(fast.known))
        return fast

    monkeypatch.setattr(pipeline, "infer_ranks", both)
    return seen


def test_worklist_and_sweeps_agree_on_the_corpus(monkeypatch):
    seen = _checked(monkeypatch)
    for case in CORPUS:
        for args in case.args_factory()[:1]:
            try:
                adc.GradFunction(case.fn, wrt=case.wrt, cache=False)(*args)
            except (adc.ADError, TypeError, ValueError, ZeroDivisionError, IndexError):
                pass
    assert len(seen) > 100 and sum(seen) > 3000


def test_worklist_and_sweeps_agree_on_random_control_flow(monkeypatch, tmp_path):
    seen = _checked(monkeypatch)
    for seed in range(40):
        f = control_fuzz.load(seed, str(tmp_path))
        for x in (0.3, np.array([0.3, 0.7])):
            try:
                adc.GradFunction(f, cache=False)(x)
            except Exception:          # the fuzz programs may raise as Python does
                pass
    assert len(seen) > 40
