"""A small dynamic-tape autograd engine with PyTorch's semantics, sharing
the compiler's rule table (``ad_compiler.rules``): one derivative per primitive.

Example::

    from ad_compiler import tape
    x = tape.tensor(2.0, requires_grad=True)
    y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1    # tensor(63., grad_fn=<AddBackward0>)
    y.backward(); x.grad                    # tensor(93.)

Modules: ``tensors`` (Tensor and ``record``, the one place calls are taped),
``function`` (grad_fn nodes), ``engine`` (the backward sweep), ``autograd``
(``backward`` and ``grad`` functions), ``ops`` (PyTorch-named operations),
``creation`` (constructors), ``grad_mode`` (no_grad), ``optim`` (SGD),
``viz`` (DOT pictures).
"""
import numpy as np

from . import optim
from .creation import (arange, eye, from_numpy, full, full_like, manual_seed, ones, ones_like,
                       rand, randn, tensor, zeros, zeros_like)
from .autograd import backward, grad, grad_of
from .function import AccumulateGrad, Node
from . import higher_order  # noqa: F401  (create_graph: registers with function.py)
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .ops import (abs, clamp, clone, cos, dot, exp, flatten, log, matmul, max, maximum, mean,
                  min, minimum, mm, neg, permute, pow, prod, relu, reshape, sigmoid, sin,
                  softmax, sqrt, square, squeeze, sum, t, tan, tanh, transpose, unsqueeze,
                  view, where)
from .tensors import Tensor, as_tensor, record
from .viz import draw, make_dot, render

float32, float64, int64, bool_ = np.float32, np.float64, np.int64, np.bool_

__all__ = ["Tensor", "tensor", "as_tensor", "from_numpy", "ones", "zeros", "full", "rand",
           "randn", "ones_like", "zeros_like", "full_like", "arange", "eye", "manual_seed",
           "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "backward", "grad",
           "grad_of",
           "record", "Node", "AccumulateGrad", "optim", "draw", "make_dot", "render",
           "abs", "clamp", "clone", "cos", "dot", "exp", "flatten", "log", "matmul", "max",
           "maximum", "mean", "min", "minimum", "mm", "neg", "permute", "pow", "prod", "relu",
           "reshape", "sigmoid", "sin", "softmax", "sqrt", "square", "squeeze", "sum", "t",
           "tan", "tanh", "transpose", "unsqueeze", "view", "where",
           "float32", "float64", "int64", "bool_"]
