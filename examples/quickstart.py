"""ad_compiler in one page: a function, its compiled gradient, the source
the compiler generated for it, and a finite-difference check.

Run with ``make demo`` (or ``python examples/quickstart.py``).
"""
import inspect
import math

import numpy as np

import ad_compiler as adc


def loss(w, x, y):
    """Squared error of a tiny model with a branch and a loop."""
    h = np.tanh(x @ w)
    err = h - y
    total = 0.0
    for i in range(len(err)):
        if err[i] > 0:
            total = total + err[i] ** 2
        else:
            total = total + 0.5 * abs(err[i])
    return total / len(err) + 0.01 * math.sqrt(np.sum(w * w))


def main():
    rng = np.random.default_rng(0)
    w = rng.standard_normal(3)
    x = rng.standard_normal((5, 3))
    y = rng.standard_normal(5)

    print("The function:\n")
    print(inspect.getsource(loss))

    dloss = adc.grad(loss)               # d loss / d w
    g = dloss(w, x, y)

    print("Its SSA graph (g.ir):\n")
    print(dloss.ir)
    print("\nThe generated gradient (g.source):\n")
    print(dloss.source)
    print("Gradient at w =", np.round(w, 4), ":\n  ", g)

    eps = 1e-6
    fd = np.array([(loss(w + eps * e, x, y) - loss(w - eps * e, x, y)) / (2 * eps)
                   for e in np.eye(3)])
    print("Finite differences:\n  ", fd)
    print("max |difference| =", float(np.max(np.abs(g - fd))))
    adc.check_grads(loss, w, x, y)       # raises GradientCheckError on mismatch
    print("check_grads: OK")


if __name__ == "__main__":
    main()
