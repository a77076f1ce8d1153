"""Forward mode and higher order (run by hand: ``python benchmarks/bench_higher.py``).

Ratios measured in one process (OMP_NUM_THREADS=1, medians of a few
interleaved repeats; the machine may be shared):

* jvp of the scalar recurrence (n = 10**5) / its primal: python (target
  <= 2.5) and numba, against the njit-compiled primal (target <= 2);
* Hessian-vector product of the MLP loss (wrt W1, forward over reverse) /
  its gradient (target <= 2.5);
* dense Hessian of ``sum(sin(x) * x**2) + x @ A @ x``, n = 100 / one
  gradient call, with jax.hessian and torch.func.hessian (if installed;
  each against its own gradient, and the absolute times);
* Jacobian of a 50 -> 50 ODE right-hand side (Lorenz '96) / one primal
  call, jacfwd and jacrev, with jax.jacfwd and torch.func.jacfwd likewise.
"""
from __future__ import annotations

import math
import os
import statistics
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))

import numpy as np  # noqa: E402

import workloads as W  # noqa: E402
import ad_compiler as adc  # noqa: E402


def timed(fns, reps=7, number=1):
    """Median time of each function, measured alternately (fair under noise)."""
    acc = [[] for _ in fns]
    for _ in range(reps):
        for f, a in zip(fns, acc):
            t = time.perf_counter()
            for _ in range(number):
                f()
            a.append((time.perf_counter() - t) / number)
    return [statistics.median(a) for a in acc]


def bench_recurrence_jvp():
    n = 10 ** 5
    y, t = adc.jvp(W.recurrence, (0.7, n), (1.0, None))
    want = adc.grad(W.recurrence)(0.7, n)         # (finite differences drown at this n)
    assert abs(t - want) < 1e-9 * max(1.0, abs(want))
    tj, tp = timed([lambda: adc.jvp(W.recurrence, (0.7, n), (1.0, None)),
                    lambda: W.recurrence(0.7, n)], reps=5)
    rows = [("jvp recurrence n=1e5 (python) / primal", tj, tp, "<= 2.5")]
    try:
        import numba
    except ImportError:
        return rows + [("jvp recurrence (numba)", None, None, "numba not installed")]
    primal = numba.njit(W.recurrence)
    primal(0.7, n)
    yn, tn = adc.jvp(W.recurrence, (0.7, n), (1.0, None), backend="numba")
    assert abs(tn - t) < 1e-9 * max(1.0, abs(t))
    tj, tp = timed([lambda: adc.jvp(W.recurrence, (0.7, n), (1.0, None), backend="numba"),
                    lambda: primal(0.7, n)], reps=9)
    return rows + [("jvp recurrence n=1e5 (numba) / njit primal", tj, tp, "<= 2")]


def bench_mlp_hvp():
    rng = np.random.default_rng(0)
    W1 = rng.standard_normal((512, 512)) * 0.05
    b1 = np.zeros(512)
    W2 = rng.standard_normal((512, 10)) * 0.05
    b2 = np.zeros(10)
    x = rng.standard_normal((256, 512))
    y = rng.standard_normal((256, 10))
    V = rng.standard_normal(W1.shape)
    g = adc.grad(W.mlp_loss, wrt=0)
    h = adc.hvp(W.mlp_loss, wrt=0)
    hv = h(W1, b1, W2, b2, x, y, V)
    eps = 1e-5
    fd = (g(W1 + eps * V, b1, W2, b2, x, y) - g(W1 - eps * V, b1, W2, b2, x, y)) / (2 * eps)
    assert np.allclose(hv, fd, rtol=1e-4, atol=1e-7)
    th, tg = timed([lambda: h(W1, b1, W2, b2, x, y, V), lambda: g(W1, b1, W2, b2, x, y)])
    return [("hvp MLP loss (wrt W1, fwd over rev) / gradient", th, tg, "<= 2.5")]


def bench_dense_hessian():
    n = 100
    rng = np.random.default_rng(1)
    x = rng.standard_normal(n)
    A = rng.standard_normal((n, n)) / n
    g = adc.grad(W.hessian_target)
    H = adc.hessian(W.hessian_target)
    Hr = adc.hessian(W.hessian_target, mode="rev")
    want = np.diag(2 * np.sin(x) + 4 * x * np.cos(x) - x ** 2 * np.sin(x)) + A + A.T
    assert np.allclose(H(x, A), want) and np.allclose(Hr(x, A), want)
    th, thr, tg = timed([lambda: H(x, A), lambda: Hr(x, A), lambda: g(x, A)], reps=5)
    rows = [("dense Hessian n=100 (fwd over rev) / gradient", th, tg, f"{th * 1e3:.1f} ms"),
            ("dense Hessian n=100 (rev over rev) / gradient", thr, tg, f"{thr * 1e3:.1f} ms")]
    rows += _peers_hessian(x, A, want)
    return rows


def _peers_hessian(x, A, want):
    rows = []
    try:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)

        def f(x, A):
            return jnp.sum(jnp.sin(x) * x ** 2) + x @ A @ x
        hj, gj = jax.jit(jax.hessian(f)), jax.jit(jax.grad(f))
        xj, Aj = jnp.asarray(x), jnp.asarray(A)
        assert np.allclose(np.asarray(hj(xj, Aj)), want)
        gj(xj, Aj).block_until_ready()
        th, tg = timed([lambda: hj(xj, Aj).block_until_ready(),
                        lambda: gj(xj, Aj).block_until_ready()], reps=7, number=10)
        rows.append(("jax.jit(jax.hessian) / jax.jit(jax.grad)", th, tg, f"{th * 1e3:.2f} ms"))
    except ImportError:
        rows.append(("jax.hessian", None, None, "jax not installed"))
    try:
        import torch
        import torch.func

        def f(x, A):
            return torch.sum(torch.sin(x) * x ** 2) + x @ A @ x
        xt, At = torch.tensor(x), torch.tensor(A)
        ht, gt = torch.func.hessian(f), torch.func.grad(f)
        assert np.allclose(ht(xt, At).numpy(), want)
        th, tg = timed([lambda: ht(xt, At), lambda: gt(xt, At)], reps=5)
        rows.append(("torch.func.hessian / torch.func.grad", th, tg, f"{th * 1e3:.2f} ms"))
    except ImportError:
        rows.append(("torch.func.hessian", None, None, "torch not installed"))
    return rows


def bench_ode_jacobian():
    n = 50
    y = np.random.default_rng(2).standard_normal(n)
    F = 8.0
    Jf = adc.jacfwd(W.lorenz96)
    Jr = adc.jacrev(W.lorenz96)
    want = np.zeros((n, n))
    for i in range(n):
        want[i, (i + 1) % n] += y[(i - 1) % n]
        want[i, (i - 2) % n] -= y[(i - 1) % n]
        want[i, (i - 1) % n] += y[(i + 1) % n] - y[(i - 2) % n]
        want[i, i] -= 1.0
    assert np.allclose(Jf(y, F), want) and np.allclose(Jr(y, F), want)
    tf, tr, tp = timed([lambda: Jf(y, F), lambda: Jr(y, F), lambda: W.lorenz96(y, F)],
                       reps=5)
    rows = [("Jacobian 50->50 ODE rhs, jacfwd / primal", tf, tp, f"{tf * 1e3:.2f} ms"),
            ("Jacobian 50->50 ODE rhs, jacrev / primal", tr, tp, f"{tr * 1e3:.2f} ms")]
    try:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)

        def rhs(y, F):
            return (jnp.roll(y, -1) - jnp.roll(y, 2)) * jnp.roll(y, 1) - y + F
        jj, pj = jax.jit(jax.jacfwd(rhs)), jax.jit(rhs)
        yj = jnp.asarray(y)
        assert np.allclose(np.asarray(jj(yj, F)), want)
        pj(yj, F).block_until_ready()
        t1, t2 = timed([lambda: jj(yj, F).block_until_ready(),
                        lambda: pj(yj, F).block_until_ready()], reps=7, number=20)
        rows.append(("jax.jit(jax.jacfwd) / jax.jit(primal)", t1, t2, f"{t1 * 1e3:.3f} ms"))
    except ImportError:
        rows.append(("jax.jacfwd", None, None, "jax not installed"))
    try:
        import torch
        import torch.func

        def rhs(y, F):
            return (torch.roll(y, -1) - torch.roll(y, 2)) * torch.roll(y, 1) - y + F
        yt = torch.tensor(y)
        jt = torch.func.jacfwd(rhs)
        assert np.allclose(jt(yt, F).numpy(), want)
        t1, t2 = timed([lambda: jt(yt, F), lambda: rhs(yt, F)], reps=5, number=5)
        rows.append(("torch.func.jacfwd / torch primal", t1, t2, f"{t1 * 1e3:.3f} ms"))
    except ImportError:
        rows.append(("torch.func.jacfwd", None, None, "torch not installed"))
    return rows


def main():
    print(f"{'benchmark':52s} {'time':>10s} {'base':>10s} {'ratio':>8s}  note")
    for bench in (bench_recurrence_jvp, bench_mlp_hvp, bench_dense_hessian, bench_ode_jacobian):
        for name, t, base, note in bench():
            if t is None:
                print(f"{name:52s} {'-':>10s} {'-':>10s} {'-':>8s}  {note}")
            else:
                print(f"{name:52s} {t * 1e3:8.3f}ms {base * 1e3:8.3f}ms {t / base:7.2f}x  {note}")


if __name__ == "__main__":
    main()
