"""Backend dispatch: picks the lowering for ``backend="numba"`` or
``backend="cuda"`` and imports its optional package, or says how to install it.

Example::

    g = adc.grad(f, backend="numba")
    g(x)        # pipeline.compile_graph -> emit (Python source) -> lower(compiled)
                #   -> numba_backend.NumbaGradient(compiled): its fn(*args, seed)
                #      runs the njit-compiled joint function

Both backends are optional extras; a missing package is a ``BackendError``
that says how to install it (``pip install "ad_compiler[numba]"``).  CUDA
also needs a GPU, or Numba's simulator (``NUMBA_ENABLE_CUDASIM=1``).
"""
from __future__ import annotations

import importlib
import os

from ..errors import BackendError

__all__ = ["lower", "require_numba", "require_cuda"]


def require_numba(what='backend="numba"'):
    """Import numba (and register the twins of the runtime helpers), or
    raise a ``BackendError`` that says how to install it."""
    try:
        numba = importlib.import_module("numba")
    except ImportError as e:
        raise BackendError(f"{what} needs numba, which is not installed ({e}); install it "
                           'with: pip install "ad_compiler[numba]"') from None
    importlib.import_module("ad_compiler.backend.numba_twins")
    importlib.import_module("ad_compiler.backend.numba_view_twins")
    importlib.import_module("ad_compiler.backend.numba_axis_twins")
    importlib.import_module("ad_compiler.backend.numba_container_twins")
    importlib.import_module("ad_compiler.backend.numba_einsum")
    importlib.import_module("ad_compiler.backend.numba_matmul")
    importlib.import_module("ad_compiler.backend.numba_special")
    return numba


def require_cuda(what='backend="cuda"'):
    """Import numba.cuda and check that a GPU (or the simulator) is there."""
    require_numba(what)
    try:
        cuda = importlib.import_module("numba.cuda")
    except ImportError as e:
        raise BackendError(f"{what} needs numba-cuda, which is not installed ({e}); install it "
                           'with: pip install "ad_compiler[cuda]"') from None
    simulated = os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0")
    try:
        available = cuda.is_available()
    except Exception:                        # a broken driver reads as "no GPU"
        available = False
    if not available and not simulated:
        raise BackendError(f"{what} needs an NVIDIA GPU with a working CUDA driver, and none "
                           "was found; to run CUDA code without a GPU, set "
                           "NUMBA_ENABLE_CUDASIM=1 (Numba's simulator) before importing numba")
    return cuda


def lower(compiled):
    """The runner of ``compiled`` (a ``compiled.CompiledFunction``) for its
    backend: an object whose ``fn(*args, seed)`` runs the lowered code, and
    whose ``source``, ``graph`` and ``path`` are those of the code it ran
    last.  Its backend's package is imported here, and only here."""
    backend = compiled.request.backend
    if backend == "numba":
        require_numba()
        if compiled.request.mode == "fwd":
            from .numba_forward import NumbaJvp       # (it imports numba)
            return NumbaJvp(compiled)
        from .numba_backend import NumbaGradient     # (it imports numba)
        return NumbaGradient(compiled)
    if backend == "cuda":
        require_cuda()
        from .cuda_backend import CudaGradient
        return CudaGradient(compiled)
    raise BackendError(f"unknown backend {backend!r}")
