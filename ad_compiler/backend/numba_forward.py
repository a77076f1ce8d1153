"""``backend="numba"`` for forward mode: the compiled jvp, njit-compiled.

Example::

    y, y_dot = adc.jvp(f, (x,), (v,), backend="numba")
    # compile_jvp -> emit (Python source) -> NumbaJvp: fn(*args, *tangents)
    #   runs the njit-compiled forward function chosen by the arguments' ranks

Forward code has no stacks, so scalar loops lower as they are.  The
tangent helpers (``rules.tangents``) get Numba twins here: on numbers
they are gone before lowering (``drop_scalar_helpers``); on arrays
``broadcast_like`` is a copy to the result's shape.
"""
from __future__ import annotations

import numpy as np

from ..errors import ADError
from .numba_backend import NumbaGradient, _is_numba_compile_error, translate_error

__all__ = ["NumbaJvp"]


class NumbaJvp(NumbaGradient):
    """``fn(*args, *tangents) -> (output, output_dot)`` through Numba."""

    def fn(self, *args):
        spec = self.specialization(list(args), None)
        self.source, self.graph, self.path, self.lines = spec.source, spec.graph, spec.path, spec.lines
        try:
            out, out_dot = spec.dispatcher(*args)
        except ADError:
            raise
        except Exception as e:
            if _is_numba_compile_error(e):
                raise translate_error(e, self.origin, spec) from None
            raise
        return out, out_dot


def _register():
    from ..rules.tangents import broadcast_like, tangent_zero
    from .numba_twins import _twin

    @_twin(broadcast_like)
    def _broadcast_like(t, ans):
        from numba import types
        if isinstance(ans, types.Array) and ans.ndim == 0:
            return lambda t, ans: t
        if isinstance(ans, types.Array) and isinstance(t, types.Array) and t.ndim == ans.ndim:
            def impl(t, ans):
                if t.shape == ans.shape:
                    return t
                return np.broadcast_to(t, ans.shape).copy()
            return impl
        if isinstance(ans, types.Array):
            def impl(t, ans):
                return np.broadcast_to(t, ans.shape).copy()
            return impl
        return lambda t, ans: t

    @_twin(tangent_zero)
    def _tangent_zero(x):
        from numba import types
        if isinstance(x, types.Array):
            return lambda x: np.zeros(x.shape)
        if isinstance(x, (types.NoneType, types.Omitted)):
            # a value absent on this path (a branch's placeholder in a
            # gradient's graph): its tangent is absent too, as in Python
            return lambda x: None
        return lambda x: 0.0


_register()
