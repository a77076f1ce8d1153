"""From a GradBench ``evaluate`` message to a prepared ad_compiler computation.

``prepare(module, function, input, backend)`` parses the JSON input into
NumPy arrays and compiles what the function needs, outside any timing, and
returns a zero-argument callable that does the measured work and returns the
output (NumPy values; ``to_json`` makes them JSON).  For example:

    run = prepare("lse", "gradient", {"x": [1.0, 2.0]})
    to_json(run())          # -> [0.2689..., 0.7310...]

``arrays(module, input)`` gives the NumPy arguments the peers in run.py use.
"""
from __future__ import annotations

import numpy as np

import evals_arrays as A
import evals_geometry as G
import evals_models as M
import evals_nested as N
import inputs as I


class Unsupported(Exception):
    """The function cannot run with this ad_compiler; the message says why."""


def _f(a):
    return np.asarray(a, dtype=float)


def arrays(module, inp):
    """The NumPy arguments of module's differentiated function."""
    if module == "lse":
        return (_f(inp["x"]),)
    if module == "llsq":
        s, T = A.llsq_basis(int(inp["n"]), len(inp["x"]))
        return _f(inp["x"]), s, T
    if module == "det":
        ell = int(inp["ell"])
        return (_f(inp["A"]).reshape(ell, ell),) + A.permutations(ell)
    if module == "ode":
        return _f(inp["x"]), int(inp["s"])
    if module == "gmm":
        d, k, n = int(inp["d"]), int(inp["k"]), int(inp["n"])
        if "icf" in inp:                      # ADBench's layout: icf = [q | l]
            icf = _f(inp["icf"])
            q, l = icf[:, :d], icf[:, d:]
        else:
            q, l = _f(inp["q"]), _f(inp["l"]).reshape(k, d * (d - 1) // 2)
        mu = _f(inp["mu"] if "mu" in inp else inp["means"])
        gamma, m = float(inp["gamma"]), int(inp["m"])
        return (_f(inp["alpha"]), mu, q, l, _f(inp["x"]), M.tri_gather(d), gamma, m,
                M.gmm_constant(n, d, k, gamma, m))
    if module == "kmeans":
        return _f(inp["centroids"]), _f(inp["points"])
    if module == "lstm":
        return tuple(_f(inp[k]) for k in ("main_params", "extra_params", "state", "sequence"))
    if module == "ba":
        return I.ba_arrays(inp)
    if module == "ht":
        return I.ht_arrays(inp)
    raise Unsupported(f"unknown module {module!r}")


def gradient_of(module, backend):
    """The compiled adc.grad of a scalar-output eval (lse, llsq, det, ode, gmm, kmeans, lstm)."""
    grads = {**A.GRADIENTS, **M.GRADIENTS}
    return grads[module](backend)


def prepare(module, function, inp, backend="python"):
    if module == "particle":
        variant = function
        why = N.nested_support("particle", variant)
        if why:
            raise Unsupported(why)
        return lambda: N.particle(float(inp["w"]), variant)
    if module == "saddle":
        variant = function
        why = N.nested_support("saddle", variant)
        if why:
            raise Unsupported(why)
        return lambda: N.saddle(inp["start"], variant)
    args = arrays(module, inp)
    primal_names = {"primal", "objective", "cost"}
    if function in primal_names:
        primal = {"lse": A.lse, "llsq": A.llsq, "det": A.det, "ode": A.ode, "gmm": M.gmm_objective,
                  "kmeans": M.kmeans_cost, "lstm": M.lstm_objective, "ba": G.ba_objective,
                  "ht": G.ht_residuals}[module]
        return lambda: primal(*args)
    if module == "ba" and function == "jacobian":
        return lambda: G.ba_jacobian(*args, backend=backend)
    if module == "ht" and function == "jacobian":
        return lambda: G.ht_jacobian(*args, backend=backend)
    if module == "kmeans" and function == "dir":
        why = N.nested_support("kmeans")
        if why:
            raise Unsupported(why)
        return lambda: N.kmeans_dir(*args)
    if function in ("gradient", "jacobian"):
        g = gradient_of(module, backend)
        if module == "gmm" and "icf" in inp:
            def run():
                da, dmu, dq, dl = g(*args)
                return np.concatenate((da, np.ravel(dmu), np.ravel(np.concatenate((dq, dl), axis=1))))
            return run
        if module == "gmm":
            return lambda: dict(zip(("alpha", "mu", "q", "l"), g(*args)))
        if module == "lstm":
            return lambda: np.concatenate([np.ravel(a) for a in g(*args)])
        if module == "det":
            return lambda: np.ravel(g(*args))
        return lambda: g(*args)
    raise Unsupported(f"module {module!r} has no function {function!r}")


def to_json(value):
    """NumPy values (possibly nested in tuples, lists, dicts) as JSON values."""
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value
