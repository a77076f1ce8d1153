"""``*args`` and ``**kwargs`` of a differentiated function.

Example::

    def f(x, *xs): return x * sum(xs)
    adc.grad(f, wrt=2)(1.0, 2.0, 3.0)     # d f / d (third positional argument) = 1.0

The graph has one parameter per positional parameter, then one for
``*xs`` (it receives a tuple, a pytree) and one for ``**kw`` (a dict).  A
call binds its arguments as Python does; ``wrt`` counts positional
arguments as the caller passes them, so ``wrt=2`` above is item 1 of the
``xs`` tuple: the compiled gradient is taken with respect to the whole
tuple and the item picked from its (structural) gradient.
"""
from __future__ import annotations

from .errors import WrtError

__all__ = ["Signature"]


class Signature:
    """The caller's view of a function with ``*args`` and/or ``**kwargs``."""

    def __init__(self, node_args, n_bound):
        self.names = [a.id for a in node_args.args][n_bound:]
        self.star = node_args.vararg.id if node_args.vararg is not None else None
        self.dstar = node_args.kwarg.id if node_args.kwarg is not None else None

    @property
    def param_names(self):
        """Names of the graph parameters the caller fills, in order."""
        return self.names + [n for n in (self.star, self.dstar) if n is not None]

    def bind(self, fname, args, kwargs, defaults):
        n = len(self.names)
        if len(args) > n and self.star is None:
            raise TypeError(f"{fname}() takes {n} positional arguments but {len(args)} were given")
        vals = list(args[:n])
        for name in self.names[len(vals):]:
            if name in kwargs:
                vals.append(kwargs.pop(name))
            elif name in defaults:
                vals.append(defaults[name])
            else:
                raise TypeError(f"{fname}() missing argument '{name}'")
        dup = [k for k in kwargs if k in self.names[:len(args)]]
        if dup or (kwargs and self.dstar is None):
            raise TypeError(f"{fname}() got unexpected or repeated keyword argument(s) "
                            f"{', '.join(dup or kwargs)}")
        if self.star is not None:
            vals.append(tuple(args[n:]))
        if self.dstar is not None:
            vals.append(dict(kwargs))
        return vals

    def plan(self, positions, where):
        """(graph parameter indices to differentiate, one pick per requested
        position: (index into those, item of ``*args`` or None))."""
        n = len(self.names)
        params, picks = [], []
        for k in positions:
            if isinstance(k, str):                   # wrt="xs": the *xs tuple as a whole
                p = self.param_names.index(k)
                params += [p] if p not in params else []
                picks.append((params.index(p), None))
                continue
            if k < 0:
                raise WrtError(f"wrt={k}: negative positions are ambiguous with *{self.star}; "
                               "count from the first argument", **where)
            p = min(k, n) if self.star is not None else k
            if p not in params:
                params.append(p)
            picks.append((params.index(p), k - n if k >= n else None))
        return tuple(params), picks

    def pick(self, grads, picks, n_args, where):
        """The gradients the caller asked for, from those of the parameters."""
        out = []
        for j, item in picks:
            g = grads[j]
            if item is not None:
                if item >= n_args - len(self.names):
                    raise WrtError(f"wrt={item + len(self.names)} is out of range: the call "
                                   f"passed {n_args} positional argument(s)", **where)
                g = g[item]
            out.append(g)
        return out
