"""Jacobians from reverse mode, one vector-Jacobian product per output row.

``ad_compiler`` has no forward mode yet (it is being written), so ba and ht
build their Jacobians from ``adc.grad(..., seed=e_i)``: the i-th call gives
row i.  When forward mode lands, each function below changes in ONE line, the
one marked ``SWITCH``: ``dense_jacobian`` becomes
``adc.jacobian(f, wrt=wrt)(*args)`` (which picks forward mode for ht's
26-column Jacobian), and ``block_rows`` becomes one ``adc.jvp`` per block
column.

    rows = dense_jacobian(f, (theta, data), wrt=0, n_out=3 * npts)
    # rows.shape == (3 * npts, theta.size)
"""
from __future__ import annotations

import numpy as np

import ad_compiler as adc


def _seeded(f, wrt, backend):
    return adc.grad(f, wrt=wrt, backend=backend)


def dense_jacobian(f, args, wrt, n_out, backend="python"):
    """J[i] = d f(*args)[i] / d args[wrt] for a function with a flat (n_out,) output.

    wrt may be an int (then J has shape (n_out, args[wrt].size)) or a tuple
    (then a tuple of such matrices, one per argument).
    """
    g = _seeded(f, wrt, backend)
    seed = np.zeros(n_out)
    many = isinstance(wrt, tuple)
    rows = [[] for _ in (wrt if many else (wrt,))]
    for i in range(n_out):                      # SWITCH: adc.jacobian(f, wrt=wrt)(*args)
        seed[i] = 1.0
        grads = g(*args, seed=seed)
        seed[i] = 0.0
        for acc, gi in zip(rows, grads if many else (grads,)):
            acc.append(np.ravel(gi))
    mats = tuple(np.array(r) for r in rows)
    return mats if many else mats[0]


def block_rows(f, args, wrt, out_shape, backend="python"):
    """Rows of a block-diagonal Jacobian whose blocks are the rows of a batch.

    f maps batched arguments (leading axis p) to a (p, r) output where row j
    of the output depends only on row j of each argument (ba's observations).
    Seeding output column c of every row at once gives, in one VJP, column c
    of every block: returns a list, over c, of the tuples of gradients.
    """
    g = _seeded(f, wrt, backend)
    p, r = out_shape
    out = []
    for c in range(r):                          # SWITCH: one adc.jvp per block column
        seed = np.zeros(out_shape)
        seed[:, c] = 1.0
        out.append(g(*args, seed=seed))
    return out
