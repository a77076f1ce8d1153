"""``elementwise_grad``: per-element partial derivatives of a scalar function.

Example::

    def f(x, y):
        return math.sin(x) * y

    dx, dy = adc.elementwise_grad(f, wrt=(0, 1))(xs, ys)
    # dx[i] = cos(xs[i]) * ys[i],  dy[i] = sin(xs[i])   (xs, ys broadcast)

The arguments are broadcast together and ``f``'s gradient is evaluated at
every element:

* ``backend="python"``: the compiled Python gradient called once on the
  whole arrays with ``seed=np.ones(shape)`` (vectorised NumPy) when ``f``
  works on arrays; otherwise (``math.sin`` of an array...) one call per
  element.
* ``backend="numba"``: the scalar gradient compiled with ``numba.njit``,
  called from a generated ``numba.prange`` loop (``parallel=True``).
* ``backend="cuda"``: the scalar gradient as a CUDA device function, called
  from a generated ``@cuda.jit`` kernel with a grid-stride loop.
"""
from __future__ import annotations

import math
import numbers
import os

import numpy as np

from . import cache
from .api import BACKENDS, GradFunction, grad
from .backend.dispatch import require_cuda, require_numba
from .errors import BackendError

__all__ = ["elementwise_grad", "ElementwiseGrad"]


def elementwise_grad(fn, wrt=0, *, backend="python"):
    """Per-element partial derivatives of the scalar function ``fn`` with
    respect to ``wrt`` (an index or name, or a tuple of them: then a tuple
    of arrays comes back).  The arguments broadcast together."""
    return ElementwiseGrad(fn, wrt, backend)


def _loop_source(name, n_args, n_grads, parallel, joint_path):
    """The generated loop (``prange`` or grid-stride kernel) over flat arrays;
    the comment naming the joint function's file keeps cache files apart."""
    args = ", ".join(f"a{k}" for k in range(n_args))
    outs = ", ".join(f"out{j}" for j in range(n_grads))
    elems = ", ".join(f"a{k}[i]" for k in range(n_args))
    stores = "".join(f"        out{j}[i] = r[{j + 1}]\n" for j in range(n_grads))
    if parallel:
        head = f"def {name}({args}, {outs}):\n    for i in prange(out0.shape[0]):\n"
    else:
        head = (f"def {name}({args}, {outs}):\n    start = cuda.grid(1)\n"
                f"    stride = cuda.gridsize(1)\n"
                f"    for i in range(start, out0.shape[0], stride):\n")
    return f"# joint: {os.path.basename(joint_path)}\n" + head + \
        f"        r = joint({elems}, 1.0)\n" + stores


class ElementwiseGrad:
    def __init__(self, fn, wrt, backend):
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
        self.fn, self.backend = fn, backend
        self.single = not isinstance(wrt, (tuple, list))
        self.gradfn = grad(fn, wrt, backend=backend)
        self.wrt = self.gradfn.wrt
        self._loop = None
        self._kernel_fn = None
        self.__name__ = f"elementwise_grad_{getattr(fn, '__name__', 'f')}"

    def _broadcast(self, args):
        arrays = [np.asarray(a) for a in args]
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        dt = np.result_type(*(arrays[k].dtype for k in self.wrt), np.float32)
        if dt.kind != "f":
            dt = np.dtype(np.float64)
        return arrays, shape, dt

    def __call__(self, *args):
        if len(args) != len(self.gradfn.arg_names):
            raise TypeError(f"{self.__name__}() takes {len(self.gradfn.arg_names)} arguments "
                            f"but {len(args)} were given")
        if all(isinstance(a, (numbers.Number, np.generic)) for a in args):
            res = self.gradfn(*args)
            return res
        arrays, shape, dt = self._broadcast(args)
        if self.backend == "python":
            outs = self._python(arrays, shape, dt)
        else:
            flat = [np.ascontiguousarray(np.broadcast_to(a, shape)).reshape(-1) for a in arrays]
            for k in self.wrt:
                if flat[k].dtype.kind not in "f":
                    flat[k] = flat[k].astype(dt)
            n = int(np.prod(shape))
            outs = [np.empty(n, dtype=dt) for _ in self.wrt]
            if n:
                (self._numba if self.backend == "numba" else self._cuda)(flat, outs)
            outs = [o.reshape(shape) for o in outs]
        return outs[0] if self.single else tuple(outs)

    # -- python: vectorised NumPy, else one call per element -----------------------------
    def _python(self, arrays, shape, dt):
        full = [np.broadcast_to(a, shape).copy() for a in arrays]
        for k in self.wrt:
            if full[k].dtype != dt:
                full[k] = full[k].astype(dt)
        try:
            res = self.gradfn(*full, seed=np.ones(shape, dtype=dt))
            res = (res,) if self.single else res
            if all(np.shape(r) == shape for r in res):
                return [np.asarray(r, dtype=dt) for r in res]
        except Exception:                     # not array-safe (math.sin, branches...)
            pass
        outs = [np.empty(shape, dtype=dt) for _ in self.wrt]
        for idx in np.ndindex(*shape):
            r = self.gradfn(*(a[idx].item() for a in full))
            r = (r,) if self.single else r
            for o, v in zip(outs, r):
                o[idx] = v
        return outs

    def _kernel_gradfn(self):
        """The gradient the compiled loops call: a kernel cannot take the globals
        ``fn`` reads as arguments, so it is specialised on their values; the
        loop is rebuilt when one of them is rebound."""
        if self._kernel_fn is None:
            self._kernel_fn = GradFunction(self.fn, self.gradfn._wrt_spec, backend=self.backend,
                                           freeze_globals=True)
        elif self._kernel_fn.stale():
            self._loop = None
        return self._kernel_fn

    # -- numba: a prange loop over the scalar gradient ---------------------------------------
    def _numba(self, flat, outs):
        numba = require_numba('elementwise_grad(backend="numba")')
        gradfn = self._kernel_gradfn()
        if self._loop is None:
            v = gradfn.variant(tuple("s" for _ in flat))
            spec = v.lowered.specialization([0.0] * len(flat), 1.0)
            name = f"{gradfn.parsed.name}_ew"
            src = _loop_source(name, len(flat), len(outs), parallel=True, joint_path=spec.path)
            module, _ = cache.load_module(name, src, {"joint": spec.dispatcher,
                                                      "prange": numba.prange})
            from .backend.numba_backend import _ensure_parent_package
            _ensure_parent_package()
            self._loop = numba.njit(parallel=True, cache=True)(getattr(module, name))
            self._spec = spec
        self._launch(lambda: self._loop(*flat, *outs), "Numba")

    # -- cuda: a grid-stride kernel over the device function ----------------------------
    def _cuda(self, flat, outs):
        from numba import cuda
        require_cuda("elementwise_grad(backend=\"cuda\")")
        gradfn = self._kernel_gradfn()
        if self._loop is None:
            v = gradfn.variant(tuple("s" for _ in flat))
            spec = v.lowered.specialization([0.0] * len(flat), 1.0)
            name = f"{gradfn.parsed.name}_ew_kernel"
            src = _loop_source(name, len(flat), len(outs), parallel=False, joint_path=spec.path)
            module, _ = cache.load_module(name, src, {"joint": spec.dispatcher, "cuda": cuda})
            self._loop = cuda.jit(getattr(module, name))
            self._spec = spec
        n = outs[0].shape[0]
        simulated = _simulated()
        tpb = 32 if simulated else 256
        blocks = min(math.ceil(n / tpb), 4 if simulated else 65535)
        d_in = [cuda.to_device(a) for a in flat]
        d_out = [cuda.device_array_like(o) for o in outs]
        self._launch(lambda: self._loop[blocks, tpb](*d_in, *d_out), "CUDA")
        for o, d in zip(outs, d_out):
            d.copy_to_host(o)

    def _launch(self, run, target):
        from .backend.numba_backend import _is_numba_compile_error, translate_error
        try:
            run()
        except BackendError:
            raise
        except Exception as e:
            if _is_numba_compile_error(e):
                raise translate_error(e, self.gradfn.origin, self._spec.graph, self._spec.source,
                                      self._spec.path, target=target) from None
            raise

    def __repr__(self):
        return f"<ad_compiler elementwise gradient of {self.fn.__name__} wrt={self.wrt} " \
               f"backend={self.backend}>"


def _simulated():
    return os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0")
