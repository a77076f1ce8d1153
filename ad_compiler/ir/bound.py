"""Which local variables are bound where: Python's rules, for ``ir.build``.

Python decides statically which names are *local* to a function (those it
binds: assignment targets, ``for`` targets, ``def`` names), and at run time
whether a local has a value yet (``UnboundLocalError`` if not).  The builder
follows both:

* ``bound_names(body)`` is the set of locals (``lst.append(v)`` or
  ``a[i] = v`` do not make ``lst`` or ``a`` local; ``np.append`` does not
  make ``np`` local);
* a local that is assigned on some paths only gets a *definedness flag*
  ``Bound("y")`` in the environment, a boolean SSA value merged at joins like
  any other (``complete_arms``).  A read of ``y`` where the flag is a run-time
  value checks it (``ops.require``), so Python's ``UnboundLocalError`` is
  raised exactly on the paths where Python raises it, and valid programs are
  never refused.  Where the flag is the constant False, every path reaching
  the read fails, which is reported before the function runs.

Example::

    for i in range(n):          # y_bound = False before the loop
        y = x * i               # y_bound = True
    return y                    # require(y_bound, ...): raises if n == 0
"""
from __future__ import annotations

from collections import deque

import gast

from ..frontend.ast_walk import children, walk
from .nodes import Const
from .slots import Bound, Flow

__all__ = ["bound_names", "bound_key", "is_bound_key", "complete_arms", "terminates",
           "RETURN", "RETFLAG", "RAISED"]

RETURN = Flow.RETURN
RETFLAG = Flow.RETURNED
RAISED = Flow.RAISED

_SCOPES = (gast.FunctionDef, gast.Lambda, gast.ListComp, gast.SetComp, gast.DictComp,
           gast.GeneratorExp, gast.ClassDef)
TRUE, FALSE, NONE = Const(True), Const(False), Const(None)


def bound_names(stmts):
    """The names Python makes local to a function whose body is ``stmts``
    (not descending into nested scopes: a nested ``def`` binds its name)."""
    out = []
    todo = deque(stmts)
    while todo:
        n = todo.popleft()
        if isinstance(n, gast.FunctionDef):
            out.append(n.name)
            continue
        if isinstance(n, _SCOPES):
            continue
        if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Del)):
            out.append(n.id)
        todo.extend(children(n))
    return list(dict.fromkeys(out))


def bound_key(name):
    return Bound(name)


def is_bound_key(key):
    return isinstance(key, Bound)


def complete_arms(envs, is_local, dead):
    """Make the two arm environments of an ``if`` agree on their keys before
    the join (``IRBuilder.if_`` drops a key set in one arm only):

    * a local bound in one arm only is None in the other, with its flag False
      there and True where it is bound;
    * the return value and flag: None and False in an arm that did not return.

    ``dead(env)`` says which locals an arm never reads again (all of them
    after ``return``); what such an arm lacks counts as bound there (no
    flag, no check)."""
    gone = [dead(env) for env in envs]
    for k in list(dict.fromkeys([*envs[0], *envs[1]])):
        if k in (RETURN, RETFLAG):
            for env in envs:
                env.setdefault(k, NONE if k == RETURN else FALSE)
            continue
        if not is_local(k):                  # (no typed slot is a local)
            continue
        flag = bound_key(k)
        missing = [k not in env for env in envs]
        if not any(missing) and not any(flag in env for env in envs):
            continue
        for env, miss, done in zip(envs, missing, gone):
            if miss:
                env[k] = NONE
                env[flag] = TRUE if done(k) else FALSE
        for env in envs:                     # (kept when True: a loop may carry it)
            env.setdefault(flag, TRUE)


def terminates(stmts):
    """Whether ``stmts`` certainly end in ``return`` or ``raise`` (a loop
    that contains a ``return`` gets the benefit of the doubt: the compiled
    function checks at run time that it returned)."""
    for s in stmts:
        if isinstance(s, (gast.Return, gast.Raise)):
            return True
        if isinstance(s, gast.If) and terminates(s.body) and terminates(s.orelse):
            return True
        if isinstance(s, (gast.For, gast.While)) and any(
                isinstance(n, gast.Return) for n in walk(s)):
            return True
    return False
