"""Lowering of a joint gradient graph to ``numba.njit`` (nopython mode).

Example: for ``def f(x, w): return np.dot(x, w)`` called with two 1-D
arrays, the joint graph's rule for ``np.dot`` tests ``np.ndim(x) == 0``;
here that reads ``1 == 0``, the branch folds away, and the emitted source
keeps only the 1-D adjoint, which Numba compiles::

    t4_bar = unbroadcast(out_bar, t4)          # a Numba twin (numba_twins)
    x_bar = unbroadcast(t4_bar * w, x)
    ...

Steps, once per distinct array-rank signature of the arguments: fold the
ranks of values into the graph (``np.ndim``/``.ndim`` become constants,
dead rule branches go), re-emit Python source with the core emitter, write
it to a real file in the cache (named after a hash of the source, the
objects it refers to and the Numba twins, so ``cache=True`` never reads a
stale kernel) and compile it with ``numba.njit(cache=True)``.  Numba then
specialises on exact types (dtypes, layouts) itself.  A Numba typing error
becomes a ``BackendError`` that names the construct and the source line.
Importing this module needs numba (``dispatch.require_numba`` says how to
install it).
"""
from __future__ import annotations

import hashlib
import inspect
import numbers
import os
import re
import sys
import types
from dataclasses import dataclass, replace

import numba
import numpy as np

from .. import cache, runtime
from ..errors import ADError, BackendError
from ..ir import ops
from ..ir.nodes import Call, Attr, Block, Const
from ..ir.walk import fresh_namer, value_names
from ..rules.registry import props
from ..transforms.ranks import infer_ranks
from ..transforms.simplify import simplify, substitute
from ..transforms.trip_count import trip_count
from . import (numba_axis_twins, numba_container_twins, numba_einsum, numba_matmul, numba_special,
               numba_stacks, numba_twins, numba_view_twins)
from .emit import emit_function
from .numba_tapes import scalar_kinds, typed_tapes
from .numba_twins import jit_helper

__all__ = ["NumbaGradient", "rank_key", "specialize_ranks", "compile_source", "translate_error"]

# -- arguments ---------------------------------------------------------------------------
def rank_key(value):
    """The rank of an argument as the graph specialisation sees it: 0 for a
    number, the ``ndim`` of an array, None for anything else."""
    if isinstance(value, np.ndarray):
        return value.ndim
    if isinstance(value, (numbers.Number, np.generic)):
        return 0
    return None


# -- rank specialisation -----------------------------------------------------------------
def specialize_ranks(g, ranks, arrays=()):
    """Fold ``np.ndim(v)`` / ``v.ndim`` where the rank of ``v`` follows from
    the arguments' ranks (and ``isinstance(v, np.ndarray)`` for arguments,
    ``arrays`` saying which are arrays, and values of rank > 0), then
    simplify (constant and branch folding) until nothing changes."""
    is_arr = {p: a for p, a in zip(g.entry.params, arrays) if a is not None}
    for _ in range(16):
        inferred = infer_ranks(g, dict(zip(g.entry.params, ranks)))
        known = inferred.known
        m = {}
        for ins in g.instructions():
            if ins.out is None or not ins.args or ins.kwargs:
                continue
            if (ins.fn is np.ndim or (isinstance(ins.fn, Attr) and ins.fn.name == "ndim")) \
                    and ins.args[0] in known:
                m[ins.out] = Const(known[ins.args[0]])
            elif ins.fn is isinstance and len(ins.args) == 2 and \
                    isinstance(ins.args[1], Const) and ins.args[1].value is np.ndarray:
                v = ins.args[0]
                if v in is_arr:
                    m[ins.out] = Const(is_arr[v])
                elif known.get(v, 0) > 0 and v not in inferred.sequences:
                    m[ins.out] = Const(True)
        before = str(g)
        if m:
            blocks = tuple(Block(b.label, b.params, tuple(i for i in b.instrs if i.out not in m),
                                 b.term) for b in g.blocks)
            g = substitute(replace(g, blocks=blocks), m)
        g = simplify(g)
        if not m and str(g) == before:
            return g
    return g


def reductions_as_functions(g):
    """``x.sum(axis=0, keepdims=True)`` -> ``np.sum(x, axis=0, keepdims=True)``:
    Numba's array methods take no ``keepdims`` (nor ``axis`` for ``mean``);
    the functions (the table's ``numba_function``) are overloaded in numba_twins."""
    blocks = []
    for b in g.blocks:
        instrs = tuple(Call(i.out, props(i.fn).numba_function, i.args, i.kwargs, i.loc)
                       if i.kwargs and props(i.fn).numba_function is not None else i
                       for i in b.instrs)
        blocks.append(Block(b.label, b.params, instrs, b.term))
    return replace(g, blocks=tuple(blocks))


def counts_as_arithmetic(g):
    """``n = trips_within(outer, a, b, step)`` (the trip count of a nested
    loop, computed before the loops around it: ir/ops.py) -> the arithmetic
    of ``len(range(a, b, step))`` (transforms/trip_count.py).  Numba's
    ranges are of typed ints, which cannot raise where Python's could; and
    a call to the helper, compiled apart, left the empty lists the loops
    fill untyped (lstm: ``new_cell = []``)."""
    if not any(i.fn is ops.trips_within for i in g.instructions()):
        return g
    fresh = fresh_namer(value_names(g))
    defs = {i.out: i for i in g.instructions() if i.out is not None}
    m, blocks = {}, []
    for b in g.blocks:
        instrs = []
        for i in b.instrs:
            if i.fn is ops.trips_within and len(i.args) == 4 and not i.kwargs and \
                    isinstance(i.args[3], Const) and type(i.args[3].value) is int:
                made, count = trip_count(*i.args[1:], fresh, defs, i.loc)
                instrs.extend(made)
                m[i.out] = count
            else:
                instrs.append(i)
        blocks.append(Block(b.label, b.params, tuple(instrs), b.term))
    return substitute(replace(g, blocks=tuple(blocks)), m)


# -- source and compilation -------------------------------------------------------------
def _twins_digest():
    text = b""
    for module in (numba_twins, numba_view_twins, numba_axis_twins, numba_container_twins,
                   numba_einsum, numba_matmul, numba_special, numba_stacks):
        with open(inspect.getsourcefile(module), "rb") as fh:
            text += fh.read()
    return hashlib.sha1(text + numba.__version__.encode()).hexdigest()[:12]


def _fingerprint(namespace):
    """A stable text naming every object the source refers to, so the file
    (and Numba's on-disk cache keyed by it) changes when one of them does."""
    parts = []
    for name in sorted(namespace):
        obj = namespace[name]
        if isinstance(obj, types.ModuleType):
            desc = f"module {obj.__name__}"
        elif isinstance(obj, np.ndarray):
            desc = f"array {obj.dtype} {obj.shape} {hashlib.sha1(np.ascontiguousarray(obj).tobytes()).hexdigest()}"
        elif isinstance(obj, (numbers.Number, str, bytes, tuple, type(None))):
            desc = f"value {obj!r}"
        elif callable(obj):
            desc = f"callable {getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', obj)}"
            try:
                desc += " " + hashlib.sha1(inspect.getsource(obj).encode()).hexdigest()[:12]
            except (OSError, TypeError):
                pass
        else:
            desc = f"object {type(obj).__module__}.{type(obj).__qualname__}"
        parts.append(f"# {name}: {desc}")
    return "\n".join(parts)


def numba_namespace(namespace, jit=None):
    """The globals the lowered source sees: helpers with an explicit twin
    stay (their ``@overload`` applies), other plain Python functions are
    compiled from their own body (``jit``, by default ``numba.njit``)."""
    jit = jit or jit_helper
    out = {}
    for name, obj in namespace.items():
        if isinstance(obj, types.FunctionType) and props(obj).numba_twin is None:
            obj = jit(obj)
        out[name] = obj
    return out


def load_source(name, source, namespace, suffix="nb", jit=None):
    """Write ``source`` to a cache file whose name hashes it together with
    what its globals are (and the twins' source), import it; returns the
    Python function and the file's path."""
    stamp = f"\n# numba twins {_twins_digest()}\n" + _fingerprint(namespace) + "\n"
    module, path = cache.load_module(f"{name}_{suffix}", source + stamp,
                                     numba_namespace(namespace, jit))
    return getattr(module, name), path


def _ensure_parent_package():
    """``cache.load_module`` registers ``ad_compiler_generated.<module>`` in
    ``sys.modules``; Numba's on-disk cache re-imports a kernel's module by
    that name when it rebuilds its environment, which needs the parent."""
    if "ad_compiler_generated" not in sys.modules:
        pkg = types.ModuleType("ad_compiler_generated")
        pkg.__path__ = []
        sys.modules["ad_compiler_generated"] = pkg


def compile_source(name, source, namespace, **jit_options):
    """``load_source`` then ``numba.njit(cache=True)``: Numba's on-disk cache
    sits next to the file (``__pycache__``) and is keyed by it."""
    _ensure_parent_package()
    fn, path = load_source(name, source, namespace)
    opts = {"cache": True, "nogil": True}
    opts.update(jit_options)
    return numba.njit(**opts)(fn), path


# -- errors -------------------------------------------------------------------------------
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FILE_LINE = re.compile(r'File "([^"]+)", line (\d+)')


def _failing_line(exc, text, path):
    """The line of the generated file at ``path`` that Numba could not
    compile: the error's own location if it is in that file, else the last
    frame of that file that Numba's message names."""
    loc = getattr(exc, "loc", None)
    if loc is not None and getattr(loc, "filename", None) and \
            os.path.basename(loc.filename) == os.path.basename(path) and getattr(loc, "line", None):
        return loc.line
    found = None
    for f, ln in _FILE_LINE.findall(text):
        if os.path.basename(f) == os.path.basename(path):
            found = int(ln)
    return found


_CALLEE = re.compile(r"Function\(<(?:built-in )?function ([\w.]+)[ >]|"
                     r"unsupported NumPy function '([\w.]+)'|Function\(<class '(\w+)'>")
_CALL_IN_LINE = re.compile(r"([A-Za-z_][\w.]*)\(")


_SIGNATURE = re.compile(r">>> (.+)")
_OURS = re.compile(r"TypingError: ([^\n]*(?:by the Numba backend|the Numba backend needs)[^\n]*)")
_EMPTY_LIST = re.compile(r"variable '(\w+)', have imprecise type: list\(undefined\)")


def _reason(text, first):
    """Numba's reason, shortened: the argument types it had no
    implementation for, or its first line."""
    m = _EMPTY_LIST.search(text)
    if m:
        return (f"the list {m.group(1)!r} starts empty, and Numba cannot type an empty list "
                "grown through a loop; preallocate an array and assign into it")
    ours = _OURS.search(text)            # a twin's own refusal (numba_*twins.py) says why
    if ours:
        return ours.group(1).strip()[:400]
    if first.startswith("No implementation of function"):
        sig = _SIGNATURE.search(text)
        return "Numba has no implementation for these arguments" + \
            (f": {sig.group(1).strip()[:300]}" if sig else "")
    return first[:400]


def _construct(text, line):
    """The construct Numba could not lower, as the user wrote it: the callee
    its message names, spelled as the generated line calls it (``np.max``,
    ``np.linalg.svd``); else the first call on that line."""
    m = _CALLEE.search(text)
    name = next((x for x in m.groups() if x), None) if m else None
    calls = _CALL_IN_LINE.findall(line.split("=", 1)[-1]) if line else []
    if name:
        short = name.rsplit(".", 1)[-1]
        for c in calls:
            if c == name or c.rsplit(".", 1)[-1] == short:
                return c
        if name == "getitem":
            return "indexing (x[...])"
        if name in ("tuple", "list", "dict"):
            return f"{name}(...)"
        return name.replace("numpy.", "np.")
    return calls[0] if calls else None


def translate_error(exc, origin, spec, target="Numba"):
    """A ``BackendError`` for a Numba compile error in the generated code
    ``spec`` (its ``source``, ``path`` and ``lines``, the map of generated
    lines to source lines): what could not be lowered, the generated line
    and the original line."""
    text = _ANSI.sub("", str(exc))
    first = next((ln.strip() for ln in text.splitlines() if ln.strip() and
                  not ln.startswith("Failed in") and "pipeline" not in ln), text.strip())
    gen_line = _failing_line(exc, text, spec.path)
    generated = spec.source.splitlines()
    line = generated[gen_line - 1] if gen_line is not None and 1 <= gen_line <= len(generated) \
        else ""
    construct = _construct(text, line)
    reason = _reason(text, first)
    msg = f"cannot lower to {target}: " + (f"{construct} ({reason})" if construct else reason)
    if gen_line is not None and 1 <= gen_line <= len(generated):
        msg += f"\n    in the generated code ({spec.path}:{gen_line}): " \
               f"{generated[gen_line - 1].strip()}"
    loc = spec.lines.get(gen_line)
    if loc is None:
        return BackendError(msg, fn_name=origin.fn_name, filename=origin.filename,
                            lineno=origin.lineno)
    return BackendError(msg, fn_name=origin.fn_name, filename=loc.filename, lineno=loc.lineno,
                        source_line=loc.source)


# -- the callable variant ---------------------------------------------------------------
class NumbaGradient:
    """Stands in for the Python variant: ``fn(*args, seed)`` runs the
    njit-compiled joint function chosen by the ranks of the arguments."""

    def __init__(self, compiled):
        self.compiled = compiled               # the Python variant (compiled.CompiledFunction)
        self.origin = compiled.origin
        self.layout = compiled.layout
        self.graph = compiled.python_graph
        self.path = compiled.python_path
        self.source = compiled.python_source
        self.lines = compiled.python_lines
        self._by_ranks = {}
        self._by_source = {}

    def specialization(self, args, seed):
        key = tuple(rank_key(a) for a in args) + (rank_key(seed) if seed is not None else -1,) \
            + tuple(isinstance(a, np.ndarray) for a in args) + (scalar_kinds(args),)
        spec = self._by_ranks.get(key)
        if spec is None:
            spec = self._by_ranks[key] = self._build(key)
        return spec

    def _build(self, key):
        key, kinds = key[:-1], key[-1]  # (the kinds of numbers: for typed tapes)
        n = (len(key) - 1) // 2         # the values: bound, passed, then globals read
        seed_rank = None if key[n] == -1 else key[n]
        g = specialize_ranks(self.graph, key[:n] + (seed_rank,), key[n + 1:])
        g = numba_einsum.einsum_as_fixed(reductions_as_functions(counts_as_arithmetic(g)))
        g = typed_tapes(g, dict(zip(g.entry.params, key[:n] + (seed_rank,))),
                        dict(zip(g.entry.params, kinds)))
        name = self.compiled.python_fn.__name__      # f_grad, f_jvp
        emitted = emit_function(g, name, g.arg_names, omit_unset=True)
        source = emitted.source
        hit = self._by_source.get(source)
        if hit is None:
            dispatcher, path = self._compile_source(name, source, emitted.globals, g)
            hit = self._by_source[source] = _Spec(dispatcher, source, g, path, emitted.lines)
        return hit

    def _compile_source(self, name, source, namespace, graph):
        return compile_source(name, source, namespace)

    def fn(self, *args):
        *vals, seed = args
        spec = self.specialization(vals, seed)
        self.source, self.graph, self.path, self.lines = spec.source, spec.graph, spec.path, spec.lines
        try:
            res = spec.dispatcher(*vals, seed)
        except ADError:
            raise
        except Exception as e:
            if _is_numba_compile_error(e):
                raise translate_error(e, self.origin, spec) from None
            raise
        return _fix_scalars(res, vals, self.layout)


@dataclass(frozen=True)
class _Spec:
    """One specialisation: the jitted ``dispatcher`` of ``source`` (emitted
    from ``graph``, imported from ``path``)."""
    dispatcher: object
    source: str
    graph: object
    path: str
    lines: dict                # generated line -> Loc of the user's line


def _is_numba_compile_error(e):
    """Numba's own error types, or any exception raised inside Numba's
    compiler passes (an internal crash while lowering is still "cannot lower")."""
    from numba.core import errors
    if isinstance(e, ADError):
        return False
    if isinstance(e, (errors.TypingError, errors.UnsupportedError, errors.LoweringError,
                      errors.NumbaError)):
        return True
    tb = e.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename.replace("\\", "/")
        if "/numba/core/compiler_machinery.py" in name or "/numba/core/typed_passes.py" in name:
            return True
        tb = tb.tb_next
    return False


def _fix_scalars(res, vals, layout):
    """Numba returns float64 for every scalar; give a NumPy-scalar argument
    its own type back, as the Python backend does."""
    if not isinstance(res, tuple):
        return res
    first = layout.first_grad
    out = list(res)
    for j, k in enumerate(layout.params):
        x = vals[k]
        if isinstance(x, np.generic) and first + j < len(out):
            out[first + j] = runtime.cast_like(out[first + j], x)
    return tuple(out)
