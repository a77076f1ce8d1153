"""Element-by-element loops (x[i] reads, out[i] = v writes, row writes)
lower to Numba with the in-place accumulation helpers' twins, and give the
same gradients as the Python backend."""
import numpy as np
import pytest

import ad_compiler as adc
from compiler import accumulate_examples as ex

CASES = [
    (ex.item_reads, lambda: (np.linspace(-1.0, 1.5, 9),)),
    (ex.item_writes, lambda: (np.linspace(-1.0, 1.5, 9),)),
    (ex.row_writes, lambda: (np.arange(6.0).reshape(3, 2) / 5.0,)),
]


@pytest.mark.parametrize("fn, make", CASES, ids=[c[0].__name__ for c in CASES])
def test_element_loops_match_python_backend(fn, make):
    args = make()
    got = adc.grad(fn, backend="numba")(*args)
    want = adc.grad(fn)(*args)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert "index_add(" in adc.grad(fn, backend="numba").source
