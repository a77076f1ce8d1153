"""ad_compiler: source-to-source automatic differentiation for Python and NumPy.

    import ad_compiler as adc

    @adc.grad
    def f(x):
        return np.sum(np.tanh(x) ** 2)

Pipeline: frontend.parse → ir.build (SSA) → transforms (simplify, activity,
reverse) → backend.emit (Python source) → backend lowering (Numba, CUDA).
"""
from . import rules  # noqa: F401  (registers the rule table)
from .api import GradFunction, check_grads, grad, value_and_grad
from .backend.elementwise import elementwise_grad  # backend="python" | "numba" | "cuda"
from .check import GradientCheckError
from .forward_api import jacfwd, jvp, linearize
from .errors import (ADError, BackendError, MutationError, NonScalarOutputError, NoRuleError,
                     NotDifferentiableError, SeedShapeError, SourceUnavailableError,
                     UnsupportedSyntaxError, WrtError)
from .rules.custom import custom_jvp, custom_vjp, stop_gradient
from .rules.registry import defjvp, defvjp, nondifferentiable

__version__ = "0.1.0"
__all__ = ["grad", "value_and_grad", "check_grads", "elementwise_grad", "GradFunction", "defvjp",
           "nondifferentiable",
           "custom_vjp", "stop_gradient", "jvp", "jacfwd", "linearize", "defjvp", "custom_jvp",
           "ADError", "BackendError", "MutationError", "NonScalarOutputError", "NoRuleError",
           "NotDifferentiableError", "SeedShapeError", "SourceUnavailableError",
           "UnsupportedSyntaxError", "WrtError", "GradientCheckError"]
