"""``scipy.special`` functions on the Numba backend, as twins of our own
(Numba has no scipy support): each runs per element through the ``math``
function Numba compiles.

Example: ``scipy.special.gammaln(a)`` for an array ``a`` becomes::

    out = np.empty(a.shape); out.flat[i] = math.lgamma(a.flat[i])

Only where SciPy is installed.  (These primals have no derivative rule in
the table, so they appear on values the gradient does not flow through,
such as GMM's normalising constant.)
"""
from __future__ import annotations

import math

import numpy as np
from numba.extending import overload

from .numba_twins import is_array, is_scalar

__all__ = []

try:
    import scipy.special as _special
except ImportError:          # pragma: no cover - SciPy is optional
    _special = None


def _per_element(fn, scalar):
    @overload(fn)
    def _ov(x):
        if is_scalar(x):
            return lambda x: scalar(x)
        if is_array(x):
            def impl(x):
                flat = np.ascontiguousarray(x).ravel()
                out = np.empty(flat.size, dtype=np.float64)
                for i in range(flat.size):
                    out[i] = scalar(flat[i])
                return out.reshape(x.shape)
            return impl
        return None
    return _ov


if _special is not None:
    _per_element(_special.gammaln, math.lgamma)
    _per_element(_special.gamma, math.gamma)
    _per_element(_special.erf, math.erf)
    _per_element(_special.erfc, math.erfc)
