"""NumPy callables whose result carries no gradient: shape and dtype queries,
constructors, integer-valued and piecewise-constant functions, comparisons,
logic, index-producing functions, integer casts and random draws.

Example: ``k = np.argmax(x)`` or ``m = x > 0`` or ``e = np.random.normal(size=3)``:
    lookup(np.argmax).nondiff -> True
the compiler treats the result as a constant (zero gradient, no error).
Piecewise-constant functions (floor, round, sign, ...) have derivative 0
almost everywhere, which is what "non-differentiable" means here.
"""
import numpy as np

from ..ir.nodes import Method
from .registry import declare, defvjp, like, nondifferentiable

QUERIES = [np.shape, np.ndim, np.size, np.result_type, np.can_cast, np.iinfo, np.finfo,
           np.isscalar, np.iscomplexobj, np.isrealobj, np.broadcast_shapes, np.dtype,
           np.ndarray.nonzero, np.ndarray.argmax, np.ndarray.argmin, np.ndarray.argsort,
           np.ndarray.all, np.ndarray.any, np.linalg.matrix_rank]
CONSTRUCTORS = [np.zeros, np.ones, np.empty, np.zeros_like, np.ones_like, np.empty_like,
                np.eye, np.identity, np.tri, np.indices, np.diag_indices, np.tril_indices,
                np.triu_indices]
INTEGER_VALUED = [np.sign, np.floor, np.ceil, np.round, np.around, np.rint, np.trunc, np.fix,
                  np.floor_divide, np.signbit, np.spacing,
                  np.gcd, np.lcm, np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.invert,
                  np.left_shift, np.right_shift, np.ndarray.round]
COMPARISONS = [np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
               np.logical_and, np.logical_or, np.logical_xor, np.logical_not, np.isnan,
               np.isinf, np.isfinite, np.isposinf, np.isneginf, np.isclose, np.allclose,
               np.array_equal, np.array_equiv, np.all, np.any, np.count_nonzero,
               np.iscomplex, np.isreal]
INDICES = [np.argmax, np.argmin, np.argsort, np.argwhere, np.nonzero, np.flatnonzero,
           np.nanargmax, np.nanargmin, np.searchsorted, np.digitize, np.lexsort, np.argpartition, np.unravel_index, np.ravel_multi_index]
INTEGER_CASTS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
                 np.uint64, np.bool_, np.intp]
_RANDOM_FUNCTIONS = ["rand", "randn", "random", "random_sample", "randint", "standard_normal",
                     "shuffle", "seed", "binomial", "poisson", "standard_cauchy",
                     "standard_exponential", "default_rng"]
_GENERATOR_METHODS = ["random", "standard_normal", "integers", "shuffle", "binomial", "poisson",
                      "standard_exponential", "spawn"]
RANDOM = ([getattr(np.random, n) for n in _RANDOM_FUNCTIONS]
          + [getattr(np.random.Generator, n) for n in _GENERATOR_METHODS])
# Draws whose values move with a float argument (loc, scale, bounds, the array
# chosen from or permuted): with the generator's state fixed their derivative
# is not 0, and it is not the derivative users mean either.  No rule: a
# differentiable argument is a NoRuleError (reparametrize:
# loc + scale * rng.standard_normal(), a[rng.permutation(len(a))]), never a
# silent zero.
_PARAMETRIZED = ["normal", "uniform", "beta", "exponential", "gamma", "lognormal", "laplace",
                 "multivariate_normal", "standard_t", "choice", "permutation"]
PARAMETRIZED_DRAWS = ([getattr(np.random, n) for n in _PARAMETRIZED]
                      + [getattr(np.random.Generator, n) for n in _PARAMETRIZED + ["permuted"]])

nondifferentiable(*QUERIES, doc="shape / dtype query")
nondifferentiable(*CONSTRUCTORS, doc="constructor: a constant")
nondifferentiable(*INTEGER_VALUED, doc="piecewise constant or integer valued: derivative 0 a.e.")
nondifferentiable(*COMPARISONS, doc="boolean result")
nondifferentiable(*INDICES, doc="integer (index) result")
nondifferentiable(*INTEGER_CASTS, doc="integer cast: zero gradient")
nondifferentiable(*RANDOM, doc="random draw: a constant (reparametrize: mu + sigma * draw)")
for _fn in PARAMETRIZED_DRAWS:
    defvjp(_fn, None, doc="random draw: no gradient to its parameters (an error if one is "
                          "differentiated; reparametrize: loc + scale * rng.standard_normal())")
defvjp(np.ix_, None, multiple_results=True,
       doc="index builder: a differentiable (float) argument is an error")

# what the passes know of these (registry.PROPERTIES)
declare(np.shape, rank="shape")
declare(np.ndim, np.size, rank="scalar")
# (arrays, also when of rank 0: np.zeros(()), np.zeros_like(2.0))
declare(np.zeros, np.ones, np.empty, rank="sized", zero_d=True)
declare(np.zeros_like, np.ones_like, np.empty_like, rank=like(0, shape_at=4), zero_d=True)
# a new array per call, which the function may then change in place: never shared (CSE)
declare(np.zeros, np.ones, np.empty, np.zeros_like, np.ones_like, np.empty_like, np.eye,
        np.identity, pure=False)
# functions and array methods that change an argument in place: not modelled, refused
declare(np.copyto, np.put, np.place, np.putmask, np.fill_diagonal, np.random.shuffle,
        np.put_along_axis, mutates=True)
declare(*(Method(name) for name in ("fill", "sort", "resize", "itemset", "put", "partition",
                                    "setfield", "byteswap")), mutates=True)
