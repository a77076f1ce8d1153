"""The derivative rule table (see ``registry``); importing this package
registers every rule module.  ``python -m ad_compiler.rules.reference``
prints the generated list of supported callables (docs/RULES.md)."""
from . import (arithmetic, custom, numpy_core, numpy_indexing, numpy_linalg,  # noqa: F401
               numpy_nondiff, numpy_products, numpy_reductions, numpy_shapes, numpy_ufuncs,
               structural, views)
from .custom import custom_vjp, stop_gradient
from .registry import Rule, all_rules, defvjp, lookup, nondifferentiable

__all__ = ["Rule", "all_rules", "defvjp", "lookup", "nondifferentiable", "custom_vjp",
           "stop_gradient"]
