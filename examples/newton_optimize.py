"""Newton-type optimisation with derivatives from ad_compiler.

``scipy.optimize.minimize`` takes the gradient (``jac=``) and either the
Hessian (``hess=``, method "trust-exact") or Hessian-vector products
(``hessp=``, method "Newton-CG").  All three come from compiled code:
``grad(f)``, ``hessian(f)`` (one compiled second derivative, called once
per coordinate) and ``hvp(f)`` (one call of ``grad(grad(f))`` with
``seed=v``: no Hessian formed).

Run: python examples/newton_optimize.py   (needs scipy)
"""
import numpy as np

import ad_compiler as adc


def rosenbrock(x):
    """The n-dimensional Rosenbrock function, with a loop."""
    s = 0.0
    for i in range(len(x) - 1):
        s = s + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def main():
    from scipy.optimize import minimize

    x0 = np.array([1.3, 0.7, 0.8, 1.9, 1.2])      # scipy tutorial start
    jac = adc.grad(rosenbrock)
    hess = adc.hessian(rosenbrock)
    hvp = adc.hvp(rosenbrock)

    exact = minimize(rosenbrock, x0, method="trust-exact", jac=jac, hess=hess)
    cg = minimize(rosenbrock, x0, method="Newton-CG", jac=jac, hessp=hvp, options={"xtol": 1e-10})
    for name, res in (("trust-exact (jac, hess)", exact), ("Newton-CG (jac, hessp)", cg)):
        print(f"{name:26s} f = {res.fun:.3e} after {res.nit} iterations: x = {np.round(res.x, 6)}")
        assert res.fun < 1e-8, res
    # the Hessian at the optimum: symmetric, and hvp agrees with it
    H = hess(np.ones(5))
    v = np.arange(5.0)
    assert np.allclose(H, H.T) and np.allclose(hvp(np.ones(5), v), H @ v)
    print("Hessian at the optimum (diagonal):", np.diag(H))


if __name__ == "__main__":
    main()
