"""The four checks of one random program.

Example::

    out = check(grammar.generate(11), numba=True)
    out.status          # "ok" | "fail" | "rejected" (a clear ADError) | "discard"
    out.failures        # [Failure("grad-fd", "d/dv[1]: compiled 0.0, finite differences 2.0")]

1. value: ``value_and_grad(f)`` returns what ``f`` itself returns on copies of
   the same inputs, and leaves the caller's arrays as ``f`` leaves them; for
   the ``globals`` family again after module globals / closure cells change.
2. gradient vs central finite differences.  A mismatch is a bug unless the
   input sits at a non-differentiable point, decided by the finite
   differences themselves (three step sizes and the one-sided quotients
   disagree); such coordinates are counted as skipped, never hidden.
3. the tape (``tape.grad_of``) where it can run the program (no ``math``
   calls, no stores into NumPy arrays: it warns or raises otherwise).
4. ``backend="numba"`` against ``backend="python"``: a ``BackendError`` is
   fine, a different number is not.
Edge programs (``edges``) are also checked at their edge point: the same
value, a finite gradient, and the documented one where it is given.
"""
from __future__ import annotations

import atexit
import copy
import importlib.util
import itertools
import os
import re
import shutil
import sys
import tempfile
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np

import ad_compiler as adc
from ad_compiler import tape
from ad_compiler.errors import ADError, BackendError

# Python's own max/min pick one argument at a tie: the tape cannot split them
BUILTIN_MINMAX = re.compile(r"(?<![.\w])(max|min)\(")
# A rejection is acceptable only for what the README documents as unsupported
DOCUMENTED_REJECTIONS = {"MutationError": "assigning into a parameter or a view (README)"}

_DIR = tempfile.mkdtemp(prefix="ad_fuzz_")           # the programs' source files
atexit.register(shutil.rmtree, _DIR, ignore_errors=True)
_COUNT = itertools.count()


@dataclass
class Failure:
    check: str              # value | state | grad-fd | grad-edge | tape | numba | crash | raises
    message: str

    def __str__(self):
        return f"[{self.check}] {self.message}"

    @property
    def key(self):
        """What a reduced program must keep: the check and the parameter."""
        if self.check == "reject":             # the error class and its words, no names
            cls = re.search(r"refused: (\w+)", self.message)
            text = re.sub(r"'[^']*'", "'.'", self.message.split("): ", 1)[-1])
            return f"reject:{cls.group(1) if cls else '?'}:{' '.join(text.split()[:6])}"
        m = re.search(r"d/d(\w+)", self.message)
        where = "@rebind" if self.message.startswith("after `") else \
            "@edge" if self.message.startswith("at the edge point") else ""
        return f"{self.check}{where}:{m.group(1)}" if m else self.check + where


@dataclass
class Outcome:
    status: str = "ok"
    failures: list = field(default_factory=list)
    rejected: str = ""               # the ADError class of a rejection
    reject_message: str = ""
    fd_checked: int = 0
    fd_skipped: int = 0
    tape: str = "off"                # checked | n/a | off
    numba: str = "off"               # checked | backend-error | n/a | off
    numba_message: str = ""

    def fail(self, check, message):
        self.failures.append(Failure(check, message))
        self.status = "fail"


def load(prog):
    """Import the program's source from a real file (inspect needs one)."""
    name = f"fz_{prog.family}_{prog.seed}_{next(_COUNT)}"
    path = os.path.join(_DIR, name + ".py")
    with open(path, "w") as fh:
        fh.write(prog.source())
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


# -- pytrees: paths to every float leaf --------------------------------------------------
def paths(x, prefix=()):
    if isinstance(x, dict):
        for k in x:
            yield from paths(x[k], prefix + (k,))
    elif isinstance(x, (tuple, list)):
        for i, e in enumerate(x):
            yield from paths(e, prefix + (i,))
    elif isinstance(x, np.ndarray):
        for idx in np.ndindex(x.shape):
            yield prefix + (("@", idx),)
    else:
        yield prefix


def get(x, path):
    for p in path:
        x = x[p[1]] if isinstance(p, tuple) and p[:1] == ("@",) else x[p]
    return x


def perturbed(x, path, d):
    """A deep copy of ``x`` with the leaf at ``path`` moved by ``d``."""
    if not path:
        return x + d
    p, rest = path[0], path[1:]
    if isinstance(p, tuple) and p[:1] == ("@",):
        y = np.array(x, dtype=float)
        y[p[1]] += d
        return y
    if isinstance(x, dict):
        return {k: (perturbed(v, rest, d) if k == p else copy.deepcopy(v)) for k, v in x.items()}
    return type(x)(perturbed(v, rest, d) if i == p else copy.deepcopy(v) for i, v in enumerate(x))


def name_of(params, k, path):
    tail = "".join(f"[{p[1]}]" if isinstance(p, tuple) and p[:1] == ("@",) else f"[{p!r}]"
                   for p in path)
    return f"d/d{params[k][0]}{tail}"


def same(a, b, rtol=1e-7, atol=1e-9):
    """Structure, shape and numbers equal (NaN equals NaN, inf equals inf)."""
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys() and all(
            same(a[k], b[k], rtol, atol) for k in a)
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return (isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)) and len(a) == len(b)
                and all(same(x, y, rtol, atol) for x, y in zip(a, b)))
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return a == b
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def short(x):
    return np.array2string(np.asarray(x), precision=6) if not isinstance(x, (dict, tuple, list)) \
        else repr(x)


# -- the checks ----------------------------------------------------------------------------
class _Checker:
    def __init__(self, prog, out, numba, use_tape):
        self.prog, self.out, self.numba, self.use_tape = prog, out, numba, use_tape
        self.mod = load(prog)
        self.f = self.mod.f
        self.wrt = tuple(range(len(prog.params)))
        self.vg = None

    def call(self, args):
        return self.f(*copy.deepcopy(args))

    def scalar(self, args):
        return float(self.call(args))

    def python(self, inputs):
        args = copy.deepcopy(inputs)
        try:
            return self.f(*args), args, None
        except Exception as e:                  # noqa: BLE001 - Python's own error is the spec
            return None, args, e

    def compiled(self, inputs, backend="python"):
        vg = adc.value_and_grad(self.f, wrt=self.wrt, backend=backend)
        args = copy.deepcopy(inputs)
        value, grads = vg(*args)
        return value, grads, args

    def run_value(self, inputs, when=""):
        """Check 1; returns the compiled gradients (None when not comparable)."""
        want, after_py, exc = self.python(inputs)
        try:
            value, grads, after_c = self.compiled(inputs)
        except ADError as e:
            if exc is None:
                self.out.rejected = type(e).__name__
                self.out.reject_message = str(e).splitlines()[0][:300]
                if self.out.rejected in DOCUMENTED_REJECTIONS:
                    self.out.status = "rejected" if self.out.status == "ok" else self.out.status
                else:
                    self.out.fail("reject", f"{when}valid code refused: {type(e).__name__}: "
                                            f"{self.out.reject_message}")
            return None
        except Exception as e:                  # noqa: BLE001
            if exc is None:
                self.out.fail("crash", f"{when}compiled raises {type(e).__name__}: {e} "
                                       f"(Python returns {short(want)})\n"
                              + "".join(traceback.format_exc(limit=-3)))
            return None
        if exc is not None:
            self.out.fail("raises", f"{when}Python raises {type(exc).__name__}: {exc}; "
                                    f"compiled returns {short(value)}")
            return None
        try:
            want_f = float(want)
        except (TypeError, ValueError):
            self.out.fail("value", f"{when}Python returns {want!r}, compiled {short(value)}")
            return None
        if not np.isfinite(want_f):
            self.out.status = "discard" if self.out.status == "ok" else self.out.status
            return None
        self.last_value = value
        if not same(value, want_f, rtol=1e-7, atol=1e-9):
            self.out.fail("value", f"{when}value: compiled {short(value)}, Python {want_f!r}")
        if not same(after_c, after_py, rtol=1e-7, atol=1e-9):
            self.out.fail("state", f"{when}caller's arguments after the call: compiled leaves "
                                   f"{short(after_c)}, Python leaves {short(after_py)}")
        return grads

    def fd(self, inputs, k, path, h):
        up = list(inputs)
        dn = list(inputs)
        up[k], dn[k] = perturbed(inputs[k], path, h), perturbed(inputs[k], path, -h)
        return (self.scalar(up) - self.scalar(dn)) / (2 * h)

    def kinked(self, inputs, k, path, fd):
        """The finite differences themselves say the point is not differentiable."""
        try:
            quotients = [self.fd(inputs, k, path, h) for h in (1e-4, 1e-5)]
            mid = self.scalar(inputs)
            up, dn = list(inputs), list(inputs)
            h = 1e-6
            up[k], dn[k] = perturbed(inputs[k], path, h), perturbed(inputs[k], path, -h)
            right, left = (self.scalar(up) - mid) / h, (mid - self.scalar(dn)) / h
        except (ArithmeticError, ValueError):
            return True
        scale = 1.0 + abs(fd)
        return (max(abs(q - fd) for q in quotients) > 1e-4 * scale
                or abs(right - left) > 1e-3 * scale)

    def run_fd(self, inputs, grads, when=""):
        """Check 2, per float leaf of every parameter."""
        if not isinstance(grads, tuple) or len(grads) != len(self.wrt):
            self.out.fail("grad-fd", f"{when}gradients {grads!r} do not match wrt {self.wrt}")
            return
        for k in self.wrt:
            for path in paths(inputs[k]):
                try:
                    g = float(get(grads[k], path))
                except (KeyError, IndexError, TypeError, ValueError) as e:
                    self.out.fail("grad-fd", f"{when}gradient of {self.prog.params[k][0]} has "
                                             f"the wrong structure ({e}): {grads[k]!r}")
                    return
                try:
                    fd = self.fd(inputs, k, path, 1e-6)
                except (ArithmeticError, ValueError):
                    continue
                if not np.isfinite(fd):
                    continue
                self.out.fd_checked += 1
                if np.isfinite(g) and abs(g - fd) <= 1e-5 * (1.0 + abs(fd)):
                    continue
                if self.kinked(inputs, k, path, fd):
                    self.out.fd_skipped += 1
                    continue
                self.out.fail("grad-fd", f"{when}{name_of(self.prog.params, k, path)}: "
                                         f"compiled {g!r}, finite differences {fd!r}")

    def run_tape(self, inputs, grads):
        """Check 3; the tape may refuse (warning or error): then it says n/a."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", UserWarning)
                got = tape.grad_of(self.f, wrt=self.wrt)(*copy.deepcopy(inputs))
        except Exception:                       # noqa: BLE001 - the tape cannot run it
            self.out.tape = "n/a"
            return
        self.out.tape = "checked"
        for k in self.wrt:
            if any(f.key == f"grad-fd:{self.prog.params[k][0]}" for f in self.out.failures):
                continue                        # the compiled gradient is wrong already
            if not same(got[k], grads[k], rtol=1e-6, atol=1e-8):
                self.out.fail("tape", f"d/d{self.prog.params[k][0]}: compiled {short(grads[k])}, "
                                      f"tape {short(got[k])}")

    def run_numba(self, inputs, value, grads):
        """Check 4."""
        try:
            nv, ng, _ = self.compiled(inputs, backend="numba")
        except BackendError as e:
            self.out.numba = "backend-error"
            self.out.numba_message = str(e).splitlines()[0][-160:]
            return
        except ADError as e:
            self.out.numba = "n/a"
            self.out.fail("numba", f"numba raises {type(e).__name__} where python compiles: {e}")
            return
        except Exception as e:                  # noqa: BLE001
            self.out.numba = "n/a"
            self.out.fail("numba", f"numba crashes: {type(e).__name__}: {e}")
            return
        self.out.numba = "checked"
        if not same(nv, value, rtol=1e-7, atol=1e-9):
            self.out.fail("numba", f"value: numba {short(nv)}, python {short(value)}")
        for k in self.wrt:
            if not same(ng[k], grads[k], rtol=1e-7, atol=1e-9):
                self.out.fail("numba", f"d/d{self.prog.params[k][0]}: numba {short(ng[k])}, "
                                       f"python {short(grads[k])}")

    def run_edge(self, edge):
        """At the edge point: value, finite gradient, the documented gradient."""
        when = f"at the edge point {edge.name} {edge.inputs}: "
        grads = self.run_value(edge.inputs, when)
        if grads is None:
            return None
        for k, want in enumerate(edge.expect):
            g = np.asarray(grads[k], dtype=float)
            ok_inf = np.isinf(want) if want is not None else False
            if not np.all(np.isfinite(g) | ok_inf):
                self.out.fail("grad-edge", f"{when}d/d{self.prog.params[k][0]} = {short(g)} "
                                           f"is not finite")
            elif want is not None and not same(g, want, rtol=1e-7, atol=1e-9):
                self.out.fail("grad-edge", f"{when}d/d{self.prog.params[k][0]}: compiled "
                                           f"{short(g)}, documented policy {short(want)}")
        return grads


def check(prog, numba=False, use_tape=True, inputs=None):
    """Run the four checks on ``prog``; never raises for a compiler bug."""
    out = Outcome()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", category=Warning, module="numba")
        warnings.filterwarnings("ignore", message=".*faster on contiguous arrays")
        try:
            c = _Checker(prog, out, numba, use_tape)
        except Exception as e:                  # noqa: BLE001 - the grammar made bad code
            out.fail("crash", f"the program does not load: {type(e).__name__}: {e}")
            return out
        if prog.edge is not None:
            eg = c.run_edge(prog.edge)
            if eg is not None and use_tape and not BUILTIN_MINMAX.search(prog.source()):
                c.run_tape(prog.edge.inputs, eg)
            if out.status in ("rejected", "discard"):
                return out
        inputs = inputs if inputs is not None else prog.inputs()
        grads = c.run_value(inputs)
        if grads is None:
            return out
        value = c.last_value
        c.run_fd(inputs, grads)
        if use_tape:
            c.run_tape(inputs, grads)
        if numba:
            c.run_numba(inputs, value, grads)
        for stmt in prog.rebinds:               # globals / closure cells change between calls
            exec(stmt, c.mod.__dict__)
            g2 = c.run_value(inputs, when=f"after `{stmt}`: ")
            if g2 is not None:
                c.run_fd(inputs, g2, when=f"after `{stmt}`: ")
    return out
