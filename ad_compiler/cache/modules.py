"""Generated modules as real files, and the in-memory memo of gradients.

Example::

    grad(f) is grad(f)                  # same options: the same object, kept on f
    load_module("f_grad", source, ns)   # <cache>/f_grad_3fa9c1d2e4b5.py, imported
                                        # from that file so tracebacks and pdb show it

File names hash the generated source, so a file is written once and reused.
With the cache disabled, refused or read-only, the files go to a private
temporary folder of the process instead (see location.py).
"""
from __future__ import annotations

import contextlib
import hashlib
import linecache
import os
import sys
import types

from . import disk, location

__all__ = ["memoized", "clear_memo", "load_module", "exec_module", "module_dir", "PACKAGE", "MODULE_CODE",
           "private_modules"]
_PRIVATE = [0]                 # > 0: inside private_modules()

_ATTR = "__ad_compiled__"      # where a function keeps its compiled gradients
PACKAGE = "ad_compiler_generated"
MODULE_CODE = "__module_code__"     # a generated module's own code object, in its globals


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


def module_dir():
    """Where generated modules are written: the cache folder, else a
    private temporary folder."""
    if _PRIVATE[0]:
        return location.private_dir()
    return location.usable_root() or location.private_dir()


@contextlib.contextmanager
def private_modules():
    """Generated modules go to the process's private folder meanwhile
    (``grad(..., cache=False)``)."""
    _PRIVATE[0] += 1
    try:
        yield
    finally:
        _PRIVATE[0] -= 1


def load_module(name, source, namespace):
    """Write ``source`` to a real file (named after its hash) and import it
    with ``namespace`` as its globals."""
    digest = hashlib.sha1(source.encode()).hexdigest()[:12]
    modname = f"{name}_{digest}"
    folder = module_dir()
    path = os.path.join(folder, modname + ".py")
    if disk.read_checked(folder, modname + ".py", disk.sha256(source.encode())) is None:
        if not disk.write_text(folder, modname + ".py", source):
            path = os.path.join("<ad_compiler>", modname + ".py")
            try:                                 # read-only or full: one warning, then here
                path = os.path.join(location.private_dir(), modname + ".py")
                disk._write_bytes(path, source.encode())
            except OSError:                      # nowhere: tracebacks read it from memory
                linecache.cache[path] = (len(source), None, source.splitlines(True), path)
    return exec_module(modname, source, namespace, path), path


def exec_module(modname, source, namespace, path, code=None):
    """A module ``ad_compiler_generated.<modname>`` run from ``source``
    (already read and checked; ``code``: its compiled form), as if
    imported from ``path``."""
    if PACKAGE not in sys.modules:             # the parent of every generated module
        pkg = types.ModuleType(PACKAGE)        # (Numba's cache re-imports by this name)
        pkg.__path__ = []
        sys.modules[PACKAGE] = pkg
    module = types.ModuleType(f"{PACKAGE}.{modname}")
    module.__file__ = path
    module.__dict__.update(namespace)
    code = code or compile(source, path, "exec")
    module.__dict__[MODULE_CODE] = code      # the cache stores it as is: no second compile
    exec(code, module.__dict__)
    sys.modules[module.__name__] = module
    return module
