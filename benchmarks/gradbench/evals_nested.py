"""particle, saddle and kmeans' Newton direction: evals that need nested AD.

Each differentiates a function that itself calls a derivative:

    dpot = adc.grad(potential, wrt=(0, 1))     # inner: the force field
    def naive_euler(w): ... dpot(x0, x1, w) ...  # a while loop of Euler steps
    adc.grad(naive_euler)(w)                   # outer: through the inner grad

and kmeans' ``dir`` needs the (diagonal) Hessian, ``adc.grad`` of
``adc.grad``.  The code is written against the public contract in DESIGN.md
(``adc.grad`` nesting, ``adc.jvp`` for the forward-mode variants); where this
build of ad_compiler cannot do that yet, ``nested_support()`` says so with
the compiler's own message and the tool reports that error instead of a
value.  Every primal here runs today (the inner derivatives are first order).
"""
from __future__ import annotations

import math
import re

import numpy as np

import ad_compiler as adc


# --- derivatives in either mode ----------------------------------------------
def derivative(f, wrt, mode):
    """d f / d args[wrt] by reverse ("r": adc.grad) or forward ("f": adc.jvp) mode.

    wrt is a tuple of one or two argument positions; the result is a function
    returning a tuple of partial derivatives (f scalar-valued, the wrt
    arguments floats).  In forward mode each partial is the jvp function
    ``adc.jvp(f, wrt=i)``, called with the tangent 1.0.
    """
    if mode == "r":
        return adc.grad(f, wrt=wrt)
    d0, d1 = adc.jvp(f, wrt=wrt[0]), adc.jvp(f, wrt=wrt[-1])
    two = len(wrt) == 2
    n = f.__code__.co_argcount          # (the compiler takes no *args in calls: one per arity)
    if n == 1:
        def forward(a):
            return (d0(a, 1.0), d1(a, 1.0)) if two else (d0(a, 1.0),)
    elif n == 3:
        def forward(a, b, c):
            return (d0(a, b, c, 1.0), d1(a, b, c, 1.0)) if two else (d0(a, b, c, 1.0),)
    elif n == 4:
        def forward(a, b, c, e):
            return (d0(a, b, c, e, 1.0), d1(a, b, c, e, 1.0)) if two else (d0(a, b, c, e, 1.0),)
    else:
        raise NotImplementedError(f"forward-mode derivative of a function of {n} arguments")
    return forward


def argmin(f, df, x):
    """Gradient descent of Pearlmutter and Siskind's benchmarks (adaptive step).

    Doubles the step after ten improving steps, halves it after a failed
    one, and stops when the gradient or the step is below 1e-5.
    """
    fx, gx = f(x), df(x)
    eta, i = 1e-5, 0
    while np.sqrt(np.sum(gx * gx)) > 1e-5:
        if i == 10:
            eta, i = 2.0 * eta, 0
            continue
        x2 = x - eta * gx
        if np.sqrt(np.sum((x - x2) ** 2)) <= 1e-5:
            break
        fx2 = f(x2)
        if fx2 < fx:
            x, fx, gx, i = x2, fx2, df(x2), i + 1
        else:
            eta, i = 0.5 * eta, 0
    return x


# --- particle ------------------------------------------------------------------
def potential(x0, x1, w):
    return (1.0 / math.sqrt((x0 - 10.0) ** 2 + (x1 - 10.0 + w) ** 2)
            + 1.0 / math.sqrt((x0 - 10.0) ** 2 + x1 ** 2))


def make_naive_euler(inner_mode):
    dpot = derivative(potential, (0, 1), inner_mode)

    def naive_euler(w):
        x0, x1 = 0.0, 8.0
        v0, v1 = 0.75, 0.0
        dt = 0.1
        while True:
            f0, f1 = dpot(x0, x1, w)           # the force is minus the gradient
            n0 = x0 + dt * v0
            n1 = x1 + dt * v1
            if n1 <= 0.0:
                break
            x0, x1 = n0, n1
            v0 = v0 - dt * f0
            v1 = v1 - dt * f1
        dt_f = -x1 / v1
        return (x0 + dt_f * v0) ** 2
    return naive_euler


def particle(w0, variant):
    """variant "rr", "rf", "fr", "ff": outer (argmin) mode, inner (Euler) mode."""
    objective = make_naive_euler(variant[1])
    d = derivative(objective, (0,), variant[0])
    w = argmin(lambda v: objective(float(v[0])),
               lambda v: np.array(d(float(v[0]))), np.array([w0]))
    return float(w[0])


# --- saddle ----------------------------------------------------------------------
def saddle_f(x1, x2, y1, y2):
    # The spec's formula repeats y_1; read as Pearlmutter and Siskind's
    # saddle, convex in the outer point x and concave in the inner point y,
    # so both optimisations are bounded (the saddle point is the origin).
    return (x1 * x1 + x2 * x2) - (y1 * y1 + y2 * y2)


def make_saddle_max(inner_mode):
    dfy = derivative(saddle_f, (2, 3), inner_mode)

    def max_over_y(x1, x2, s1, s2):
        # gradient ascent from (s1, s2), the argmin loop above on -f, written
        # out so that the outer derivative can run through it
        y1, y2 = s1, s2
        g1, g2 = dfy(x1, x2, y1, y2)
        fy = -saddle_f(x1, x2, y1, y2)
        eta, i = 1e-5, 0
        while math.sqrt(g1 * g1 + g2 * g2) > 1e-5:
            if i == 10:
                eta, i = 2.0 * eta, 0
                continue
            n1, n2 = y1 + eta * g1, y2 + eta * g2
            if math.sqrt((n1 - y1) ** 2 + (n2 - y2) ** 2) <= 1e-5:
                break
            fn = -saddle_f(x1, x2, n1, n2)
            if fn < fy:
                y1, y2, fy, i = n1, n2, fn, i + 1
                g1, g2 = dfy(x1, x2, y1, y2)
            else:
                eta, i = 0.5 * eta, 0
        return saddle_f(x1, x2, y1, y2)
    return max_over_y, dfy


def saddle(start, variant):
    s1, s2 = float(start[0]), float(start[1])
    max_over_y, dfy = make_saddle_max(variant[1])
    douter = derivative(max_over_y, (0, 1), variant[0])
    x = argmin(lambda v: max_over_y(v[0], v[1], s1, s2),
               lambda v: np.array(douter(float(v[0]), float(v[1]), s1, s2)), np.array([s1, s2]))
    # step 2: the argmax at the optimal x, in the outer mode
    dfy_outer = derivative(saddle_f, (2, 3), variant[0])
    y = argmin(lambda v: -saddle_f(x[0], x[1], v[0], v[1]),
               lambda v: -np.array(dfy_outer(float(x[0]), float(x[1]), float(v[0]), float(v[1]))),
               np.array([s1, s2]))
    return [float(x[0]), float(x[1]), float(y[0]), float(y[1])]


# --- kmeans' Newton direction ----------------------------------------------------
def kmeans_dir(C, P):
    """J / H: the cost gradient over its (diagonal) Hessian, H @ 1 by nested grad."""
    from evals_models import kmeans_cost
    J = adc.grad(kmeans_cost)(C, P)
    H = adc.grad(adc.grad(kmeans_cost))(C, P, seed=np.ones_like(C))
    return J / H


# --- what this build supports ----------------------------------------------------
def nested_support(eval_name, variant="rr"):
    """None when the eval runs with this ad_compiler, else the reason it cannot."""
    try:
        if eval_name == "kmeans":
            P = np.array([[0.0, 0.0], [1.0, 1.0], [0.9, 1.0]])
            kmeans_dir(P[1:].copy() + 0.01, P)
        elif eval_name == "particle":
            d = derivative(make_naive_euler(variant[1]), (0,), variant[0])
            d(0.0)
        elif eval_name == "saddle":
            max_over_y, _ = make_saddle_max(variant[1])
            derivative(max_over_y, (0, 1), variant[0])(1.0, 1.0, 1.0, 1.0)
    except (adc.ADError, AttributeError, NotImplementedError, TypeError) as e:
        first = str(e).splitlines()[0] if str(e) else ""
        first = re.sub(r"^\w+ \([^)]*\): ", "", first)      # drop the "fn (file:line): " prefix
        return f"needs nested/forward-mode AD, which this ad_compiler lacks ({type(e).__name__}: {first})"
    return None
