"""Random control-flow programs, checked differentially against Python.

Each program is a function of a float ``x`` (and two helpers it may call)
built from assignments, ``if/elif/else``, ``for``/``while`` loops, nested,
with ``return``, ``break`` and ``continue`` anywhere, and locals that may be
read before they are bound on some paths.  Each is checked at several
points: the compiled value equals ``f(x)`` (or both raise the same
exception type), and the gradient equals central finite differences where
no branch flips within a few eps.

``python tests/compiler/control_fuzz.py FIRST LAST`` runs seeds FIRST..LAST
and prints every disagreement with its program (the long mode); the test
``test_issue9_control.py::test_random_control_flow`` runs a fixed slice.
"""
import importlib.util
import math
import os
import random
import sys

import ad_compiler as adc

VARS = ["a", "b", "c"]
POINTS = (-0.8, 0.3, 0.7, 1.2, 1.7)


class Program:
    def __init__(self, rng, depth=3):
        self.rng, self.depth = rng, depth
        self.loopvars, self.helpers = [], []

    def atom(self):
        r = self.rng
        return r.choice(["x", "x", str(r.choice([0.5, 1.5, -0.7, 2.0]))] + VARS + self.loopvars)

    def expr(self, d=0):
        r = self.rng
        if d > 1 or r.random() < 0.4:
            return self.atom()
        k = r.randrange(6 if self.helpers else 5)
        if k == 5:
            return f"{r.choice(self.helpers)}({self.expr(d + 1)})"
        a, b = self.expr(d + 1), self.expr(d + 1)
        return [f"({a} + {b})", f"({a} * {b})", f"np.sin({a})", f"({a} - 0.3 * {b})",
                f"({a} if x > {r.choice([0.0, 0.5, 1.0])} else {b})"][k]

    def cond(self):
        r = self.rng
        if self.loopvars and r.random() < 0.5:
            return f"{r.choice(self.loopvars)} {r.choice(['==', '>', '<'])} {r.randrange(3)}"
        return f"{self.expr(1)} {r.choice(['>', '<'])} {r.choice([0.0, 0.5, 1.0, 1.5])}"

    def block(self, d, inloop, indent):
        out = []
        for _ in range(self.rng.randint(1, 3)):
            out += self.stmt(d, inloop, indent)
        return out

    def stmt(self, d, inloop, indent):
        r, p = self.rng, "    " * indent
        k = r.random()
        if d >= self.depth or k < 0.35:
            return [f"{p}{r.choice(VARS)} = {self.expr()}"]
        if k < 0.5:
            return [f"{p}return {self.expr()}"]
        if k < 0.62 and inloop:
            return [f"{p}{r.choice(['break', 'continue'])}"]
        if k < 0.82:
            lines = [f"{p}if {self.cond()}:"] + self.block(d + 1, inloop, indent + 1)
            if r.random() < 0.5:
                if r.random() < 0.3:
                    lines += [f"{p}elif {self.cond()}:"] + self.block(d + 1, inloop, indent + 1)
                lines += [f"{p}else:"] + self.block(d + 1, inloop, indent + 1)
            return lines
        v = f"i{len(self.loopvars)}"
        self.loopvars.append(v)
        if k < 0.93 or len(self.loopvars) > 2:
            lines = [f"{p}for {v} in range({r.randint(0, 3)}):"]
        else:
            lines = [f"{p}{v} = 0", f"{p}while {v} < {r.randint(1, 3)}:", f"{p}    {v} = {v} + 1"]
        lines += self.block(d + 1, True, indent + 1)
        self.loopvars.pop()
        return lines

    def function(self, name):
        lines = [f"def {name}(x):"]
        for v in VARS:
            if self.rng.random() < 0.85:
                lines.append(f"    {v} = {self.expr()}")
        lines += self.block(0, False, 1)
        lines.append(f"    return {self.expr()}")
        lines += [f"    {v} = 0.0" for v in VARS]      # every name is a local (dead code)
        return "\n".join(lines) + "\n"


def source(seed):
    rng = random.Random(seed)
    gen = Program(rng, depth=2)
    src = "import numpy as np\n\n\n"
    if seed % 2:
        for k in range(2):
            src += gen.function(f"h{k}") + "\n\n"
            gen.helpers.append(f"h{k}")
        gen.depth = 3
    return src + gen.function("f")


def load(seed, folder):
    path = os.path.join(folder, f"control_fuzz_{seed}.py")
    with open(path, "w") as f:
        f.write(source(seed))
    spec = importlib.util.spec_from_file_location(f"control_fuzz_{seed}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.f


def _run(f, x):
    try:
        return f(x), None
    except Exception as e:          # the program's own error, compared with ours
        return None, type(e)


def disagreements(seed, folder):
    """What differs between Python and the compiled gradient of program ``seed``."""
    f = load(seed, folder)
    out = []
    for x in POINTS:
        value, err = _run(f, x)
        try:
            cv, cg = adc.value_and_grad(f)(x)
            cerr = None
        except Exception as e:
            cerr = e
        if err is not None:
            if not isinstance(cerr, err):
                out.append(f"x={x}: Python raises {err.__name__}, compiled "
                           f"{'returns' if cerr is None else 'raises'} {cerr!r}")
            continue
        if not isinstance(value, (int, float)):      # None (no return) or a NumPy float
            if value is None and isinstance(cerr, TypeError):
                continue
            if cerr is None and not math.isclose(cv, float(value), rel_tol=1e-12):
                out.append(f"x={x}: value {cv} != Python {value}")
            continue
        if cerr is not None:
            out.append(f"x={x}: Python returns {value}, compiled raises {cerr!r}")
            continue
        if not math.isclose(cv, value, rel_tol=1e-12, abs_tol=1e-15):
            out.append(f"x={x}: value {cv} != Python {value}")
            continue
        fd = [(_run(f, x + h)[0], _run(f, x - h)[0], h) for h in (1e-6, 4e-6)]
        if any(not isinstance(a, (int, float)) or not isinstance(b, (int, float)) for a, b, _ in fd):
            continue
        d1, d2 = [(a - b) / (2 * h) for a, b, h in fd]
        if abs(d1 - d2) > 1e-4 * (1 + abs(d1)):
            continue                                   # a branch flips near x
        if not math.isclose(cg, d1, rel_tol=1e-5, abs_tol=1e-6):
            out.append(f"x={x}: gradient {cg} != finite differences {d1}")
    return out


if __name__ == "__main__":
    import tempfile
    first, last = int(sys.argv[1]), int(sys.argv[2])
    folder = tempfile.mkdtemp(prefix="control_fuzz_")
    bad = 0
    for seed in range(first, last):
        problems = disagreements(seed, folder)
        if problems:
            bad += 1
            print(f"=== seed {seed}\n{source(seed)}" + "\n".join(problems))
    print(f"{bad} of {last - first} programs disagree with Python")
