"""What a differentiated function may return, and what a seed may be.

Example::

    def f(x): return "done"          # grad(f)(1.0) raises NotDifferentiableError:
                                     # "the output is a str, not a float ..."
    grad(g)(x, seed=1j)              # raises: complex seeds are not supported

The output must be a real number or an array of real numbers: a float, or
an int (piecewise constant in the inputs: its gradient is zero).  A bool, a
string, None, a complex number or any other object is an error, never a
gradient of 0.  ``check_output`` is the one place that decides; containers
(pytrees) extend it.
"""
from __future__ import annotations

import numbers

import numpy as np

from .errors import NotDifferentiableError
from .pytree import tree_paths

__all__ = ["check_output", "check_seed"]


def _describe(x):
    if isinstance(x, np.ndarray):
        return f"an array of dtype {x.dtype}"
    if x is None:
        return "None (does every path return a value?)"
    return f"a {type(x).__name__}" + (f" ({x!r})" if isinstance(x, (str, bool, np.bool_))
                                      and len(repr(x)) < 40 else "")


def _problem(x):
    """Why ``x`` cannot be a differentiated output (or seed), or None.  A
    container (pytree) is checked leaf by leaf."""
    if isinstance(x, (tuple, list, dict)):
        for path, leaf in tree_paths(x):
            why = _problem(leaf)
            if why is not None:
                return f"at {path}: {why}"
        return None
    if isinstance(x, np.ndarray):
        kind = x.dtype.kind
        if kind in "fiu":
            return None
        if kind == "c":
            return "complex numbers are not supported"
        return f"it is {_describe(x)}, not an array of floats"
    if isinstance(x, (bool, np.bool_)):
        return f"it is {_describe(x)} (a comparison?), not a number"
    if isinstance(x, (complex, np.complexfloating)):
        return "complex numbers are not supported"
    if isinstance(x, (numbers.Real, np.floating, np.integer)):
        return None
    return f"it is {_describe(x)}, not a float or an array of floats"


def check_output(out, fn_name=None, filename=None, lineno=None):
    """Raise ``NotDifferentiableError`` unless ``out`` can be differentiated."""
    why = _problem(out)
    if why is not None:
        raise NotDifferentiableError(f"cannot differentiate the output: {why}",
                                     fn_name=fn_name, filename=filename, lineno=lineno)


def check_seed(seed, fn_name=None, filename=None, lineno=None):
    """Raise ``NotDifferentiableError`` unless ``seed`` is a real cotangent."""
    why = _problem(seed)
    if why is not None:
        raise NotDifferentiableError(f"invalid seed: {why}",
                                     fn_name=fn_name, filename=filename, lineno=lineno)
