"""Forward rules derived from what the table already says, not written twice.

Example: the reverse rule of ``np.hypot`` for ``x1`` is

    def hypot_x1(g, ans, x1, x2):
        return unbroadcast(g * div_or_zero(x1, ans), x1)

``hypot`` is elementwise, so its Jacobian is diagonal once the operands are
broadcast: the same derivative expression, applied to the tangent, is the
forward rule, ``elementwise(hypot_x1)`` generates

    def hypot_x1_jvp(t, ans, x1, x2):
        return broadcast_like(t * div_or_zero(x1, ans), ans)

(``unbroadcast`` dropped, ``g`` renamed ``t``, the result broadcast to the
output's shape).  A one-argument elementwise rule is its own forward rule
(J^T g == J g for a diagonal J): ``defjvp(np.sin, sin_x)``.  A function
linear in each argument separately (``@``, ``np.dot``, ``np.outer``...)
gets ``multilinear(np.dot, rule)``: the primal with argument k replaced by
its tangent.  (A function jointly linear, ``Rule.linear``, needs no rule:
``transforms/forward.py`` applies it to the tangents.)

The derived functions are ordinary Python, generated on first use (Rule.jvp) into a file in the cache
(``cache.load_module``) so that ``rule_inline`` inlines them like any rule;
names in them resolve in the reverse rule's module.
"""
from __future__ import annotations

import ast
import inspect
import textwrap

from .. import cache
from .tangents import broadcast_like

__all__ = ["elementwise", "multilinear", "reduction", "transposed"]


def _function_def(fn):
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    node = tree.body[0]
    body = [s for s in node.body
            if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Return):
        raise TypeError(f"{fn.__name__}: only a rule whose body is one return can be derived")
    node.decorator_list = []
    return node, body[0].value


class _Rename(ast.NodeTransformer):
    def __init__(self, old, new):
        self.old, self.new = old, new

    def visit_Name(self, node):
        if node.id == self.old:
            return ast.copy_location(ast.Name(id=self.new, ctx=node.ctx), node)
        return node


def _load(name, source, like, extra=None):
    """The function ``name`` defined by ``source``, its globals those of the
    module of ``like`` (plus ``broadcast_like`` and ``extra``)."""
    namespace = {k: v for k, v in like.__globals__.items() if not k.startswith("__")}
    namespace["broadcast_like"] = broadcast_like
    namespace.update(extra or {})
    module, _ = cache.load_module(f"jvp_{name}", source, namespace)
    fn = getattr(module, name)
    fn.__module__ = like.__module__
    return fn


class _Deferred:
    """A derived rule, generated on first use (``Rule.jvp`` resolves it):
    importing ad_compiler writes and imports no generated files."""

    def __init__(self, build, *args):
        self._build, self._args, self._fn = build, args, None

    def resolve(self):
        if self._fn is None:
            self._fn = self._build(*self._args)
        return self._fn

    def __call__(self, *args, **kwargs):
        return self.resolve()(*args, **kwargs)

    def __repr__(self):
        return f"<derived forward rule {self._build.__name__}{self._args[:1]}>"


def elementwise(*vjps):
    """The forward rules of an elementwise primitive from its reverse rules
    ``vjp(g, ans, *args) -> unbroadcast(E, x)`` (``None`` stays ``None``):
    ``jvp(t, ans, *args) -> broadcast_like(E[g := t], ans)``."""
    return tuple(None if v is None else _Deferred(_elementwise, v) for v in vjps)


def _elementwise(vjp):
    node, expr = _function_def(vjp)
    g = node.args.args[0].arg
    ans = node.args.args[1].arg
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) \
            and expr.func.id == "unbroadcast" and len(expr.args) == 2:
        expr = expr.args[0]
    expr = _Rename(g, "t").visit(expr)
    node.args.args[0] = ast.arg(arg="t")
    node.name = f"{vjp.__name__}_jvp"
    node.body = [ast.Return(value=ast.Call(func=ast.Name(id="broadcast_like", ctx=ast.Load()),
                                           args=[expr, ast.Name(id=ans, ctx=ast.Load())],
                                           keywords=[]))]
    source = f'"""Derived by ad_compiler.rules.derive.elementwise from {vjp.__qualname__}."""\n' \
             + ast.unparse(ast.fix_missing_locations(node)) + "\n"
    return _load(node.name, source, vjp)


def multilinear(primal, *vjps):
    """Forward rules of a primal linear in each of its arguments apart
    (``a @ b``): rule k calls the primal with argument k's tangent in its
    place, with the parameters (names, defaults) of reverse rule k."""
    return tuple(None if v is None else _Deferred(_substitute, primal, v, k)
                 for k, v in enumerate(vjps))


def _substitute(primal, vjp, k):
    params = list(inspect.signature(vjp).parameters.values())
    namespace = {"primal_fn": primal}
    head, call, star = ["t", params[1].name], [], False
    for i, p in enumerate(params[2:]):
        arg = "t" if i == k and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) else p.name
        text = p.name
        if p.default is not p.empty:
            key = f"_default_{p.name}"
            namespace[key] = p.default
            text += f"={key}"
        if p.kind is p.VAR_POSITIONAL:      # argument k is an item of *args (einsum)
            head.append(f"*{p.name}")
            j = k - i
            call.append(f"*{p.name}[:{j}], t, *{p.name}[{j + 1}:]" if j >= 0 else f"*{p.name}")
            star = True
        elif p.kind is p.VAR_KEYWORD:
            head.append(f"**{p.name}")
            call.append(f"**{p.name}")
        elif p.kind is p.KEYWORD_ONLY:
            if not star:
                head.append("*")
                star = True
            head.append(text)
            call.append(f"{p.name}={arg}")
        else:
            head.append(text)
            call.append(arg)
    name = f"{vjp.__name__}_jvp"
    source = (f'"""Derived by ad_compiler.rules.derive.multilinear from {vjp.__qualname__}."""\n'
              f"def {name}({', '.join(head)}):\n    return primal_fn({', '.join(call)})\n")
    return _load(name, source, vjp, namespace)


def _call_text(params, replace=None, skip=()):
    """Parameter list and call text of a rule's primal parameters."""
    namespace, head, call, star = {}, [], [], False
    for i, p in enumerate(params):
        text = p.name
        if p.default is not p.empty:
            key = f"_default_{p.name}"
            namespace[key] = p.default
            text += f"={key}"
        if p.kind is p.VAR_POSITIONAL:
            head.append(f"*{p.name}")
            call.append(f"*{p.name}")
            star = True
        elif p.kind is p.VAR_KEYWORD:
            head.append(f"**{p.name}")
            call.append(f"**{p.name}")
        elif p.kind is p.KEYWORD_ONLY:
            if not star:
                head.append("*")
                star = True
            head.append(text)
            call.append(f"{p.name}={p.name}")
        else:
            head.append(text)
            call.append(p.name)
    return namespace, head, call


def reduction(*vjps, axis=None):
    """Forward rules of a reduction along ``axis`` (``max``, ``prod``,
    ``var``, ``norm``...): each input number reaches one result number, so
    ``J @ t = sum(t * (J^T @ 1), axis)``: the reverse rule, given ones,
    yields the weights.  ``axis``: the reduced axes when the primal has no
    ``axis`` parameter (``matrix_norm``: ``(-2, -1)``)."""
    return tuple(None if v is None else _Deferred(_reduction, v, axis) for v in vjps)


def _reduction(vjp, fixed_axis):
    params = list(inspect.signature(vjp).parameters.values())
    namespace, head, call = _call_text(params[2:])
    names = [p.name for p in params[2:]]
    namespace.update(vjp_fn=vjp, reduce_tangent=__import__(
        "ad_compiler.rules.tangents", fromlist=["reduce_tangent"]).reduce_tangent)
    ax = "axis" if "axis" in names else "_fixed_axis"
    namespace["_fixed_axis"] = fixed_axis
    name = f"{vjp.__name__}_jvp"
    source = (f'"""Derived by ad_compiler.rules.derive.reduction from {vjp.__qualname__}."""\n'
              f"def {name}(t, {params[1].name}, {', '.join(head)}):\n"
              f"    return reduce_tangent(t * vjp_fn(np.ones_like({params[1].name}), "
              f"{params[1].name}, {', '.join(call)}), {params[1].name}, {ax})\n")
    return _load(name, source, vjp, namespace)


def transposed(*vjps):
    """Forward rules from reverse rules by transposition
    (``tangents.transposed_tangent``): one reverse-rule call per number of
    the result.  For the decompositions and order statistics, whose results
    are small next to the work of the primal; a hand-written rule replaces
    it wherever speed matters."""
    return tuple(None if v is None else _Deferred(_transposed, v, k) for k, v in enumerate(vjps))


def _transposed(vjp, k):
    params = list(inspect.signature(vjp).parameters.values())
    namespace, head, call = _call_text(params[2:])
    positional = [c for c, p in zip(call, params[2:]) if p.kind in (p.POSITIONAL_ONLY,
                                                                     p.POSITIONAL_OR_KEYWORD)]
    keywords = [c for c, p in zip(call, params[2:]) if p.kind is p.KEYWORD_ONLY]
    star = [p.name for p in params[2:] if p.kind is p.VAR_POSITIONAL]
    dstar = [p.name for p in params[2:] if p.kind is p.VAR_KEYWORD]
    from .tangents import transposed_tangent
    namespace.update(vjp_fn=vjp, transposed_tangent=transposed_tangent)
    args = "(" + "".join(f"{c}, " for c in positional) + ")" + "".join(f" + tuple({s})"
                                                                        for s in star)
    kw = "dict(" + ", ".join(keywords + [f"**{d}" for d in dstar]) + ")"
    name = f"{vjp.__name__}_jvp"
    source = (f'"""Derived by ad_compiler.rules.derive.transposed from {vjp.__qualname__}."""\n'
              f"def {name}(t, {params[1].name}, {', '.join(head)}):\n"
              f"    return transposed_tangent(vjp_fn, t, {params[1].name}, {args}, {kw})\n")
    del k
    return _load(name, source, vjp, namespace)
