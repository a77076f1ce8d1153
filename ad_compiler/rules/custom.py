"""User-facing rule tools: ``custom_vjp`` (your own derivative for your own
function) and ``stop_gradient``.  Both only write to the one rule table, so
the compiler and the tape engine honour them alike.

Example::

    def safe_log_x(g, ans, x):                # same parameter names as safe_log
        return g / np.maximum(x, 1e-12)

    @custom_vjp(safe_log_x)
    def safe_log(x):
        return np.log(np.maximum(x, 1e-12))

    lookup(safe_log).vjp(0) is safe_log_x     # the compiler calls or inlines it
                                              # instead of differentiating the body

A rule for positional argument k is ``rule(g, ans, <the function's
parameters, same names and defaults>)`` and returns the cotangent of
argument k (its shape; ``ad_compiler.runtime.unbroadcast`` helps).  Give
``None`` for an argument without a gradient.  A function returning a
tuple takes ``multiple_results=True``; its ``g`` is then a tuple with
``None`` for results that received no cotangent.  Keywords such as
``elementwise=True`` or ``pure=False`` tell the passes what the function is
(``registry.PROPERTIES``).  Rules may be given later:

    @custom_vjp()
    def f(x, y): ...
    f.defvjp(f_x, None)

The decorated function is returned unchanged (with a ``defvjp`` attribute),
so calling it outside of differentiation costs nothing.  Define it and its
rules at module level: the compiler inlines a rule whose body is a single
``return`` and resolves the names in it in the rule's module.
"""
import functools
import inspect

from .registry import check_properties, defvjp, nondifferentiable

__all__ = ["custom_vjp", "stop_gradient"]


def stop_gradient(x):
    """``x`` itself, but a constant for differentiation: no gradient flows
    through it (JAX's ``lax.stop_gradient``, PyTorch's ``detach``)."""
    if hasattr(type(x), "__ad_function__"):          # a tape Tensor: record it there
        return x.__ad_function__(stop_gradient, (x,), {})
    return x


nondifferentiable(stop_gradient, doc="identity whose result is a constant for differentiation")


def _check_rule(fn, rule):
    want = [p.name for p in inspect.signature(fn).parameters.values()
            if p.kind not in (p.VAR_KEYWORD,)]
    got = list(inspect.signature(rule).parameters)
    if got[2:2 + len(want)] != want:
        raise TypeError(f"custom rule {rule.__name__}{inspect.signature(rule)} must take "
                        f"(g, ans, {', '.join(want)}): the parameters of {fn.__name__}, "
                        f"with the same names")


def custom_vjp(*vjps, linear=False, multiple_results=False, doc="", **properties):
    """Decorator: register ``vjps`` (one per positional parameter, ``None`` for
    no gradient) as the reverse-mode rules of the decorated function.
    ``properties`` tell the compiler's passes what the function is, as for any
    primitive (``registry.PROPERTIES``: ``elementwise=True``, ``pure=False``...)."""
    check_properties(properties)
    for rule in vjps:
        if rule is not None and not callable(rule):
            raise TypeError(f"custom_vjp takes rule functions, not {rule!r}")

    def register(fn):
        @functools.wraps(fn)
        def primitive(*args, **kwargs):
            for a in args:                      # tape Tensors record the call as one step
                if hasattr(type(a), "__ad_function__"):
                    return a.__ad_function__(primitive, args, kwargs)
            return fn(*args, **kwargs)

        def define(*rules):
            if len(rules) > len(inspect.signature(fn).parameters):
                raise TypeError(f"{fn.__name__} takes fewer arguments than the "
                                f"{len(rules)} rules given")
            for rule in rules:
                if rule is not None:
                    _check_rule(fn, rule)
            defvjp(primitive, *rules, linear=linear, multiple_results=multiple_results,
                   doc=doc or (fn.__doc__ or "").strip().split("\n")[0], **properties)
            return primitive

        primitive.defvjp = define
        if vjps:
            define(*vjps)
        return primitive

    if len(vjps) == 1 and inspect.isfunction(vjps[0]) and _looks_like_primal(vjps[0]):
        raise TypeError("use @custom_vjp(rule, ...) with the rules as arguments, or "
                        "@custom_vjp() and fn.defvjp(rule, ...) later")
    return register


def _looks_like_primal(f):
    """A rule takes (g, ans, arg, ...): a function with fewer parameters is the
    primal of a bare ``@custom_vjp`` (missing parentheses)."""
    return len(inspect.signature(f).parameters) < 3
