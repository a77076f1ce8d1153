"""Lowering of a scalar gradient to a CUDA device function (numba-cuda).

Example::

    def f(x, y):
        return math.sin(x) * y

    dfdx = adc.grad(f, wrt=(0, 1), backend="cuda")
    dgrad = dfdx.device_function        # or cuda_backend.device_grad(dfdx)

    @cuda.jit
    def kernel(xs, ys, gx, gy):
        i = cuda.grid(1)
        if i < xs.size:
            gx[i], gy[i] = dgrad(xs[i], ys[i])

The scalar joint function (every argument a number, ranks folded as in
``numba_backend``) is compiled with ``cuda.jit(device=True)``; a small
generated wrapper ``f_dgrad(x, y)`` calls it with the seed 1.0 and returns
the gradients only (one value for a single ``wrt``, else a tuple).  Device
code has no growable lists, so a loop whose adjoint needs a per-iteration
stack is a ``BackendError``; loops whose adjoint needs no stored values,
branches and helper calls lower.  Calling ``adc.grad(f, backend="cuda")``
directly on numbers runs that device function in a one-thread kernel
(arrays: use ``elementwise_grad(..., backend="cuda")``).
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import cache
from ..errors import BackendError
from ..ir import ops
from .numba_backend import NumbaGradient, load_source, translate_error
from .numba_tapes import TYPED_MAKERS

__all__ = ["CudaGradient", "device_grad", "grad_only_source"]


def _device_jit(fn):
    from numba import cuda
    return cuda.jit(device=True)(fn)


def grad_only_source(name, inner, n_args, n_grads, has_aux=False, seed="1.0"):
    """Source of ``name(a0, a1, ...)`` returning only the gradients of the
    joint function ``inner`` (a scalar for one gradient)."""
    args = ", ".join(f"a{k}" for k in range(n_args))
    first = 2 if has_aux else 1
    outs = ", ".join(f"r[{first + j}]" for j in range(n_grads))
    return (f"def {name}({args}):\n"
            f"    r = {inner}({args}{', ' if args else ''}{seed})\n"
            f"    return {outs if n_grads > 1 else f'r[{first}]'}\n")


class CudaGradient(NumbaGradient):
    """The CUDA variant: its specialisations are device functions."""

    def _compile_source(self, name, source, namespace, graph):
        stacks = [i for i in graph.instructions() if i.fn in ops.TAPE_NEW + TYPED_MAKERS]
        if stacks:
            defs = {i.out: i for i in graph.instructions() if i.out is not None}
            pushed = [defs.get(i.args[-1]) for i in graph.instructions() if i.fn in ops.TAPE_STORE]
            loc = next((d.loc for d in pushed if d is not None and d.loc is not None), None)
            pf = self.origin
            raise BackendError(
                "cannot lower to CUDA: a loop's adjoint needs values stored per iteration "
                "(a tape), which device code cannot allocate; use backend=\"numba\" "
                "or rewrite the loop so its adjoint needs no intermediate values",
                fn_name=pf.fn_name, filename=pf.filename,
                lineno=loc.lineno if loc and loc.filename == pf.filename else pf.lineno,
                source_line=loc.source if loc and loc.filename == pf.filename else None)
        fn, path = load_source(name, source, namespace, suffix="cuda", jit=_device_jit)
        return _device_jit(fn), path

    def device(self):
        """The gradient-only device function for all-scalar arguments."""
        if getattr(self, "_device", None) is None:
            n = self.compiled.arguments.n_passed
            spec = self.specialization([0.0] * n, 1.0)
            name = f"{self.origin.fn_name}_dgrad"
            src = grad_only_source(name, "joint", n, len(self.layout.params), self.layout.has_aux)
            module, _ = cache.load_module(name, src, {"joint": spec.dispatcher})
            self._device = _device_jit(getattr(module, name))
            self._spec = spec
        return self._device

    def fn(self, *args):
        *vals, seed = args
        if not all(isinstance(v, (numbers.Number, np.generic)) for v in vals) or \
                not (seed is None or isinstance(seed, (numbers.Number, np.generic))):
            raise BackendError(
                'backend="cuda" runs gradients of scalar functions on numbers; for arrays use '
                'adc.elementwise_grad(f, backend="cuda") (one thread per element) or call '
                ".device_function from your own kernel", **self.origin.kw())
        spec = self.specialization(vals, seed)
        self.source, self.graph, self.path, self.lines = spec.source, spec.graph, spec.path, spec.lines
        return _run_once(self, spec, vals, 1.0 if seed is None else seed)


def _run_once(cg, spec, vals, seed):
    """One thread: the joint function on numbers, results copied back."""
    from numba import cuda
    n_out = cg.layout.n_results
    key = ("once", len(vals))
    kernel = getattr(cg, "_once", {}).get(key)
    if kernel is None:
        args = ", ".join(f"a{k}" for k in range(len(vals)))
        src = (f"def once({args}{', ' if args else ''}seed, out):\n"
               f"    r = joint({args}{', ' if args else ''}seed)\n"
               + "".join(f"    out[{j}] = r[{j}]\n" for j in range(n_out)))
        module, _ = cache.load_module("cuda_once", src, {"joint": spec.dispatcher})
        kernel = cuda.jit(module.once)
        cg.__dict__.setdefault("_once", {})[key] = kernel
    out = np.zeros(n_out)
    try:
        kernel[1, 1](*vals, seed, out)
    except Exception as e:
        if _is_compile_error(e):
            raise translate_error(e, cg.origin, spec, target="CUDA") from None
        raise
    res = [float(v) for v in out]
    first = cg.layout.first_grad
    for j, k in enumerate(cg.layout.params):
        if isinstance(vals[k], np.generic):
            res[first + j] = type(vals[k])(res[first + j])
    return tuple(res)


def _is_compile_error(e):
    from numba.core import errors
    return isinstance(e, errors.NumbaError)


def device_grad(gradfn):
    """The CUDA device function of ``gradfn``: a ``GradFunction`` made with
    ``backend="cuda"`` (``gradfn.device_function`` makes one from any)."""
    if not hasattr(gradfn, "device_function"):
        raise TypeError(f"device_grad takes a gradient made by adc.grad(f, backend=\"cuda\"), "
                        f"not {type(gradfn).__name__}")
    return gradfn.device_function
