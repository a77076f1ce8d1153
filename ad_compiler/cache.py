"""Caches: compiled gradient objects in memory, generated modules on disk.

Example::

    grad(f) is grad(f)                       # same options: the same object,
                                             # kept on f itself
    ~/.cache/ad_compiler/f_grad_3fa9c1d2.py  # the emitted source, imported from
                                             # this file so tracebacks show it

The directory is ``$AD_COMPILER_CACHE`` or ``~/.cache/ad_compiler``; file
names hash the generated source, so a file is written once and reused.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import types

__all__ = ["cache_dir", "load_module", "memoized", "clear_memo"]

_ATTR = "__ad_compiled__"      # where a function keeps its compiled gradients
PACKAGE = "ad_compiler_generated"


def memoized(fn, options, make):
    """The object ``make()`` built for ``fn`` with these options, kept on the
    function itself (so it lives exactly as long as the function: closures
    made in a loop are not pinned).  Callables without a ``__dict__`` (bound
    methods, partials) get a new object each time."""
    store = getattr(fn, "__dict__", None)
    if store is None or not isinstance(fn, types.FunctionType):
        return make()
    table = store.setdefault(_ATTR, {})
    hit = table.get(options)
    if hit is None:
        hit = table[options] = make()
    return hit


def clear_memo(fn):
    """Forget the compiled gradients of ``fn`` (benchmarks time a cold start)."""
    getattr(fn, "__dict__", {}).pop(_ATTR, None)


def cache_dir():
    d = os.environ.get("AD_COMPILER_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "ad_compiler")
    try:
        os.makedirs(d, exist_ok=True)
        return d
    except OSError:
        d = os.path.join(tempfile.gettempdir(), "ad_compiler_cache")
        os.makedirs(d, exist_ok=True)
        return d


def load_module(name, source, namespace):
    """Write ``source`` to a real file (named after its hash) and import it
    with ``namespace`` as its globals."""
    digest = hashlib.sha1(source.encode()).hexdigest()[:12]
    modname = f"{name}_{digest}"
    path = os.path.join(cache_dir(), modname + ".py")
    if not os.path.exists(path):
        tmp = path + f".{os.getpid()}.tmp"
        with open(tmp, "w") as fh:
            fh.write(source)
        os.replace(tmp, path)
    if PACKAGE not in sys.modules:             # the parent of every generated module
        pkg = types.ModuleType(PACKAGE)        # (Numba's cache re-imports by this name)
        pkg.__path__ = []
        sys.modules[PACKAGE] = pkg
    spec = importlib.util.spec_from_file_location(f"{PACKAGE}.{modname}", path)
    module = importlib.util.module_from_spec(spec)
    module.__dict__.update(namespace)
    spec.loader.exec_module(module)
    sys.modules[spec.name] = module
    return module, path
