"""Keys of cache entries, and fingerprints that check them without parsing.

Example::

    def f(x): return helper(x) * 2.0
    fingerprint(f)        # hash of f's code object (bytecode, constants, names,
                          # line table, file, qualname): changes with any edit
    fingerprint(np)       # ("module", "numpy")
    versions()            # ad_compiler, Python, NumPy, gast, Numba (if installed)
    describe(box, roots)  # how to find a guarded binding's box in another
                          # process: ("globals", "mymod"), ("value", 2, "helper")...

A warm entry stores, for each binding the compiled code was specialised on
(frontend/bindings.py: every inlined helper's ``__code__`` and
``__defaults__``, every global naming a module, a function, a flag), where
the binding lives and the fingerprint of what it held.  Loading finds each
binding again, fingerprints what it holds now and uses the entry only if
every fingerprint matches: an edited helper, an ``importlib.reload`` that
changed it, a notebook cell that redefined it all give a fresh compile.
"""
from __future__ import annotations

import hashlib
import importlib
import os
import importlib.util
import platform
import sys
import types

import numpy as np

__all__ = ["fingerprint", "versions", "describe", "resolve", "Unkeyable", "digest"]


class Unkeyable(Exception):
    """Something the compiled code depends on has no stable fingerprint
    (a closure cell, an object of a user class...): compile in memory."""


def digest(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(repr(p).encode())
        h.update(b"\0")
    return h.hexdigest()


_VERSIONS = None


def versions():
    """(name, version...) of everything whose change changes the output;
    read without importing anything new (importlib.metadata alone costs
    tens of milliseconds)."""
    global _VERSIONS
    if _VERSIONS is None:
        import gast
        version = getattr(sys.modules.get("ad_compiler"), "__version__", None)
        numba = sys.modules.get("numba")
        _VERSIONS = (("ad_compiler", version, _package_stamp()),
                     ("python", platform.python_implementation(), sys.version),
                     ("numpy", np.__version__),
                     ("gast", getattr(gast, "__version__", None) or _dist_version("gast")),
                     ("numba", numba.__version__ if numba is not None else _dist_version("numba")))
    return _VERSIONS


def _dist_version(name):
    """The version in the name of the package's ``.dist-info`` folder next
    to it (None when it is not installed)."""
    import os
    site = os.path.dirname(os.path.dirname(np.__file__))     # usually beside NumPy: one listdir
    try:
        found = [n for n in _listing(site) if n.lower().startswith(name + "-")
                 and n.endswith(".dist-info")]
    except OSError:
        found = []
    if found:
        return sorted(found)[-1][len(name) + 1:].rsplit(".", 1)[0]
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    site = os.path.dirname(os.path.dirname(spec.origin))
    try:
        found = [n for n in os.listdir(site)
                 if n.lower().startswith(name + "-") and n.endswith((".dist-info", ".egg-info"))]
    except OSError:
        found = []
    if found:
        return sorted(found)[-1][len(name) + 1:].rsplit(".", 1)[0]
    st = os.stat(spec.origin)                        # a source checkout: its file's stamp
    return f"{spec.origin}:{st.st_size}:{st.st_mtime_ns}"


_LISTINGS = {}


def _listing(folder):
    if folder not in _LISTINGS:
        _LISTINGS[folder] = os.listdir(folder)
    return _LISTINGS[folder]


def _package_stamp():
    """The compiler's own source changes the output too: a cheap stamp of
    its files (sizes and modification times, read with ``os.scandir``:
    about 0.3 ms for the whole package), so a developer's edit to a rule
    invalidates entries even when ``__version__`` stays."""
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parts = []

    def walk(folder, rel):
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
        for e in entries:
            if e.is_dir(follow_symlinks=False):
                if e.name != "__pycache__":
                    walk(e.path, f"{rel}/{e.name}")
            elif e.name.endswith(".py"):
                st = e.stat()
                parts.append(f"{rel}/{e.name}:{st.st_size}:{st.st_mtime_ns}")
    walk(pkg, "")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


# -- fingerprints -----------------------------------------------------------------------------
_CODE_ATTRS = ("co_name", "co_filename", "co_firstlineno", "co_argcount", "co_posonlyargcount",
               "co_kwonlyargcount", "co_flags", "co_code", "co_names", "co_varnames",
               "co_freevars", "co_cellvars", "co_qualname", "co_linetable", "co_lnotab",
               "co_exceptiontable")


def _code(code, h):
    for attr in _CODE_ATTRS:
        if attr == "co_lnotab" and hasattr(code, "co_linetable"):
            continue                                # (deprecated; same information)
        h.update(repr(getattr(code, attr, None)).encode())
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            _code(c, h)
        else:
            h.update(_const(c).encode())
        h.update(b"\1")


def _const(c):
    if isinstance(c, frozenset):                    # repr order depends on the hash seed
        return "frozenset(" + ",".join(sorted(_const(e) for e in c)) + ")"
    if isinstance(c, tuple):
        return "(" + ",".join(_const(e) for e in c) + ")"
    return f"{type(c).__name__}:{c!r}"


def code_hash(code):
    h = hashlib.sha256()
    _code(code, h)
    return h.hexdigest()


def _qualified(obj):
    return getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)


def _trusted(obj):
    from ..frontend.bindings import trusted_module
    mod = getattr(obj, "__module__", None)
    if mod is None and isinstance(obj, np.ufunc):
        return True
    return trusted_module(mod)


def fingerprint(obj, depth=0):
    """A value that is equal in two processes exactly when the compiled code
    may treat ``obj`` the same; raises ``Unkeyable`` when there is none."""
    from ..frontend.bindings import MISSING
    if depth > 8:
        raise Unkeyable("nested too deeply")
    if obj is MISSING:
        return ("missing",)
    if obj is None or obj is Ellipsis or isinstance(obj, (bool, int, float, complex, str, bytes)):
        return ("const", _const(obj))
    if isinstance(obj, np.generic):
        return ("npconst", str(obj.dtype), obj.tobytes().hex())
    if isinstance(obj, slice):
        return ("slice", _const(obj.start), _const(obj.stop), _const(obj.step))
    if isinstance(obj, np.dtype):
        return ("dtype", obj.str)
    if isinstance(obj, tuple):
        return ("tuple",) + tuple(fingerprint(e, depth + 1) for e in obj)
    if isinstance(obj, types.ModuleType):
        return ("module", obj.__name__)
    if isinstance(obj, types.CodeType):
        return ("code", code_hash(obj))
    if isinstance(obj, types.FunctionType):
        if _trusted(obj):
            return ("function", *_qualified(obj))
        return ("function", *_qualified(obj), code_hash(obj.__code__),
                fingerprint(obj.__defaults__, depth + 1))
    if isinstance(obj, type):
        fp = ("class", *_qualified(obj))
        if not _trusted(obj):
            fp += tuple((k, fingerprint(v, depth + 1)) for k, v in sorted(vars(obj).items())
                        if isinstance(v, (types.FunctionType, staticmethod, classmethod)))
        return fp
    if isinstance(obj, (staticmethod, classmethod)):
        return (type(obj).__name__, fingerprint(obj.__func__, depth + 1))
    if isinstance(obj, (types.BuiltinFunctionType, np.ufunc)) or (
            callable(obj) and _trusted(obj) and hasattr(obj, "__qualname__")):
        return ("builtin", getattr(obj, "__module__", None),
                getattr(obj, "__qualname__", getattr(obj, "__name__", None)))
    if _trusted(type(obj)) and type(obj).__module__.startswith("ad_compiler"):
        custom = getattr(obj, "__ad_fingerprint__", None)     # custom_vjp objects and the like
        if custom is not None:
            return ("ad", type(obj).__qualname__, fingerprint(custom(), depth + 1))
    raise Unkeyable(f"no fingerprint for {type(obj).__name__}")


# -- where a binding lives --------------------------------------------------------------------
def describe(box, roots, known):
    """A description of ``box`` another process can resolve: the root
    function, a module, a module's globals dict, the value of another
    recorded binding (``known``: index -> object), or an importable name."""
    for k, r in enumerate(roots):
        if box is r:
            return ("root", k)
        if isinstance(r, types.FunctionType) and box is r.__globals__:
            return ("root_globals", k)
        for j, cell in enumerate(getattr(r, "__closure__", None) or ()):
            if box is cell:
                return ("root_cell", k, j)
    if isinstance(box, types.ModuleType) and sys.modules.get(box.__name__) is box:
        return ("module", box.__name__)
    if isinstance(box, dict):
        name = box.get("__name__")
        mod = sys.modules.get(name) if isinstance(name, str) else None
        if mod is not None and mod.__dict__ is box:
            return ("globals", name)
    for j, obj in known.items():
        if obj is box:
            return ("value", j)
        for c, cell in enumerate(getattr(obj, "__closure__", None) or ()):
            if box is cell:
                return ("value_cell", j, c)
    mod, qual = _qualified(box)
    if isinstance(mod, str) and isinstance(qual, str) and "<" not in qual:
        if _lookup(mod, qual) is box:
            return ("qualname", mod, qual)
    raise Unkeyable(f"cannot say where a {type(box).__name__} lives")


def _lookup(mod, qual):
    obj = sys.modules.get(mod)
    for part in qual.split("."):
        obj = getattr(obj, part, None)
    return obj


def resolve(desc, roots, values):
    """The object ``desc`` names in this process (``values``: index ->
    object, the bindings resolved so far); raises LookupError."""
    kind = desc[0]
    if kind == "root":
        return roots[desc[1]]
    if kind == "root_globals":
        return roots[desc[1]].__globals__
    if kind == "root_cell":
        return roots[desc[1]].__closure__[desc[2]]
    if kind == "module":
        return importlib.import_module(desc[1])
    if kind == "globals":
        return importlib.import_module(desc[1]).__dict__
    if kind == "value":
        return values[desc[1]]
    if kind == "value_cell":
        return values[desc[1]].__closure__[desc[2]]
    if kind == "qualname":
        importlib.import_module(desc[1])
        obj = _lookup(desc[1], desc[2])
        if obj is None:
            raise LookupError(desc)
        return obj
    raise LookupError(desc)
