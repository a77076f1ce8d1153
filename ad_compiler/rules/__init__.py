"""The derivative rule table (see ``registry``); importing this package
registers every rule module."""
from . import arithmetic, numpy_core  # noqa: F401  (registration side effects)
from .registry import Rule, all_rules, defvjp, lookup, nondifferentiable

__all__ = ["Rule", "all_rules", "defvjp", "lookup", "nondifferentiable"]
