"""The derivative rule table (see ``registry``); importing this package
registers every rule module.  ``python -m ad_compiler.rules.render_reference``
prints the generated list of supported callables (docs/RULES.md)."""
from . import (arithmetic, compiler_helpers, containers, custom, numpy_constructors,  # noqa: F401
               numpy_operator_aliases, numpy_counting, numpy_decompositions, numpy_differences, numpy_einsum,
               numpy_index_tricks, numpy_indexing, numpy_legacy, numpy_linalg, numpy_nondiff,
               numpy_selection, numpy_products, numpy_reductions, numpy_shapes, numpy_splits,
               numpy_ufuncs, structural, views)
from . import runtime_helpers  # noqa: F401,E402  (rules of the helpers generated code calls)
from . import helpers_forward  # noqa: F401  (forward rules of the runtime helpers)
from . import tangents_reverse  # noqa: F401  (reverse rules of the tangent helpers)
from . import number_kinds  # noqa: F401  (what kind of number each primitive returns)
from .custom import custom_vjp, stop_gradient
from .registry import Rule, all_rules, declare, defvjp, lookup, nondifferentiable, props

__all__ = ["Rule", "all_rules", "declare", "defvjp", "lookup", "nondifferentiable", "props",
           "custom_vjp", "stop_gradient"]
