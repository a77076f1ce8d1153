"""Random programs as Python source, over the whole language ad_compiler accepts.

Example::

    prog = generate(seed=3, family="loops")
    print(prog.source())        # import math / import numpy as np / helpers /
                                # def f(x, y, v, m): ... return <scalar>
    prog.inputs()               # smooth random arguments (floats, arrays, pytrees)

A program is a tree of ``Node`` statements (so ``reduce`` can delete or
unwrap any of them) plus a module prelude (helpers, lambdas, a closure
factory, module globals) and, for the ``globals`` family, statements run in
the module between two calls (globals reassigned, a closure cell changed).
Every variable is defined on every path that reads it, every loop has a
bounded trip count, and every function used is smooth except where a kink
is intended (``abs``, ``max``, branch conditions): the oracle detects inputs
at a kink by the stability of finite differences.  ``np_only`` programs
avoid ``math``, ``.copy()`` and stores into NumPy arrays so the tape can run
them too.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

FAMILIES = ("control", "returns", "loops", "arrays", "calls", "globals", "pytree", "rules")

N = 3                        # vector length; matrices are N x N


@dataclass
class Node:
    """One statement; ``body`` holds the children of a compound statement."""
    line: str
    body: Optional[list] = None

    def render(self, indent):
        out = [" " * indent + self.line]
        if self.body is not None:
            out += render(self.body or [Node("pass")], indent + 4)
        return out


def render(nodes, indent=4):
    out = []
    for n in nodes:
        out += n.render(indent)
    return out


@dataclass
class Program:
    seed: int
    family: str
    params: list                      # [(name, kind)]: s float, v vector, m matrix, d dict, t tuple
    body: list                        # [Node]
    ret: list                         # terms of the scalar return expression, joined by +
    prelude: list = field(default_factory=list)
    rebinds: list = field(default_factory=list)   # module statements run between calls
    np_only: bool = False
    cell: bool = False                # f is a closure of outer(); set_c changes its cell
    features: set = field(default_factory=set)
    edge: Optional[object] = None     # an edges.Edge for the rules family

    def source(self):
        head = ["import math", "import numpy as np", ""] + self.prelude + [""]
        sig = ", ".join(p for p, _ in self.params)
        fn = [f"def f({sig}):"] + render(self.body) + [f"    return {' + '.join(self.ret)}"]
        if self.cell:
            fn = (["def outer():", "    c = 0.5"] + ["    " + ln for ln in fn]
                  + ["    def set_c(value):", "        nonlocal c", "        c = value",
                     "    return f, set_c", "", "f, set_c = outer()"])
        return "\n".join(head + fn) + "\n"

    def inputs(self, rng=None):
        rng = rng or np.random.default_rng(self.seed)
        return [_draw(kind, rng) for _, kind in self.params]


def _draw(kind, rng):
    if kind == "s":
        return float(rng.uniform(-1.2, 1.2))
    if kind == "c":
        return float(rng.uniform(0.3, 1.0))
    if kind == "v":
        return rng.uniform(-1.0, 1.0, N)
    if kind == "p":
        return rng.uniform(0.2, 1.5, N)
    if kind == "m":
        return rng.uniform(-1.0, 1.0, (N, N))
    if kind == "d":
        return {"w": rng.uniform(-1.0, 1.0, N), "b": float(rng.uniform(-1, 1)),
                "m": rng.uniform(-1.0, 1.0, (N, N))}
    if kind == "t":
        return (rng.uniform(-1.0, 1.0, N), float(rng.uniform(-1, 1)))
    raise ValueError(kind)


PRELUDE = [
    "G = 0.7",
    "GA = np.array([0.5, -0.25, 1.5])",
    "",
    "def helper(a, b=0.5):",
    "    if a > b:",
    "        return a * b",
    "    return {sin}(a) + b",
    "",
    "def vhelper(u, s):",
    "    w = u * s",
    "    for k in range(2):",
    "        w = {tanh}(w) + u",
    "    return w",
    "",
    "def make_scaler(c):",
    "    def scale(u):",
    "        return u * c + G",
    "    return scale",
    "",
    "scale = make_scaler(0.3)",
    "lam = lambda u, k=2.0: u * k - {sin}(u)",
]


class _Gen:
    def __init__(self, seed, family, np_only):
        self.r = random.Random(seed * 7919 + FAMILIES.index(family))
        self.family = family
        self.np_only = np_only
        self.n = 0
        self.features = set()
        self.scalars = []          # names of live scalars
        self.vectors = []          # live (N,) arrays
        self.matrices = []         # live (N, N) arrays
        self.locals = set()        # names made by f (arrays it owns, may be mutated)
        self.loop_vars = []        # ints of enclosing loops
        self.depth = 0
        self.cell = False

    # -- names and small choices -------------------------------------------------------
    def fresh(self, p):
        self.n += 1
        return f"{p}{self.n}"

    def pick(self, xs):
        return self.r.choice(xs)

    def chance(self, p):
        return self.r.random() < p

    def fn(self, name):
        """math.sin or np.sin, by the program's flavour."""
        return f"np.{name}" if self.np_only or self.chance(0.5) else f"math.{name}"

    # -- expressions -------------------------------------------------------------------
    def s_leaf(self):
        opts = self.scalars + ["0.5", "1.3", "-0.7"]
        if self.loop_vars and self.chance(0.3):
            return f"(0.3 * {self.pick(self.loop_vars)})"
        if self.chance(0.15) and self.vectors:
            return f"{self.pick(self.vectors)}[{self.r.randint(-N, N - 1)}]"
        return self.pick(opts)

    def s(self, d=0):
        if d >= 2 or self.chance(0.3):
            return self.s_leaf()
        s, v, m = (lambda: self.s(d + 1)), (lambda: self.v(d + 1)), (lambda: self.m(d + 1))
        k = self.r.randrange(32 if not self.np_only else 24)
        f = self.fn
        return [
            lambda: f"{f('sin')}({s()})", lambda: f"{f('cos')}({s()})",
            lambda: f"{f('tanh')}({s()})", lambda: f"{f('exp')}({f('tanh')}({s()}))",
            lambda: f"({s()} * {s()})", lambda: f"(-{s()})", lambda: f"({s()} + {s()})",
            lambda: f"({s()} - {s()})", lambda: f"(0.5 * {s()} + {s()})",
            lambda: f"{f('sqrt')}(1.0 + {s()} ** 2)", lambda: f"({s()} / (1.0 + {s()} ** 2))",
            lambda: f"np.sum({v()})", lambda: f"np.mean({v()})", lambda: f"np.dot({v()}, {v()})",
            lambda: f"np.max({v()})", lambda: f"np.sum({m()} @ {v()})",
            lambda: f"({s()} if {self.cond()} else {s()})", lambda: f"abs({s()})",
            lambda: f"max({s()}, {s()})", lambda: f"min({s()}, 0.3)",
            lambda: f"np.linalg.norm({v()})", lambda: f"{v()}.sum()",
            lambda: f"np.prod({v()})", lambda: f"(G * {s()})",
            # below: not on the tape (math module, Python floats of arrays, helpers with math)
            lambda: f"helper({s()}, {s()})", lambda: f"scale({s()})",
            lambda: (self.features.add("call:lam") or f"lam({s()})") if self.family == "calls"
            else f"helper({s()})",
            lambda: f"sum({v()}.tolist())", lambda: f"math.copysign({s()}, -1.0)",
            lambda: f"(({s()} + 3.0) % 1.7)", lambda: f"np.std({v()})",
            lambda: f"float(np.sum({v()} ** 2))",
        ][k]()

    def v_leaf(self):
        opts = self.vectors + (["GA"] if self.chance(0.1) else [])
        if self.matrices and self.chance(0.15):
            return f"{self.pick(self.matrices)}[{self.r.randint(0, N - 1)}]"
        return self.pick(opts) if opts else "GA"

    def v(self, d=0):
        if d >= 2 or self.chance(0.35):
            return self.v_leaf()
        s, v, m = (lambda: self.s(d + 1)), (lambda: self.v(d + 1)), (lambda: self.m(d + 1))
        k = self.r.randrange(30 if not self.np_only else 24)
        return [
            lambda: f"np.sin({v()})", lambda: f"np.cos({v()})", lambda: f"np.tanh({v()})",
            lambda: f"np.exp(np.tanh({v()}))", lambda: f"({v()} * {v()})",
            lambda: f"({v()} * {s()})", lambda: f"({v()} + {s()})", lambda: f"({v()} - {v()})",
            lambda: f"np.maximum({v()}, 0.25)", lambda: f"np.where({v()} > 0.1, {v()}, -{v()})",
            lambda: f"np.sqrt(1.0 + {v()} ** 2)", lambda: f"np.cumsum({v()})",
            lambda: f"({m()} @ {v()})", lambda: f"np.abs({v()})", lambda: f"np.dot({m()}, {v()})",
            lambda: f"{m()}[:, {self.r.randint(0, N - 1)}]", lambda: f"np.sum({m()}, axis=0)",
            lambda: f"({v()} / (1.0 + {v()} ** 2))", lambda: f"np.clip({v()}, -0.5, 0.5)",
            lambda: f"np.minimum({v()}, {v()})", lambda: f"np.sort({v()})",
            lambda: f"{v()}[::-1]", lambda: f"np.roll({v()}, 1)",
            lambda: f"np.concatenate([{v()}[:1], {v()}[1:]])",
            # not on the tape
            lambda: f"vhelper({v()}, {s()})", lambda: f"np.full({N}, {s()})",
            lambda: f"np.linspace({s()}, {s()}, {N})", lambda: f"np.array([{s()}, {s()}, {s()}])",
            lambda: f"np.mod({v()} + 3.0, 0.9)", lambda: f"np.full_like({v()}, {s()})",
        ][k]()

    def m_leaf(self):
        return self.pick(self.matrices) if self.matrices else "np.outer(GA, GA)"

    def m(self, d=0):
        if d >= 2 or self.chance(0.5):
            return self.m_leaf()
        s, v, m = (lambda: self.s(d + 1)), (lambda: self.v(d + 1)), (lambda: self.m(d + 1))
        return self.pick([
            lambda: f"np.tanh({m()})", lambda: f"({m()} * {s()})", lambda: f"({m()} + {m()}.T)",
            lambda: f"np.outer({v()}, {v()})", lambda: f"({m()} @ {m()})",
            lambda: f"(np.sin({m()}) * {v()})", lambda: f"{m()}.T",
        ])()

    def cond(self):
        opts = [lambda: f"{self.s()} > 0.2", lambda: f"{self.fn('sin')}(3.0 * {self.s()}) > 0.0",
                lambda: f"np.sum({self.v()}) > 0.0", lambda: f"{self.s()} < {self.s()}",
                lambda: f"-0.5 < {self.s()} < 0.8",
                lambda: f"not {self.s()} > 0.1",
                lambda: f"({self.s()} > 0.3 or {self.s()} < -0.3)"]
        if self.loop_vars:
            i = self.loop_vars[-1]
            opts += [lambda: f"{i} == 1", lambda: f"{i} % 2 == 0", lambda: f"{i} > 0 and {self.s()} > 0.0"]
        return self.pick(opts)()

    # -- statements --------------------------------------------------------------------
    def block(self, n, allow_return=True):
        out = []
        for _ in range(n):
            out += self.stmt(allow_return)
        return out

    def assign(self):
        if self.vectors and self.chance(0.35):
            name = self.fresh("a")
            e = self.v()
            self.vectors.append(name)
            return [Node(f"{name} = {e}")]
        if self.chance(0.15):                             # augmented, parameters too
            self.features.add("aug-assign")
            return [Node(f"{self.pick(self.scalars)} {self.pick(['+=', '-=', '*='])} {self.s()}")]
        if self.chance(0.08) and len(self.scalars) > 1:   # a swap: both read before both set
            self.features.add("swap")
            a, b = self.r.sample(self.scalars, 2)
            return [Node(f"{a}, {b} = {b}, {a}")]
        if self.chance(0.2) and self.scalars:             # rebinding, parameters too
            name = self.pick(self.scalars)
            return [Node(f"{name} = {self.s()}")]
        name = self.fresh("s")
        e = self.s()
        self.scalars.append(name)
        return [Node(f"{name} = {e}")]

    def arm_value(self):
        """What one arm of a branch gives its variable: a bare variable, a
        constant, a conditional expression selecting a parameter, or more."""
        self.features.add("bare-branch")
        return self.pick([lambda: self.pick(self.scalars or ["x"]), lambda: "1.0",
                          lambda: f"({self.pick(self.scalars)} if {self.cond()} else "
                                  f"{self.pick(self.scalars)})",
                          lambda: self.s()])()

    def branch(self, allow_return):
        """if / elif / else giving one variable in every arm that goes on;
        arms may return, at any depth."""
        t = self.fresh("t")
        nodes = []
        heads = self.pick([["if"], ["if", "else"], ["if", "elif"], ["if", "elif", "else"]])
        returned = []
        for head in heads:
            line = f"{head} {self.cond()}:" if head != "else" else "else:"
            saved = self._save()
            self.depth += 1
            body = []
            if self.depth < 3 and self.chance(0.3):
                body += self.block(1, allow_return)
            returned.append(allow_return and self.chance(0.3))
            if returned[-1]:
                self.features.add("nested-return")
                body.append(Node(f"return {self.s()}"))
                if self.chance(0.15):                # legal dead code after the return
                    self.features.add("dead-code")
                    body.append(Node(f"{self.pick(self.scalars)} = {self.s()}"))
            else:
                body.append(Node(f"{t} = {self.arm_value()}"))
            self.depth -= 1
            self._restore(saved)
            nodes.append(Node(line, body))
        if heads[-1] != "else":          # no else: t must exist before
            nodes.insert(0, Node(f"{t} = {self.arm_value() if len(heads) == 1 else '0.0'}"))
        if not all(returned) or heads[-1] != "else":
            self.scalars.append(t)       # defined on some path that goes on
        return nodes

    def return_if(self):
        """A return nested in ifs, elif/else and loops inside ifs."""
        self.features.add("nested-return")
        inner = Node(f"return {self.s()}")
        shape = self.pick(["if", "ifif", "elif", "else", "for-in-if", "while-in-if", "if-in-for"])
        c1, c2 = self.cond(), self.cond()
        if shape == "if":
            return [Node(f"if {c1}:", [inner])]
        if shape == "ifif":
            return [Node(f"if {c1}:", [Node(f"if {c2}:", [inner])])]
        if shape == "elif":
            t = self.fresh("t")
            first, second = self.s(), self.s()
            self.scalars.append(t)
            return [Node(f"{t} = {first}"), Node(f"if {c1}:", [Node(f"{t} = {second}")]),
                    Node(f"elif {c2}:", [inner])]
        if shape == "else":
            return [Node(f"if {c1}:", [Node("pass")]), Node("else:", [Node(f"if {c2}:", [inner])])]
        i = self.fresh("i")
        self.loop_vars.append(i)
        c3 = self.cond()
        inner = Node(f"return {self.s()}")
        self.loop_vars.pop()
        if shape == "for-in-if":
            return [Node(f"if {c1}:", [Node(f"for {i} in range({self.r.randint(1, 3)}):",
                                            [Node(f"if {c3}:", [inner])])])]
        if shape == "while-in-if":
            return [Node(f"if {c1}:", [Node(f"{i} = 0"), Node(f"while {i} < 3:", [
                Node(f"if {c3}:", [inner]), Node(f"{i} += 1")])])]
        return [Node(f"for {i} in range({self.r.randint(1, 3)}):", [Node(f"if {c3}:", [inner])])]

    def loop(self, allow_return):
        """for over range with loop-carried values (parameters too), branches
        passing bare variables, inner loops, break/continue, returns."""
        self.features.add("loop")
        i = self.fresh("i")
        acc = self.pick(self.scalars) if self.chance(0.4) else None   # carried: maybe a parameter
        pre = []
        if acc is None:
            acc = self.fresh("s")
            pre.append(Node(f"{acc} = {self.pick(['0.0', self.pick(self.scalars)])}"))
        saved = self._save()
        self.loop_vars.append(i)
        self.depth += 1
        body = []
        for _ in range(self.r.randint(1, 3)):
            k = self.pick(["carry", "branch", "inner", "jump", "stmt", "ret"])
            if k == "carry":
                body.append(Node(f"{acc} = {acc} * 0.8 + {self.s()}"))
            elif k == "branch":
                body += self.branch(allow_return)
                body.append(Node(f"{acc} = {acc} + {self.scalars[-1]}"))
            elif k == "inner":
                self.features.add("inner-loop")
                j, c = self.fresh("j"), self.fresh("c")
                inv = self.s()                      # loop-invariant in the inner loop
                body += [Node(f"{c} = 0.0"),
                         Node(f"for {j} in range({self.r.randint(0, 2)}):",
                              [Node(f"{c} = {inv}")]),
                         Node(f"{acc} = {acc} + {c}")]
            elif k == "jump":
                self.features.add("break-continue")
                body.append(Node(f"if {self.cond()}:", [Node(self.pick(["break", "continue"]))]))
            elif k == "ret" and allow_return:
                self.features.add("nested-return")
                body.append(Node(f"if {self.cond()}:", [Node(f"return {self.s()}")]))
            elif self.depth < 3:
                body += self.stmt(allow_return)
        body.append(Node(f"{acc} = {acc} + 0.1 * {self.s()}"))
        self.depth -= 1
        self.loop_vars.pop()
        self._restore(saved)
        if acc not in self.scalars:
            self.scalars.append(acc)
        n = self.r.randint(0, 3)
        return pre + [Node(f"for {i} in range({n}):", body)]

    def while_loop(self, allow_return):
        self.features.add("while")
        k, acc = self.fresh("k"), self.fresh("s")
        pre = [Node(f"{k} = 0"), Node(f"{acc} = {self.pick(self.scalars)}")]
        saved = self._save()
        self.loop_vars.append(k)
        body = [Node(f"{acc} = {acc} * 1.1 + 0.05 * {self.s()}")]
        if self.chance(0.4):
            body.append(Node(f"if {self.cond()}:", [Node(self.pick(["break", "return " + self.s()]
                                                              if allow_return else ["break"]))]))
        body.append(Node(f"{k} += 1"))
        self.loop_vars.pop()
        self._restore(saved)
        self.scalars.append(acc)
        cond = self.pick([f"{k} < 3", f"{k} < 4 and {self.fn('tanh')}({acc}) < 0.9"])
        return pre + [Node(f"while {cond}:", body)]

    def array_loop(self):
        """for over the items of an array, enumerate and zip."""
        self.features.add("array-loop")
        acc = self.fresh("s")
        saved = self._save()
        kind = self.pick(["vec", "rows", "enum", "zip"])
        if kind == "rows" and not self.matrices:
            kind = "vec"
        if kind == "vec":
            t = self.fresh("e")
            self.scalars.append(t)
            head = f"for {t} in {self.pick(self.vectors)}:"
        elif kind == "rows":
            t = self.fresh("r")
            self.vectors.append(t)
            head = f"for {t} in {self.pick(self.matrices)}:"
        elif kind == "enum":
            i, t = self.fresh("i"), self.fresh("e")
            self.scalars.append(t)
            self.loop_vars.append(i)
            head = f"for {i}, {t} in enumerate({self.pick(self.vectors)}):"
        else:
            t, u = self.fresh("e"), self.fresh("e")
            self.scalars += [t, u]
            head = f"for {t}, {u} in zip({self.pick(self.vectors)}, {self.pick(self.vectors)}):"
        body = [Node(f"{acc} = {acc} + {self.s()}")]
        if kind == "enum":
            self.loop_vars.pop()
        self._restore(saved)
        self.scalars.append(acc)
        return [Node(f"{acc} = 0.0"), Node(head, body)]

    def mutation(self):
        """Aliasing, views, copies, augmented and index assignment, repeated
        fancy indices; sometimes on a parameter (the caller sees it)."""
        self.features.add("mutation")
        v = self.pick(self.vectors)
        b = self.fresh("b")
        out = [Node(f"{b} = {v}.copy()")]
        for _ in range(self.r.randint(1, 3)):
            k = self.pick(["item", "slice+=", "fancy", "fancy+=", "view*=", "alias+=", "copy",
                           "loop", "row-view", "param"])
            self.features.add("mut:" + k)
            if k == "item":
                out.append(Node(f"{b}[{self.r.randint(-N, N - 1)}] = {self.s()}"))
            elif k == "slice+=":
                out.append(Node(f"{b}[0:2] += {self.v()}[1:3]"))
            elif k == "fancy":
                self.features.add("fancy-index")
                out.append(Node(f"{b}[[0, 0, 2]] = {self.v()}"))
            elif k == "fancy+=":
                self.features.add("fancy-index")
                out.append(Node(f"{b}[[1, 1]] += {self.s()}"))
            elif k == "view*=":
                r = self.fresh("r")
                out += [Node(f"{r} = {b}[0:2]"), Node(f"{r} *= {self.s()}")]
            elif k == "alias+=":
                r = self.fresh("r")
                out += [Node(f"{r} = {b}"), Node(f"{r} += {self.s()}")]
            elif k == "copy":
                r = self.fresh("r")
                out += [Node(f"{r} = {b}.copy()"), Node(f"{r} *= 2.0"),
                        Node(f"{b} = {b} + 0.5 * {r}")]
            elif k == "loop":
                i = self.fresh("i")
                out.append(Node(f"for {i} in range(1, {N}):",
                                [Node(f"{b}[{i}] += {b}[{i} - 1] * 0.5")]))
            elif k == "row-view" and self.matrices:
                B, r = self.fresh("B"), self.fresh("r")
                out += [Node(f"{B} = {self.pick(self.matrices)}.copy()"), Node(f"{r} = {B}[0]"),
                        Node(f"{r} *= 0.5"), Node(f"{b} = {b} + np.sum({B}, axis=0)")]
            elif k == "param":
                self.features.add("param-mutation")
                p = self.pick([n for n, kind in self.params if kind == "v"] or [v])
                out.append(Node(self.pick([f"{p} += {self.s()}", f"{p}[1] = {self.s()}",
                                           f"{p} *= 0.5"])))
        self.vectors.append(b)
        return out

    def store_loop(self):
        """A new array filled item by item (out[i] = ..., out[i] += ...)."""
        self.features.add("index-assign")
        o, i = self.fresh("o"), self.fresh("i")
        saved = self._save()
        self.loop_vars.append(i)
        body = [Node(f"{o}[{i}] {self.pick(['=', '+='])} {self.s()}")]
        if self.chance(0.5):
            body.append(Node(f"if {self.cond()}:", [Node(f"{o}[{i}] = {o}[{i}] * 0.5")]))
        self.loop_vars.pop()
        self._restore(saved)
        self.vectors.append(o)
        return [Node(f"{o} = np.zeros({N})"), Node(f"for {i} in range({N}):", body)]

    def listbuild(self):
        self.features.add("list")
        items, i, s = self.fresh("items"), self.fresh("i"), self.fresh("s")
        saved = self._save()
        self.loop_vars.append(i)
        e = self.s()
        self.loop_vars.pop()
        self._restore(saved)
        use = self.pick([f"sum({items})", f"max({items})", f"np.sum(np.array({items}))",
                         f"{items}[-1] * 2.0"])
        self.scalars.append(s)
        return [Node(f"{items} = []"), Node(f"for {i} in range({N}):",
                                             [Node(f"{items}.append({e})")]),
                Node(f"{s} = {use}")]

    def call(self):
        self.features.add("calls")
        s = self.fresh("s")
        k = self.pick(["helper", "lam", "scale", "local-lambda", "local-def", "vhelper"]
                      if self.family == "calls" else ["helper", "scale", "local-def", "vhelper"])
        self.features.add("call:" + k)
        if k == "local-lambda":
            g = self.fresh("g")
            out = [Node(f"{g} = lambda u: u * {self.pick(self.scalars)} + {self.s()}"),
                   Node(f"{s} = {g}({self.s()}) + {g}(0.5)")]
        elif k == "local-def":
            g = self.fresh("g")
            out = [Node(f"def {g}(u, w=1.5):", [Node(f"return u * w + {self.pick(self.scalars)}")]),
                   Node(f"{s} = {g}({self.s()})")]
        elif k == "vhelper":
            out = [Node(f"{s} = np.sum(vhelper({self.v()}, {self.s()}))")]
        else:
            out = [Node(f"{s} = {k}({self.s()})")]
        self.scalars.append(s)
        return out

    def stmt(self, allow_return=True):
        kinds = {"assign": 4, "branch": 2, "return_if": 1, "loop": 2, "while": 1,
                 "array_loop": 1, "mutation": 1, "store": 1, "list": 1, "call": 1}
        if self.np_only:
            for k in ("mutation", "store", "list", "call"):
                kinds.pop(k)
        if self.depth >= 2:
            kinds = {"assign": 4, "branch": 1}
        k = self.r.choices(list(kinds), weights=list(kinds.values()))[0]
        return self.emit(k, allow_return)

    def emit(self, k, allow_return=True):
        if k == "assign":
            return self.assign()
        if k == "branch":
            return self.branch(allow_return)
        if k == "return_if":
            return self.return_if() if allow_return else self.assign()
        if k == "loop":
            return self.loop(allow_return)
        if k == "while":
            return self.while_loop(allow_return)
        if k == "array_loop":
            return self.array_loop()
        if k == "mutation":
            return self.mutation()
        if k == "store":
            return self.store_loop()
        if k == "list":
            return self.listbuild()
        return self.call()

    def _save(self):
        return (list(self.scalars), list(self.vectors), list(self.matrices))

    def _restore(self, saved):
        self.scalars, self.vectors, self.matrices = saved

    def ret_terms(self):
        terms = []
        pool = [("s", n) for n in self.scalars] + [("v", n) for n in self.vectors] + \
               [("m", n) for n in self.matrices]
        rank = [int("".join(ch for ch in n if ch.isdigit()) or -1) for _, n in pool]
        newest = [pool.pop(rank.index(max(rank)))]          # the last name made, always
        chosen = newest + self.r.sample(pool, min(len(pool), self.r.randint(1, 3)))
        for kind, name in chosen:
            terms.append(name if kind == "s" else f"np.sum({name} * {self.pick(['1.0', '0.5', 'GA'])})"
                         if kind == "v" else f"np.sum(np.tanh({name}))")
        return terms or ["x"]


FAMILY_FOCUS = {
    "control": ["branch", "return_if", "branch", "loop"],
    "returns": ["return_if", "return_if", "loop", "while"],
    "loops": ["loop", "loop", "while", "array_loop"],
    "arrays": ["mutation", "mutation", "store", "array_loop"],
    "calls": ["call", "call", "list", "branch"],
    "globals": ["assign", "call", "loop"],
    "pytree": ["assign", "branch", "loop"],
}


def generate(seed, family=None):
    """The program of ``seed`` (the family is drawn from the seed unless given)."""
    family = family or FAMILIES[seed % len(FAMILIES)]
    if family == "rules":
        from .edges import edge_program
        return edge_program(seed)
    r0 = random.Random(seed)
    np_only = family not in ("arrays", "calls", "globals") and r0.random() < 0.4
    g = _Gen(seed, family, np_only)
    fmt = {"sin": "np.sin" if np_only else "math.sin", "tanh": "np.tanh"}
    prelude = [ln.format(**fmt) for ln in PRELUDE]
    body = []
    if family == "pytree":
        kind = g.pick(["d", "t"])
        params = [("p", kind), ("x", "s")]
        g.features.add("pytree:" + kind)
        if kind == "d":
            body += [Node('v = p["w"]'), Node('y = p["b"]'), Node('m = p.get("m")')]
        else:
            body += [Node("v, y = p"), Node("m = np.outer(v, v)")]
    else:
        params = [("x", "s"), ("y", "s"), ("v", "v"), ("m", "m")]
    g.params = params
    g.scalars, g.vectors, g.matrices = ["x", "y"], ["v"], ["m"]
    rebinds = []
    if family == "globals":
        g.features.add("globals")
        g.cell = g.chance(0.4)
        g.features.add("closure-cell" if g.cell else "module-globals")
        body.append(Node(f"s0 = G * x + np.sum(GA * v)" + (" + c * y" if g.cell else "")))
        g.scalars.append("s0")
        rebinds = ["G = -1.3", "GA = np.array([2.0, 0.1, -0.6])"]
        if g.cell:
            rebinds.append("set_c(-2.5)")
    focus = FAMILY_FOCUS[family]
    for _ in range(g.r.randint(2, 4)):
        body += g.emit(g.pick(focus)) if g.chance(0.6) else g.stmt()
    ret = g.ret_terms()
    if family == "globals" and "s0" not in ret:
        ret.append("s0")
    return Program(seed=seed, family=family, params=params, body=body, ret=ret, prelude=prelude,
                   rebinds=rebinds, np_only=np_only, cell=g.cell, features=g.features)
