"""ad_compiler: source-to-source automatic differentiation for Python and NumPy.

    import ad_compiler as adc

    @adc.grad
    def f(x):
        return np.sum(np.tanh(x) ** 2)

Pipeline (pipeline.py names its passes): frontend.parse → ir.build (SSA) →
transforms (simplify, activity, reverse, ...) → backend.emit (Python source) →
backend lowering (Numba, CUDA); compiled.py describes what comes out.
"""
from . import rules  # noqa: F401  (registers the rule table)
from .api import GradFunction, grad, value_and_grad
from .check import GradientCheckError, check_grads
from .elementwise import elementwise_grad  # backend="python" | "numba" | "cuda"
from . import nested  # noqa: F401  (grad of a gradient: registers itself with api.grad)
from .higher import hessian, hvp, jacobian, jacrev, vjp
from .forward_api import jacfwd, jvp, linearize
from . import forward_over  # noqa: F401  (forward mode over a gradient: registers itself)
from . import callee_rules  # noqa: F401  (rules of a compiled gradient called in a graph)
from .errors import (ADError, BackendError, MutationError, NonScalarOutputError, NoRuleError,
                     NotDifferentiableError, SeedShapeError, SourceUnavailableError,
                     UnsupportedSyntaxError, WrtError)
from .rules.custom import custom_jvp, custom_vjp, stop_gradient
from .rules.registry import defjvp, defvjp, nondifferentiable

__version__ = "0.1.0"
__all__ = ["grad", "value_and_grad", "check_grads", "elementwise_grad", "GradFunction", "defvjp",
           "vjp", "jacrev", "jacobian", "hessian", "hvp",
           "nondifferentiable",
           "custom_vjp", "stop_gradient", "jvp", "jacfwd", "linearize", "defjvp", "custom_jvp",
           "ADError", "BackendError", "MutationError", "NonScalarOutputError", "NoRuleError",
           "NotDifferentiableError", "SeedShapeError", "SourceUnavailableError",
           "UnsupportedSyntaxError", "WrtError", "GradientCheckError"]
