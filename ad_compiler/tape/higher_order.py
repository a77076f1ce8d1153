"""``create_graph=True``: the backward pass records its own operations.

Example::

    x = tensor(2.0, requires_grad=True)
    y = x ** 3
    (g,) = grad(y, x, create_graph=True)     # tensor(12., grad_fn=<MulBackward0>)
    (h,) = grad(g, x)                        # tensor(12.): d/dx 3x^2 = 6x

Without ``create_graph`` a node's rule runs on the raw NumPy arrays.  With
it, the rule runs on the *Tensors* the primal was called with (and on a
Tensor standing for the node's own result, so ``exp``'s rule ``g * ans``
differentiates through ``ans``): every NumPy call inside the rule then
records itself, as PyTorch's backward does.  The rule table's helpers that
NumPy does not dispatch (``unbroadcast``, ``safe_mul``, ``math.cos``,
``float``...) are reached through a copy of the rule whose globals call
them via :func:`~ad_compiler.tape.tensors.record` whenever a Tensor that
requires grad is among their arguments: they are primitives with rules of
their own (``rules/runtime_helpers.py``), so any order of derivative works.
A rule that turns such a Tensor into a Python number anyway would lose the
second derivative silently; that is an error naming the rule.
"""
from __future__ import annotations

import builtins
import math
import types

import numpy as np

from ..errors import NoRuleError
from ..rules import lookup
from . import function, tensors
from .grad_mode import enable_grad
from .tensors import Tensor, _requires_grad, record

__all__ = ["run_rule_on_tensors", "tape_version"]

_VERSIONS: dict = {}


def _needs_tape(args, kwargs):
    return any(map(_requires_grad, args)) or any(map(_requires_grad, kwargs.values()))


def _recording(fn):
    """``fn``, recorded on the tape as one step when a Tensor that requires
    grad is an argument (``fn`` has a rule)."""

    def call(*args, **kwargs):
        if _needs_tape(args, kwargs):
            return record(fn, *args, **kwargs)
        return fn(*args, **kwargs)
    call.__name__ = getattr(fn, "__name__", "helper")
    call.__wrapped__ = fn
    return call


class _MathOnTensors(types.ModuleType):
    """The ``math`` module as a rule sees it under ``create_graph``: its
    functions record on Tensors (a plain call would make Python floats)."""

    def __getattr__(self, name):
        value = getattr(math, name)
        if callable(value) and lookup(value) is not None:
            value = _recording(value)
        setattr(self, name, value)
        return value


_MATH = _MathOnTensors("math")
_BUILTINS = {name: _recording(getattr(builtins, name)) for name in ("float", "pow")}


def _is_ours(fn):
    return isinstance(fn, types.FunctionType) and (fn.__module__ or "").startswith("ad_compiler.")


def tape_version(fn):
    """A copy of the rule (or rule helper) ``fn`` whose globals route the
    helpers it calls through the tape (see the module docstring)."""
    hit = _VERSIONS.get(fn)
    if hit is not None:
        return hit
    env = dict(fn.__globals__)
    copy = types.FunctionType(fn.__code__, env, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    _VERSIONS[fn] = copy                    # before the globals: helpers may recurse
    for name, value in list(env.items()):
        if value is math:
            env[name] = _MATH
        elif _is_ours(value) and lookup(value) is not None:
            env[name] = _recording(value)   # a primitive with its own rule: one step
        elif _is_ours(value) and not name.startswith("__"):
            env[name] = _LazyTape(value)    # a plain helper: runs, its calls recorded
    env.update(_BUILTINS)
    return copy


class _LazyTape:
    """Calls the tape version of a helper, made on first use."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, *args, **kwargs):
        return tape_version(self.fn)(*args, **kwargs)


def run_rule_on_tensors(node, k, g):
    """Rule ``k`` of ``node`` applied to the cotangent ``g``, on Tensors, recorded."""
    vjp = node._rule.vjp(k)
    args = node._tensor_args if node._tensor_args is not None else node._args
    kwargs = node._tensor_kwargs if node._tensor_kwargs is not None else node._kwargs
    if node.n_outputs == 1:
        ans = Tensor(np.asarray(node._ans), _grad_fn=node)
    else:
        ans = tuple(Tensor(a, _grad_fn=node, _output_nr=i) for i, a in enumerate(node._ans))
    floats = []
    tensors._FLOAT_WATCH.append(floats)
    try:
        with enable_grad():
            out = tape_version(vjp)(g, ans, *args, **kwargs)
    finally:
        tensors._FLOAT_WATCH.pop()
    if floats:
        raise NoRuleError(
            f"create_graph=True: the derivative rule {vjp.__name__} of {node._rule.name} turns a "
            "Tensor that requires grad into a Python number, so its own derivative would be "
            "lost; use the compiled ad_compiler.grad(ad_compiler.grad(f)) for this function")
    return out


def seed_tensor(g, seed):
    """The seed of ``backward(create_graph=True)``: the ``gradient`` Tensor
    itself when it requires grad (so the result depends on it), else ``seed``."""
    return g if isinstance(g, Tensor) and g.requires_grad else Tensor(seed)


function.ON_TENSORS.update(run_rule=run_rule_on_tensors, seed=seed_tensor)
