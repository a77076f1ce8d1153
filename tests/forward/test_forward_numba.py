"""backend="numba" for jvp: the corpus entries that Numba compiles (tagged
"numba_ok") with loops ("control"), and every scalar entry, give the
Python backend's (value, tangent); forward code has no stacks, so scalar
loops lower as they are."""
import numpy as np
import pytest

import ad_compiler as adc
from compiler.corpus import CORPUS

pytest.importorskip("numba")

LOOPS = [e for e in CORPUS if "numba_ok" in e.tags and ("control" in e.tags or "scalar" in e.tags)]


def _tangents(entry, args, rng):
    return tuple((rng.normal(size=np.shape(a)) if isinstance(a, np.ndarray) else float(rng.normal()))
                 if k in entry.wrt else None for k, a in enumerate(args))


@pytest.mark.filterwarnings("ignore::numba.core.errors.NumbaPerformanceWarning")
@pytest.mark.parametrize("entry", LOOPS, ids=[e.name for e in LOOPS])
def test_numba_jvp_matches_python(entry):
    rng = np.random.default_rng(3)
    for args in entry.args_factory():
        ts = _tangents(entry, args, rng)
        want = adc.jvp(entry.fn, tuple(args), ts)
        got = adc.jvp(entry.fn, tuple(args), ts, backend="numba")
        np.testing.assert_allclose(got[0], want[0], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(got[1], want[1], rtol=1e-10, atol=1e-12)


def test_the_loop_subset_is_broad():
    assert len(LOOPS) >= 40, len(LOOPS)


def test_scalar_loop_jvp_has_no_helpers_left():
    """On numbers the broadcasts and zeros are gone before lowering."""
    from compiler.corpus import by_name
    entry = next(e for e in LOOPS if "scalar" in e.tags and "control" in e.tags)
    args = entry.args_factory()[0]
    ts = _tangents(entry, args, np.random.default_rng(0))
    adc.jvp(entry.fn, tuple(args), ts, backend="numba")
    jf = adc.forward_api._jvp_function(entry.fn, entry.wrt, "numba")
    assert "broadcast_like" not in jf.source and "tangent_zero" not in jf.source
    del by_name
