"""Audit of the non-differentiable entries of the rule table.

A callable registered with ``nondifferentiable`` gets a zero gradient and no
error, so it must really have derivative 0 almost everywhere in every
argument (``np.linspace`` or ``np.full`` do not: they were once listed and
silently dropped gradients).  Every such entry is either PROBED -- called
at random float points, each float argument moved by +-eps, and the
(numeric) result must not change at all -- or EXCLUDED with the reason it
cannot be probed (it takes no float argument, returns no number...).  A
new non-differentiable entry in neither list fails
``test_every_nondifferentiable_entry_is_audited``.
"""
import math
import operator

import numpy as np
import pytest

import ad_compiler.rules as rules
from ad_compiler.ir import ops
from ad_compiler.rules import stop_gradient
from ad_compiler.rules.registry import primal_name

EPS = 1e-6


class Arr:
    """A random float argument: an array of ``shape`` (a Python float for
    ``shape=None``) drawn from ``lo..hi``."""

    def __init__(self, *shape, lo=-2.0, hi=2.0):
        self.shape, self.lo, self.hi = shape, lo, hi

    def __call__(self, rng):
        if self.shape == (None,):
            return float(rng.uniform(self.lo, self.hi))
        return rng.uniform(self.lo, self.hi, size=self.shape)


def X(*shape, **kw):
    return Arr(*shape, **kw)


def F(lo=-2.0, hi=2.0):
    return Arr(None, lo=lo, hi=hi)


def reseeded(draw):
    """A draw with the generator state fixed, so only its arguments vary."""
    def call(*args, **kwargs):
        np.random.seed(0)
        return draw(*args, **kwargs)
    return call


def generator_method(name):
    def call(*args, **kwargs):
        return getattr(np.random.default_rng(0), name)(*args, **kwargs)
    return call


# name in the table -> (callable to probe, its arguments); ``None`` probes the entry itself
UNARY = ["np.sign", "np.floor", "np.ceil", "np.round", "np.around", "np.rint", "np.trunc",
         "np.fix", "np.signbit", "np.spacing", "np.isnan", "np.isinf", "np.isfinite",
         "np.isposinf", "np.isneginf", "np.iscomplex", "np.isreal", "np.logical_not",
         "np.ndarray.round", "np.argmax", "np.argmin", "np.argsort", "np.nanargmax",
         "np.nanargmin", "np.ndarray.argmax", "np.ndarray.argmin", "np.ndarray.argsort",
         "np.all", "np.any", "np.ndarray.all", "np.ndarray.any", "np.count_nonzero",
         "np.nonzero", "np.ndarray.nonzero", "np.flatnonzero", "np.argwhere", "np.shape",
         "np.ndim", "np.size", "np.isscalar", "np.iscomplexobj", "np.isrealobj",
         "np.zeros_like", "np.ones_like", "np.int8", "np.int16", "np.int32", "np.int64",
         "np.uint8", "np.uint16", "np.uint32", "np.uint64", primal_name(np.bool_)]
BINARY = ["np.floor_divide", "np.greater", "np.greater_equal", "np.less", "np.less_equal",
          "np.equal", "np.not_equal", "np.logical_and", "np.logical_or", "np.logical_xor",
          "np.isclose", "np.allclose", "np.array_equal", "np.array_equiv", "operator.lt",
          "operator.le", "operator.gt", "operator.ge", "operator.eq", "operator.ne",
          "operator.floordiv", "operator.is_", "operator.is_not"]
SCALAR = ["math.floor", "math.ceil", "math.trunc", "math.isnan", "math.isinf", "math.isfinite",
          "int", "bool", "round", "operator.truth", "operator.not_"]

PROBES = {name: (None, (X(5, lo=0.1, hi=3.0),)) for name in UNARY}
PROBES.update({name: (None, (X(5), X(5))) for name in BINARY})
PROBES.update({name: (None, (F(0.1, 3.0),)) for name in SCALAR})
PROBES.update({
    "round": (round, (F(), 2)),
    "np.round": (np.round, (X(5), 1)),
    "np.argpartition": (None, (X(6), 2)),
    "np.lexsort": (lambda a, b: np.lexsort((a, b)), (X(5), X(5))),
    "np.searchsorted": (lambda a, v: np.searchsorted(np.sort(a), v), (X(6), X(4))),
    "np.digitize": (lambda x, b: np.digitize(x, np.sort(b)), (X(6), X(4))),
    "np.linalg.matrix_rank": (None, (X(3, 3),)),
    "len": (lambda a, b: len([a, b]), (F(), F())),
    "isinstance": (lambda x: isinstance(x, float), (F(),)),
    "operator.contains": (lambda a, b: operator.contains([a, b], a), (F(), F())),
    "np.random.binomial": (reseeded(np.random.binomial), (10, F(0.1, 0.9))),
    "np.random.poisson": (reseeded(np.random.poisson), (F(0.5, 4.0), 5)),
    "np.random.Generator.binomial": (generator_method("binomial"), (10, F(0.1, 0.9), 5)),
    "np.random.Generator.poisson": (generator_method("poisson"), (F(0.5, 4.0), 5)),
    # forward-mode code's zero tangents (constant whatever their argument)
    "ad_compiler.rules.tangents.tangent_zero": (None, (X(5),)),
    "ad_compiler.rules.tangents.fresh_tangent_zero": (None, (X(5),)),
})

EXCLUDED = {
    "AssertionError": "builds the exception of an `assert`: no number",
    "ad_compiler.ir.ops.format_string": "f-string: returns a str",
    "ad_compiler.ir.ops.raise_": "raises: no result",
    "ad_compiler.rules.custom.stop_gradient": "the identity, declared constant on purpose",
    "ad_compiler.rules.containers.dict_keys": "d.keys(): a dict's keys, not numbers",
    "ad_compiler.ir.views.check_inplace": "a dtype/shape check of an in-place update: no result",
    "ad_compiler.ir.views.is_view": "returns a bool (does a step make a view?)",
    "ad_compiler.ir.views.refuse_inplace": "raises MutationError for an array: no result",
    "ad_compiler.ir.views.write_back": "copies the final contents into the caller's array: no result",
    "ad_compiler.runtime.shape_proxy": "generated code's stand-in for a shape: no numbers",
    "ad_compiler.runtime.zero_like": "generated code's zero cotangent: constant",
    "ad_compiler.runtime.last_writes": "a boolean mask of the writes NumPy keeps",
    "ad_compiler.runtime.reduced_count": "an element count (or per-output counts of a where= mask)",
    "np.result_type": "returns a dtype", "np.can_cast": "dtype arguments",
    "np.iinfo": "dtype argument", "np.finfo": "dtype argument", "np.dtype": "returns a dtype",
    "np.broadcast_shapes": "shape (integer) arguments",
    "np.empty": "integer shape; values uninitialised", "np.zeros": "integer shape",
    "np.ones": "integer shape", "np.eye": "integer sizes", "np.identity": "integer size",
    "np.tri": "integer sizes", "np.indices": "integer shape",
    "np.diag_indices": "integer size", "np.tril_indices": "integer size",
    "np.triu_indices": "integer size",
    "np.empty_like": "values uninitialised (whatever memory holds): only a's shape is used",
    "np.unravel_index": "integer arguments", "np.ravel_multi_index": "integer arguments",
    "np.gcd": "integer inputs only", "np.lcm": "integer inputs only",
    "np.bitwise_and": "integer inputs only", "np.bitwise_or": "integer inputs only",
    "np.bitwise_xor": "integer inputs only", "np.invert": "integer inputs only",
    "np.left_shift": "integer inputs only", "np.right_shift": "integer inputs only",
    "operator.and_": "integer/bool inputs only", "operator.or_": "integer/bool inputs only",
    "operator.xor": "integer/bool inputs only", "operator.invert": "integer inputs only",
    "range": "integer arguments",
    "np.random.rand": "sizes only", "np.random.randn": "sizes only",
    "np.random.random": "size only", "np.random.random_sample": "size only",
    "np.random.randint": "integer bounds", "np.random.standard_normal": "size only",
    "np.random.shuffle": "shuffles in place, returns None",
    "np.random.seed": "seed only", "np.random.standard_cauchy": "size only",
    "np.random.standard_exponential": "size only", "np.random.default_rng": "seed only",
    "np.random.Generator.random": "size only", "np.random.Generator.standard_normal": "size only",
    "np.random.Generator.integers": "integer bounds",
    "np.random.Generator.shuffle": "shuffles in place, returns None",
    "np.random.Generator.standard_exponential": "size only",
    "np.random.Generator.spawn": "returns generators",
}


def _by_name():
    return {r.name: r.primal for r in rules.all_rules() if r.nondiff}


def _numeric(out):
    if isinstance(out, (tuple, list)):
        parts = [_numeric(o) for o in out]
        return np.concatenate(parts) if parts else np.zeros(0)
    return np.asarray(out, dtype=np.float64).ravel()


def test_every_nondifferentiable_entry_is_audited():
    names = set(_by_name())
    unaudited = sorted(names - set(PROBES) - set(EXCLUDED))
    assert not unaudited, f"non-differentiable entries neither probed nor excluded: {unaudited}"
    stale = sorted((set(PROBES) | set(EXCLUDED)) - names)
    assert not stale, f"audited names no longer non-differentiable: {stale}"


@pytest.mark.parametrize("name", sorted(PROBES))
def test_nondifferentiable_entry_has_zero_derivative(name):
    fn, gens = PROBES[name]
    fn = fn or _by_name()[name]
    for seed in range(3):
        rng = np.random.default_rng(seed)
        args = [g(rng) if callable(g) and isinstance(g, Arr) else g for g in gens]
        for k, a in enumerate(args):
            if not isinstance(a, (float, np.ndarray)):
                continue
            v = rng.normal(size=np.shape(a))
            move = (lambda s: a + s * EPS * v) if isinstance(a, np.ndarray) else \
                (lambda s: a + s * EPS * float(v))
            with np.errstate(all="ignore"):
                plus = _numeric(fn(*args[:k], move(1.0), *args[k + 1:]))
                minus = _numeric(fn(*args[:k], move(-1.0), *args[k + 1:]))
            assert plus.shape == minus.shape and np.array_equal(plus, minus, equal_nan=True), \
                f"{name}: argument {k} changes the result at a random point (seed {seed})"


def test_stop_gradient_and_structural_entries_are_what_they_say():
    x = np.arange(3.0)
    assert stop_gradient(x) is x
    assert ops.format_string("{}", 1.5) == "1.5"
    assert math.isnan(float("nan"))
