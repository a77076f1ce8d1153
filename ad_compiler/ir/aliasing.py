"""Alias analysis for the AST → SSA builder: which names share an array.

Example::

    b = a.copy()          b = np.ndarray.copy a        (a fresh array)
    r = b[0]              r = getitem b 0              link: r -> (b, getitem 0)
    r *= 0.5              t = mul r 0.5
                          b_2 = write_view b t getitem (0,) ()
                          r_2 = read_view b_2 b t getitem (0,) ()

Every SSA value that may share memory with another has a *link* to its
parent: ``(parent, step)``, where the step is the view function that made
it (``b[0]``, ``b.T``, ``b.reshape(...)``) or None for the same object
(``v = b`` carried into a loop as two parameters).  An in-place update of
a name (``r *= 0.5``, ``r[i] = v``) is lowered to an SSA update of every
value in its *family* (the values bound to names that have the same root):
the new contents are written up the chain of links into the root, and
every name of the family is re-read from the new root.  Whether a step is a
view is decided at run time (``ir.views``), as NumPy decides it.

At a join (``if``) or a loop header, a block parameter gets a link when
every incoming edge gives the same relation; when they disagree (``r`` a
view of ``b`` on one path, a new array on the other), the parameter is
*unknown*: an in-place update that could reach it raises MutationError.
A loop is built assuming the relations at its entry; if the latch breaks
them and the body updates an array in place, that is a MutationError too.
"""
from __future__ import annotations

import numpy as np

from ..errors import MutationError
from . import ops, views
from .nodes import Const, Var
from .slots import hint_of_key, holds_object, is_name, shown

__all__ = ["Aliases", "tracked"]

tracked = holds_object     # env keys whose values may share memory (ir.slots)
_shown = shown


class Aliases:
    """Links between SSA values (shared by a function and its inlined callees)."""

    def __init__(self):
        self.link = {}         # Var -> (parent Var, step); step = (fn, args, kwargs) or None
        self.opaque = {}       # Var -> why a view of it cannot be modelled
        self.unknown = {}      # Var -> frozenset of env keys it may alias
        self.updates = 0       # in-place updates lowered so far
        self.containers = set()  # values known to be lists or tuples
        self._loops = []
        self.at = (None, None)  # (function builder, loop statement) of the next loop

    # -- recording ---------------------------------------------------------------------
    def record_view(self, out, fn, args, kwargs):
        base = args[0]
        if isinstance(base, Const) and isinstance(base.value, (np.ndarray, list)):
            self.opaque[out] = "a view of a global array"
            return
        if base in self.containers and fn is np.asarray:
            return                                   # a new array
        if base in self.containers:
            self.opaque[out] = "an item of a list or tuple (Python would change the item too)"
            return
        if not isinstance(base, Var):
            return
        rest, kw = tuple(args[1:]), tuple(kwargs)
        if fn in (np.asarray, np.ndarray.view) and (rest or kw):
            self.opaque[out] = f"{getattr(fn, '__name__', fn)} with a dtype"
        elif any(isinstance(v, Var) for _, v in kw):
            self.opaque[out] = "a view whose keyword arguments are computed"
            return
        if fn in (np.asarray, np.ndarray.view) and not (rest or kw):
            self.link[out] = (base, None)
        else:
            self.link[out] = (base, (fn, rest, tuple((k, v.value) for k, v in kw)))

    def obj(self, v):
        """The value ``v`` is the same object as (following None steps)."""
        seen = set()
        while v in self.link and self.link[v][1] is None:
            if v in seen:
                raise AssertionError(f"alias link cycle at {v}")
            seen.add(v)
            v = self.link[v][0]
        return v

    def root(self, v):
        seen = set()
        while v in self.link:
            if v in seen:
                raise AssertionError(f"alias link cycle at {v}")
            seen.add(v)
            v = self.link[v][0]
        return v

    def substitute(self, m):
        """Loop parameters replaced by their initial values (builder pruning)."""
        sub = lambda x: m.get(x, x) if isinstance(x, Var) else x
        for d in (self.opaque, self.unknown):     # a replaced parameter's value keeps
            for k in [k for k in d if k in m]:     # the relations it had before the loop
                d.pop(k)
        link = {}
        for k, (p, step) in self.link.items():
            if k in m:
                continue
            if step is not None:
                fn, args, kw = step
                step = (fn, tuple(sub(a) for a in args), kw)
            if sub(k) != sub(p):
                link[sub(k)] = (sub(p), step)
        self.link = link

    # -- lowering an in-place update ---------------------------------------------------
    def family(self, env, v):
        """The env keys bound to values that have the root of ``v``."""
        r = self.root(v)
        return [k for k, x in env.items() if tracked(k) and isinstance(x, Var) and self.root(x) == r]

    def problems(self, fb, env, key, old):
        """Why the update of ``key`` (value ``old``) cannot be modelled, if it can't."""
        fam = self.family(env, old)
        vals = {env[k] for k in fam}
        todo = list(vals)
        free = fb.b.free_params     # globals and closure cells read per call
        while todo:
            x = todo.pop()
            if x in free:
                return (f"it may change another array through a view of a global array "
                        f"('{free[x]}'), which the compiler cannot follow; copy it first: "
                        f"{key} = {key}.copy()")
            if x in self.opaque:
                return (f"it may change another array through {self.opaque[x]}, which the "
                        f"compiler cannot follow; copy it first: {key} = {key}.copy()")
            if x in self.link:
                todo.append(self.link[x][0])
        for k, x in env.items():
            if isinstance(x, Var) and x in self.unknown and (x in vals or self.unknown[x] & set(fam)):
                other = sorted(_shown(j) for j in self.unknown[x] if j != k) or ["another array"]
                return (f"'{_shown(k)}' shares memory with "
                        f"{', '.join(repr(o) for o in other)} on some paths only (it depends "
                        "on the branch taken or on an earlier iteration), so the update cannot "
                        f"be modelled; copy it first: {_shown(k)} = {_shown(k)}.copy()")
        objs = {self.obj(v) for v in vals}
        if any(self.obj(s) in objs or self.root(s) in {self.root(old)} for s in fb.b.stored
               if isinstance(s, Var)):
            return ("it (or an array it shares memory with) was put in a list or tuple: "
                    "Python would change the item in the container too; copy it first "
                    f"({key} = {key}.copy()) or update it before storing it")
        r = self.root(old)
        if any(isinstance(x, Var) and self.root(x) == r
               for o in fb.b.outer_envs for x in o.values()):
            return (f"it would modify an array of the calling function; copy it first: "
                    f"{key} = {key}.copy()")
        return None

    def update(self, fb, key, old, new, node, what, inplace):
        """Bind ``key`` to ``new`` (the contents of ``old`` after the update)
        and re-read every name of its family.  ``inplace``: the update always
        changes the object (index assignment); else only when ``old`` is an
        array at run time (``+=`` on a number rebinds)."""
        env = fb.b.env
        if isinstance(old, Const) and isinstance(old.value, (np.ndarray, list)):
            fb.error(node, f"{what} '{key}' would modify a global array or list: copy it "
                           f"first: {key} = {key}.copy()", MutationError)
        if not isinstance(old, Var):
            env[key] = new
            return
        problem = self.problems(fb, env, key, old)
        if problem and inplace:
            fb.error(node, f"{what} '{key}': {problem}", MutationError)
        if problem:                 # fine for a number (rebound); refused for an array
            loc = fb.loc(node)
            where = (fb.pf.name, loc.filename, loc.lineno, loc.source)
            fb.b.effect(views.refuse_inplace, (old, Const(f"{what} '{key}': {problem}"),
                                               Const(where)), loc)
        fam = self.family(env, old)
        if fam == [key] and old not in self.link:
            env[key] = new
            return
        self.updates += 1
        emit = lambda fn, args, hint=None: fb.emit(fn, args, node, hint=hint)
        written, cur, w = {old: new}, old, new
        while cur in self.link:                      # write up the chain into the root
            par, step = self.link[cur]
            w = emit(views.write_view, (par, w) + self._step_args(fb, step, node),
                     hint=self._key_of(env, par))
            written[par] = w
            cur = par
        memo = {}

        def reread(x):
            if x not in memo:
                if x not in self.link:
                    memo[x] = written.get(x, x)
                else:
                    par, step = self.link[x]
                    newpar = reread(par)
                    out = emit(views.read_view, (newpar, par, written.get(x, x))
                               + self._step_args(fb, step, node), hint=self._key_of(env, x))
                    self.link[out] = (newpar, step)
                    memo[x] = out
            return memo[x]
        mine = reread(old)
        for k in fam:
            x = env[k]
            if k == key:
                continue
            if x == old and not inplace:             # the same object only if an array
                env[k] = emit(ops.alias_update, (old, mine), hint=hint_of_key(k) if is_name(k) else None)
                self.link[env[k]] = (mine, None)
            else:
                env[k] = reread(x)
        env[key] = mine

    def _key_of(self, env, v):
        for k, x in env.items():
            if x == v and is_name(k):
                return hint_of_key(k)
        return None

    @staticmethod
    def _step_args(fb, step, node):
        if step is None:
            return (Const(None), Const(()), Const(()))
        fn, args, kw = step
        if all(isinstance(a, Const) for a in args):
            targs = Const(tuple(a.value for a in args))
        else:
            targs = fb.emit(ops.make_tuple, args, node)
        return (Const(fn), targs, Const(kw))

    # -- joins and loops ---------------------------------------------------------------
    def _first_keys(self, env, keys):
        """object -> the first of ``keys`` whose value in ``env`` is it."""
        first = {}
        for j in keys:
            x = env.get(j)
            if isinstance(x, Var):
                first.setdefault(self.obj(x), j)
        return first

    def _describe(self, env, key, first):
        """How ``env[key]`` relates to the other keys (``first``:
        ``_first_keys`` of ``env``): the same object as an earlier one, a
        view of one, a view of a value no key holds, or its own."""
        v = env.get(key)
        if not isinstance(v, Var):
            return ("root",)                # a constant: nothing in the function shares it
        if v in self.unknown:
            return ("unknown",)
        o = self.obj(v)
        j = first.get(o)
        if j is not None and j != key:
            return ("same", j)
        if o in self.link:
            par, step = self.link[o]
            j = first.get(self.obj(par))
            if j is not None:
                return ("view", j, step)
            return ("view-of", par, step)
        return ("root",)

    def _family_keys(self, env, key, keys):
        v = env.get(key)
        if not isinstance(v, Var):
            return set()
        r = self.root(v)
        out = {j for j in keys if isinstance(env.get(j), Var) and self.root(env[j]) == r}
        for j in keys:
            x = env.get(j)
            if isinstance(x, Var) and x in self.unknown and (key in self.unknown[x] or j == key):
                out |= self.unknown[x]
        return out

    def relate(self, arms, merged):
        """Relations of the values of ``merged`` that differ from some arm's:
        {key: description}, with ``("unknown", keys)`` where the arms disagree."""
        keys = [k for k in merged if tracked(k)]
        firsts = [self._first_keys(a, keys) for a in arms]
        out = {}
        for k in keys:
            p = merged[k]
            if not isinstance(p, Var):
                continue
            ds = [self._describe(a, k, f) for a, f in zip(arms, firsts)]
            if all(a.get(k) == p for a in arms):           # the same value on every path:
                if any(d != ds[0] for d in ds) and p not in self.unknown:  # related to
                    fam = set()                            # different arrays on each?
                    for a in arms:
                        fam |= self._family_keys(a, k, keys)
                    out[k] = ("unknown", frozenset(fam | {k}))
                continue
            if all(d == ds[0] for d in ds) and ds[0][0] != "unknown":
                out[k] = ds[0]
            else:
                fam = set()
                for a in arms:
                    fam |= self._family_keys(a, k, keys)
                out[k] = ("unknown", frozenset(fam | {k}))
        return out

    def apply(self, rel, merged):
        for k, d in rel.items():
            p = merged[k]
            if d[0] == "unknown":
                self.unknown[p] = d[1]
                continue
            self.link.pop(p, None)
            self.unknown.pop(p, None)
            if d[0] == "same":
                self.link[p] = (merged[d[1]], None)
            elif d[0] == "view":
                self.link[p] = (merged[d[1]], d[2])
            elif d[0] == "view-of":
                self.link[p] = (d[1], d[2])

    def join(self, arms, merged):
        if any(isinstance(v, Var) for v in merged.values()):
            self.apply(self.relate(arms, merged), merged)

    def loop_enter(self, entry, header):
        rel = self.relate([entry], header)
        self.apply(rel, header)
        self._loops.append((dict(entry), dict(header), rel, self.updates, self.at))

    def loop_latch(self, latch):
        entry, header, rel, n, (fb, node) = self._loops[-1]
        got = self.relate([entry, latch], header)
        changed = [k for k in got if got[k] != rel.get(k)]
        if changed and self.updates > n and fb is not None:
            names = ", ".join(repr(_shown(k)) for k in changed)
            fb.error(node, f"an array is updated in place in this loop, and which arrays "
                           f"{names} shares memory with changes from one iteration to the "
                           "next, which the compiler cannot model: copy the array (x.copy()) "
                           "or rebind it (x = x + v) instead of updating it in place",
                     MutationError)
        self.apply(got, header)

    def loop_exit(self, test_env, exit_env):
        self._loops.pop()
        self.join([test_env], exit_env)

