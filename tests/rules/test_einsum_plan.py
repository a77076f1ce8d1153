"""The einsum adjoint lets NumPy plan large contractions (BLAS, batched over
shared indices) and keeps the plain loop for small ones; both give the
gradient of the contraction as written (checked by the dot-product test
against a directional derivative, which is exact for a multilinear map)."""
import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.rules import adjoints


CASES = [("kij,nkj->nki", [(6, 5, 5), (40, 6, 5)]),        # gmm's batched matrix-vector
         ("nki,nkj->kij", [(40, 6, 5), (40, 6, 5)]),
         ("ij,jk->ik", [(30, 40), (40, 20)]),
         ("bij,bjk->bik", [(8, 10, 12), (8, 12, 6)]),
         ("i,i->", [(5000,), (5000,)]),
         ("ij,ij->j", [(300, 70), (300, 70)]),
         ("ii->i", [(90, 90)])]


@pytest.mark.parametrize("plan_above", [0, 1 << 40])        # always planned, never planned
@pytest.mark.parametrize("subscripts,shapes", CASES)
def test_einsum_gradient_both_ways(monkeypatch, plan_above, subscripts, shapes):
    monkeypatch.setattr(adjoints, "_PLAN_ABOVE", plan_above)
    rng = np.random.default_rng(len(subscripts))
    arrays = [rng.normal(size=s) for s in shapes]
    out = np.einsum(subscripts, *arrays)
    g = rng.normal(size=np.shape(out))
    for k, x in enumerate(arrays):
        adj = adjoints.einsum_adjoint(g, (subscripts, *arrays), k)
        v = rng.normal(size=x.shape)
        moved = list(arrays)
        moved[k] = v                      # linear in operand k: J v = einsum with v there
        lhs = np.sum(g * np.einsum(subscripts, *moved))
        assert np.sum(adj * v) == pytest.approx(lhs, rel=1e-11, abs=1e-11)


def test_large_gradient_through_grad():
    rng = np.random.default_rng(3)
    L, xc = rng.normal(size=(20, 16, 16)), rng.normal(size=(200, 20, 16))

    def f(L, xc):
        return np.sum(np.einsum("kij,nkj->nki", L, xc) ** 2)

    gL, gx = adc.grad(f, wrt=(0, 1))(L, xc)
    y = np.einsum("kij,nkj->nki", L, xc)
    # (the forward einsum is planned too: its rounding differs from the plain loop's,
    # by 1e-14 absolute, 1e-11 relative on the smallest items)
    np.testing.assert_allclose(gL, 2 * np.einsum("nki,nkj->kij", y, xc), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(gx, 2 * np.einsum("nki,kij->nkj", y, L), rtol=1e-11, atol=1e-12)
