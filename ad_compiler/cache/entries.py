"""Warm starts of ``GradFunction``: what is stored on disk and how it is trusted.

Example::

    g = adc.grad(f)   # restore(g): f's front record, if every fingerprint in it
                      # matches, gives the call metadata and the prologue; else
                      # GradFunction parses f (and remember(g) writes the record)
    g(x)              # variant(g, kinds, compile): the module of this kind of
                      # arguments, imported from disk after its hash is checked;
                      # else compiled, then written

Two records per function and kind of arguments (see disk.py for their format):

* the **front** record, keyed by the function's code, the options and the
  versions (keys.py): parameter names, ``wrt`` indices, the ``*args``
  signature, the source location for errors, and every binding the code is
  specialised on (where it lives, the fingerprint of what it held) or reads
  per call.  Restoring it parses nothing: it resolves each binding in this
  process and compares fingerprints; one mismatch and the compiler runs.
* the **variant** record, keyed by the front record's content and the kinds
  of the arguments (and of the globals read): the generated module's file
  name and sha256, and the names it needs in its globals (the rule helpers,
  ``np``...) by reference.

Only plain functions (no bound ``self``, no ``functools.partial``) are
stored, and only variants of the Python backend (Numba keeps its own cache of
machine code, next to the generated module).
"""
from __future__ import annotations

import importlib
import marshal
import os
import pickle
import sys
import types

from . import disk, keys, location, rule_asts
from .modules import MODULE_CODE, exec_module, private_modules

__all__ = ["restore", "remember", "variant", "STATS"]

STATS = {"restored": 0, "loaded": 0, "stored": 0, "compiled": 0}


def _front_key(gf):
    if not getattr(gf, "_use_disk", True) or not isinstance(gf.fn, types.FunctionType):
        return None
    if os.environ.get("AD_COMPILER_DEBUG", "") not in ("", "0"):
        return None            # debug mode verifies every pass: it must run them
    if location.usable_root() is None:
        return None
    code, name = gf.fn.__code__, (gf.fn.__module__, gf.fn.__qualname__)
    kept = gf.__dict__.get("_front_key_of")
    if kept is not None and kept[0] is code and kept[1] == name:   # asked again (restore,
        return kept[2]                                              # remember, variants)
    kind = f"{type(gf).__module__}.{type(gf).__qualname__}"    # a gradient, a jvp...
    opts = (kind, repr(gf._wrt_spec), gf.has_aux, gf.backend, gf.return_value, gf.freeze_globals)
    key = keys.digest("front", keys.versions(), opts, keys.code_hash(code),
                      gf.fn.__module__, gf.fn.__qualname__)
    gf.__dict__["_front_key_of"] = (code, name, key)      # (a new __code__ is keyed again)
    return key


def _stem(name, key):
    safe = "".join(c if c.isalnum() or c == "_" else "_" for c in name)[:40] or "f"
    return f"{safe}_{key[:20]}"


# -- front records ----------------------------------------------------------------------------
def remember(gf):
    """Write the front record of a freshly set-up and built ``gf``."""
    key = _front_key(gf)
    if key is None or gf._bindings is None:
        return
    try:
        payload = _front_payload(gf, key)
    except (keys.Unkeyable, pickle.PicklingError, TypeError, AttributeError):
        return
    folder = location.usable_root()
    if folder is not None and disk.write_record(folder, _stem(gf.fn.__name__, key) + "_f", payload):
        gf._front_digest = payload["digest"]


def _front_payload(gf, key):
    roots = [gf.fn]
    b = gf._bindings
    guards = list(b.guards.values())
    known = {j: obj for j, (_, obj) in enumerate(guards)}
    g_rec = [(ref.kind, keys.describe(ref.box, roots, _before(known, j)), ref.name,
              keys.fingerprint(obj)) for j, (ref, obj) in enumerate(guards)]
    l_rec = [(ref.kind, keys.describe(ref.box, roots, known), ref.name) for ref, _ in b.loads.values()]
    pf = gf.parsed
    meta = dict(arg_names=list(gf.arg_names), single=gf.single, wrt=gf.wrt, picks=gf._picks,
                sig=pickle.dumps(gf._sig), loc=(pf.name, pf.filename, pf.lineno),
                guards=g_rec, loads=l_rec)
    # the digest names the variants: it covers the front key (the function's code, the
    # options, the versions of the compiler and its libraries) as well as the metadata
    return dict(key=key, digest=keys.digest(key, meta), **meta)


def _before(known, j):
    return {i: o for i, o in known.items() if i < j}


def restore(gf):
    """Fill ``gf``'s call metadata and prologue from its front record;
    False when there is none or it does not match this process."""
    key = _front_key(gf)
    if key is None:
        return False
    folder = location.usable_root()
    rec = disk.read_record(folder, _stem(gf.fn.__name__, key) + "_f", key)
    if rec is None:
        return False
    try:
        bindings = _bindings(gf, rec)
        sig = pickle.loads(rec["sig"])
    except Exception:          # a binding moved, a module is gone, a fingerprint differs
        return False
    from ..frontend.bindings import is_data
    prologue = bindings.prologue()
    try:
        free = prologue()
    except Exception:          # a missing name: the compiler says what Python says
        return False
    if free is None or not all(is_data(v) for v in free):
        return False           # a data name now holds a function...: specialise on it
    gf.arg_names, gf.single, gf.wrt, gf._picks = rec["arg_names"], rec["single"], \
        tuple(rec["wrt"]), rec["picks"]
    gf._sig, gf._loc, gf._front_digest = sig, tuple(rec["loc"]), rec["digest"]
    gf._ir, gf._bindings, gf._variants, gf._last = None, None, {}, None
    gf.__dict__.pop("parsed", None)        # (an earlier parse may be stale)
    gf._prologue = prologue
    STATS["restored"] += 1
    return True


class _Mismatch(Exception):
    pass


def _bindings(gf, rec):
    from ..frontend.bindings import MISSING, Bindings, Ref
    roots, guards = [gf.fn], rec["guards"]
    values, refs = {}, {}

    def value(j):
        if j in values:
            return values[j]
        kind, desc, name, fp = guards[j]
        ref = Ref(kind, _box(desc), name)
        if kind in ("global", "builtin"):
            cur = ref.box.get(name, MISSING)
        elif kind == "cell":
            cur = ref.box.cell_contents
        else:
            cur = getattr(ref.box, name, MISSING)
        if keys.fingerprint(cur) != fp:
            raise _Mismatch(name)
        values[j], refs[j] = cur, ref
        return cur

    def _box(desc):
        if desc[0] in ("value", "value_cell"):
            value(desc[1])
        return keys.resolve(desc, roots, values)

    for j in range(len(guards)):
        value(j)
    b = Bindings(freeze=gf.freeze_globals)
    for j, ref in refs.items():
        b.guards[ref.key()] = (ref, values[j])
    for kind, desc, name in rec["loads"]:
        ref = Ref(kind, _box(desc), name)
        b.loads[ref.key()] = (ref, None)
    return b


# -- variants ---------------------------------------------------------------------------------
class WarmVariant:
    """A compiled variant loaded from disk, read like the pipeline's
    ``CompiledFunction`` (compiled.py): ``fn``, ``source``, ``path`` and the
    request's ``layout`` and the generated-line map at once; its SSA
    ``graph`` (and ``pure_graph``, which a gradient of the gradient
    differentiates) are compiled again (parsing the function) only if asked."""

    def __init__(self, fn, source, path, gf, kinds, lines=None):
        self.python_fn, self.python_source, self.python_path = fn, source, path
        self.request = gf._request(kinds)
        self.lowered = None
        self._gf, self._kinds, self._compiled, self._lines = gf, kinds, None, lines

    def _full(self):
        if self._compiled is None:
            self._compiled = self._gf._compile(self._kinds)
        return self._compiled

    fn = property(lambda self: self.python_fn)
    source = property(lambda self: self.python_source)
    path = property(lambda self: self.python_path)
    layout = property(lambda self: self.request.layout)
    arguments = property(lambda self: self.request.arguments)
    origin = property(lambda self: self.request.origin)

    graph = python_graph = property(lambda self: self._full().graph)
    pure_graph = property(lambda self: self._full().pure_graph)
    lines = python_lines = property(
        lambda self: self._lines if self._lines is not None else self._full().lines)


def variant(gf, kinds, compile):
    """The variant of ``gf`` for ``kinds``: from disk when an intact entry
    matches, else ``compile(kinds)`` (then stored)."""
    front = getattr(gf, "_front_digest", None)
    if not getattr(gf, "_use_disk", True):
        STATS["compiled"] += 1
        with private_modules():             # cache=False: not even the module file there
            return compile(kinds)
    if gf.backend != "python" or front is None or _front_key(gf) is None:
        STATS["compiled"] += 1
        return compile(kinds)
    key = keys.digest("variant", front, tuple(kinds))
    stem = _stem(gf.fn.__name__, key)
    folder = location.usable_root()
    hit = _load_variant(folder, stem, key, gf, kinds)
    if hit is not None:
        STATS["loaded"] += 1
        return hit
    STATS["compiled"] += 1
    v = compile(kinds)
    _store_variant(folder, stem, key, v)
    rule_asts.flush()
    return v


def _load_variant(folder, stem, key, gf, kinds):
    rec = disk.read_record(folder, stem, key)
    if rec is None:
        return None
    source = disk.read_checked(folder, rec["file"], rec["sha"], mark_used=True)
    try:
        if source is None:
            raise LookupError("module file changed")
        namespace = {name: _decode(item) for name, item in rec["namespace"].items()}
    except Exception:
        disk.remove_entry(folder, stem)
        return None
    path = os.path.join(folder, rec["file"])
    code = marshal.loads(rec["code"])        # compiled when stored: no compile() here
    if code.co_filename != path:             # (the folder was moved)
        code = compile(source, path, "exec")
    module = exec_module(rec["file"][:-3], source, namespace, path, code)
    return WarmVariant(getattr(module, rec["fname"]), source, path, gf, kinds, rec.get("lines"))


def _store_variant(folder, stem, key, v):
    fn = getattr(v, "fn", None)
    if folder is None or not isinstance(fn, types.FunctionType):
        return
    skip = {fn.__name__, "__builtins__"}
    try:
        namespace = {name: _encode(val) for name, val in fn.__globals__.items()
                     if name not in skip and not (name.startswith("__") and name.endswith("__"))}
    except (keys.Unkeyable, pickle.PicklingError, TypeError, AttributeError):
        return
    path = getattr(v, "path", None) or ""
    name = os.path.basename(path)          # the module compile() wrote (cache/modules.py)
    if os.path.dirname(path) != folder or not name.endswith(".py"):
        name = stem + ".py"
        if not disk.write_text(folder, name, v.source):
            return
    code = fn.__globals__.get(MODULE_CODE)    # compiled as it was imported
    if code is None or code.co_filename != os.path.join(folder, name):
        code = compile(v.source, os.path.join(folder, name), "exec")
    code = marshal.dumps(code)
    rec = dict(key=key, sha=disk.sha256(v.source.encode()), fname=fn.__name__, namespace=namespace,
               file=name, code=code, lines=dict(getattr(v, "lines", None) or {}))
    if disk.write_record(folder, stem, rec):
        STATS["stored"] += 1
        disk.evict(folder, location.max_bytes(), keep={stem, rule_asts.stem()})


def _encode(val):
    if isinstance(val, types.ModuleType):
        if sys.modules.get(val.__name__) is not val:
            raise keys.Unkeyable("module not importable")
        return ("module", val.__name__)
    fp = None
    if isinstance(val, (types.FunctionType, type)):
        fp = keys.fingerprint(val)
    return ("pickle", pickle.dumps(val, protocol=4), fp)


def _decode(item):
    if item[0] == "module":
        return importlib.import_module(item[1])
    val = pickle.loads(item[1])
    if item[2] is not None and keys.fingerprint(val) != item[2]:
        raise LookupError("a helper of the generated code changed")
    return val
