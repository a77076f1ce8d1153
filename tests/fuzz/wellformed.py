"""Is every name ``f`` reads defined on every path that reads it?

Example::

    well_formed("def f(x):\\n    if x > 0:\\n        t = x\\n    return t\\n")   # False
    well_formed("def f(x):\\n    t = 0.0\\n    if x > 0:\\n        t = x\\n    return t\\n")  # True

Python's definite-assignment rule, conservatively: a loop may run zero
times, an arm that returns, breaks or continues does not fall through,
after a loop only what was defined before it counts.  The grammar only
makes well-formed programs (a test checks it), so a compiler's "may be used
before it is assigned" on them is a false rejection; ``reduce`` keeps its
candidates well-formed so a reduced rejection stays a valid program.
"""
from __future__ import annotations

import ast
import builtins


class _Undefined(Exception):
    pass


def _stores(nodes):
    out = set()
    for node in nodes:
        for n in ast.walk(node):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                out.add(n.id)
            elif isinstance(n, (ast.FunctionDef, ast.Lambda)) and n is not node:
                pass
            if isinstance(n, ast.FunctionDef):
                out.add(n.name)
    return out


class _Checker:
    def __init__(self, fn, outer):
        self.locals = _stores(fn.body)
        self.outer = outer | set(dir(builtins))

    def expr(self, node, defined):
        if node is None:
            return
        stack = [node]
        while stack:
            n = stack.pop()
            if isinstance(n, ast.Lambda):
                continue                        # read when called
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
                if n.id in self.locals and n.id not in defined:
                    raise _Undefined(n.id)
                if n.id not in self.locals and n.id not in defined and n.id not in self.outer:
                    raise _Undefined(n.id)
            stack.extend(ast.iter_child_nodes(n))

    def block(self, body, defined):
        """The names defined after ``body``; None when it never falls through.
        Code after a return is still read: every local counts as defined there
        (it never runs), but a name that is nowhere defined is still an error."""
        defined, falls = set(defined), True
        for st in body:
            if defined is None:
                defined, falls = set(self.locals) | set(self.outer), False
            defined = self._stmt(st, defined)
        return defined if falls else None

    def _stmt(self, st, defined):
        """One statement: the names defined after it (None: no fall-through)."""
        if isinstance(st, (ast.Return, ast.Expr)):
            self.expr(st.value, defined)
            if isinstance(st, ast.Return):
                return None
        elif isinstance(st, (ast.Break, ast.Continue)):
            return None
        elif isinstance(st, ast.Assign):
            self.expr(st.value, defined)
            for t in st.targets:
                self._target(t, defined)
        elif isinstance(st, ast.AugAssign):
            self.expr(st.value, defined)
            self.expr(_as_load(st.target), defined)
            self._target(st.target, defined)
        elif isinstance(st, ast.If):
            self.expr(st.test, defined)
            arms = [self.block(st.body, defined), self.block(st.orelse, defined)]
            live = [a for a in arms if a is not None]
            if not live:
                return None
            defined = set.intersection(*live)
        elif isinstance(st, (ast.For, ast.While)):
            inner = set(defined)
            if isinstance(st, ast.For):
                self.expr(st.iter, defined)
                self._target(st.target, inner)
            else:
                self.expr(st.test, defined)
            self.block(st.body, inner)
        elif isinstance(st, ast.FunctionDef):
            defined.add(st.name)
        elif isinstance(st, ast.Pass):
            pass
        else:
            raise _Undefined(type(st).__name__)
        return defined

    def _target(self, t, defined):
        if isinstance(t, ast.Name):
            defined.add(t.id)
        elif isinstance(t, (ast.Tuple, ast.List)):
            for e in t.elts:
                self._target(e, defined)
        else:                                   # b[i] = ..., the array must exist
            self.expr(_as_load(t), defined)


def _as_load(t):
    t = ast.parse(ast.unparse(t), mode="eval").body
    return t


def _top_names(body):
    out = set()
    for st in body:
        if isinstance(st, ast.FunctionDef):
            out.add(st.name)
        elif isinstance(st, (ast.Import, ast.ImportFrom)):
            out |= {(a.asname or a.name).split(".")[0] for a in st.names}
        elif isinstance(st, (ast.Assign, ast.AugAssign)):
            out |= _stores([st])
    return out


def well_formed(source, name="f"):
    """True when every read in function ``name`` of ``source`` is defined."""
    try:
        tree = ast.parse(source)
    except SyntaxError:                         # a reduction cut an if away from its elif
        return False
    outer = _top_names(tree.body)
    fn = None
    for st in tree.body:
        if isinstance(st, ast.FunctionDef) and st.name == name:
            fn = st
        elif isinstance(st, ast.FunctionDef):          # f as a closure of outer()
            for inner in st.body:
                if isinstance(inner, ast.FunctionDef) and inner.name == name:
                    fn, outer = inner, outer | _top_names(st.body)
    if fn is None:
        return False
    params = {a.arg for a in fn.args.args}
    c = _Checker(fn, outer | params)
    try:
        c.block(fn.body, params)
    except _Undefined:
        return False
    return True
