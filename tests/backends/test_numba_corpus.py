"""Every compiler-corpus function tagged "numba_ok" gives the same gradients
with backend="numba" as with the Python backend, at every input of its
entry (both sides of each branch)."""
import numpy as np
import pytest

import ad_compiler as adc
from compiler.corpus import CORPUS

CASES = [e for e in CORPUS if "numba_ok" in e.tags]


def _tuple(x):
    return x if isinstance(x, tuple) else (x,)


@pytest.mark.filterwarnings("ignore::numba.core.errors.NumbaPerformanceWarning")
@pytest.mark.parametrize("entry", CASES, ids=[e.name for e in CASES])
def test_numba_matches_python_on_the_corpus(entry):
    for args in entry.args_factory():
        got = _tuple(adc.grad(entry.fn, wrt=entry.wrt, backend="numba")(*args))
        want = _tuple(adc.grad(entry.fn, wrt=entry.wrt)(*args))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
            assert type(g) is type(w) or (isinstance(g, np.ndarray) and isinstance(w, np.ndarray))


def test_the_corpus_has_a_broad_numba_subset():
    assert len(CASES) >= 90
