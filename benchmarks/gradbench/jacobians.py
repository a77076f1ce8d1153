"""The Jacobians of ba and ht, each by the mode that needs the fewest passes.

ht's residuals (3 per point) depend on 26 pose parameters and on each
point's own (u, v): ``dense_forward`` takes the 26 columns by forward mode
(one compiled jvp, 26 calls; ``adc.jacfwd``) and, for the ``us`` block,
uses that row 3i+c depends on ``us[2i], us[2i+1]`` only, so two jvps with
every u (then every v) set to 1 give both columns of every row at once (the
column compression that sparse Jacobian tools call colouring).

ba's residuals are 2 per observation over 15 inputs of that observation:
``block_rows`` runs 2 reverse passes (``adc.grad(..., seed=)`` with the
seed on one residual column of every observation), fewer than 15 jvps.

    J = dense_forward(f, (theta, data), n_out=3 * npts)    # (3 npts, theta.size)
"""
from __future__ import annotations

import numpy as np

import ad_compiler as adc


def _seeded(f, wrt, backend):
    return adc.grad(f, wrt=wrt, backend=backend)


def dense_forward(f, args, n_out, backend="python", point_pairs=False):
    """J = d f(*args) / d args[0], shape (n_out, args[0].size), by forward mode.

    With ``point_pairs``, also the (n_out, 2) block d f[r] / d args[1][2 (r // 3) + c]
    for c = 0, 1 (args[1] holds one (u, v) pair per three outputs), by two jvps.
    """
    j_theta = np.reshape(adc.jacfwd(f, wrt=0, backend=backend)(*args), (n_out, -1))
    if not point_pairs:
        return j_theta
    jf = adc.jvp(f, wrt=(0, 1), backend=backend)
    zero_theta = np.zeros_like(args[0])
    cols = []
    for c in (0, 1):
        t_us = np.zeros_like(args[1])
        t_us.reshape(-1)[c::2] = 1.0
        cols.append(np.ravel(jf(*args, zero_theta, t_us)))
    return j_theta, np.stack(cols, axis=1)


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
    for c in range(r):
        seed = np.zeros(out_shape)
        seed[:, c] = 1.0
        out.append(g(*args, seed=seed))
    return out
