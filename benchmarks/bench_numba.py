"""Numba / CUDA backend benchmark (run by hand: ``python benchmarks/bench_numba.py``).

Workloads, each the gradient of plain Python scalar code:

* recurrence: ``s = s * 0.9 + math.sin(x * i) * x`` for i in range(n),
  n = 10**4 and 10**6, d s / d x;
* recurrence n = 5000 and 10**5 against adjoints that recompute
  ``sin(x * i)`` in the reverse loop instead of storing it: Numba against a
  hand-written Numba adjoint and the njit primal (targets <= 1.2 and <=
  2.5), the python backend against the same adjoint in plain Python and the
  plain primal (``python benchmarks/bench_numba.py --stacks`` runs these
  rows only).  The compiler stores the ``sin`` in the loop's preallocated
  tape (the cost model: a tape entry is cheaper than a ``sin``).  At
  n = 10**5 every adjoint, generated or written by hand, runs ~24x the
  primal: the cotangent of ``s`` is 0.9**k, subnormal after ~6700 trips and
  stuck at the smallest subnormal from there (0.9 * 5e-324 rounds back to
  5e-324), and each multiply by a subnormal costs ~50 normal ones; the
  primal never leaves the normal range.  n = 5000 measures the adjoint;
* nested: ``for i in range(n): for j in range(m): t = t * 0.9 + sin(x * t + j) * x``
  (n = 300, m = 300: one preallocated tape of n * m entries for the nest)
  against a hand-written Numba adjoint that stores ``t`` in an n * m array;
  and a ``while`` loop of 10**5 trips, its stacks as Numba lists (the
  default) against the same gradient with arrays that double
  (numba_stacks, ``numba_tapes.GROWABLE_ARRAYS``)
  (``python benchmarks/bench_numba.py --nested`` runs these rows only);
* rk4: 4th-order Runge-Kutta integration of a damped, driven oscillator
  (helper function for the right-hand side), d (final energy) / d (k, c, F).

Columns (ratios measured in this process, medians of repeated timings,
OMP_NUM_THREADS=1 is set before NumPy/Numba load):

  vs hand   adc numba gradient / a hand-written Numba adjoint (target <= 1.3)
  vs primal adc numba gradient / the njit-compiled primal      (target <= 3)
  torch     PyTorch eager autograd / adc numba gradient        (target >= 300)
  jax       jax.jit(jax.grad(...)) with lax.fori_loop / adc numba gradient

and the CUDA elementwise gradient over 10**7 elements against the NumPy
backend when a GPU is available ("no GPU" otherwise).
"""
from __future__ import annotations

import math
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numba  # noqa: E402
import numba.extending  # noqa: E402
import numpy as np  # noqa: E402

import ad_compiler as adc  # noqa: E402


# -- workloads (plain Python; the compiler reads their source) ---------------------------
def recurrence(x, n):
    s = 0.0
    for i in range(n):
        s = s * 0.9 + math.sin(x * i) * x
    return s


def rhs(q, v, t, k, c, F):
    return v, -k * q - c * v + F * math.cos(t)


def rk4(k, c, F, steps):
    q = 1.0
    v = 0.0
    h = 0.01
    t = 0.0
    for i in range(steps):
        a1, b1 = rhs(q, v, t, k, c, F)
        a2, b2 = rhs(q + 0.5 * h * a1, v + 0.5 * h * b1, t + 0.5 * h, k, c, F)
        a3, b3 = rhs(q + 0.5 * h * a2, v + 0.5 * h * b2, t + 0.5 * h, k, c, F)
        a4, b4 = rhs(q + h * a3, v + h * b3, t + h, k, c, F)
        q = q + h / 6.0 * (a1 + 2.0 * a2 + 2.0 * a3 + a4)
        v = v + h / 6.0 * (b1 + 2.0 * b2 + 2.0 * b3 + b4)
        t = t + h
    return 0.5 * v * v + 0.5 * k * q * q


def nested(x, n, m):
    s = 0.0
    for i in range(n):
        t = s * 0.5
        for j in range(m):
            t = t * 0.9 + math.sin(x * t + j) * x
        s = s + t
    return s


def while_loop(x):
    s = 0.0
    while s < 1000.0:                   # 10**5 trips
        s = s + 0.01 * (1.0 + 0.5 * math.sin(x * s))
    return s


# -- hand-written Numba adjoints -------------------------------------------------------------
@numba.njit(cache=True)
def nested_hand(x, n, m):
    T = np.empty(n * m)
    s = 0.0
    for i in range(n):
        t = s * 0.5
        for j in range(m):
            T[i * m + j] = t
            t = t * 0.9 + math.sin(x * t + j) * x
        s = s + t
    sb, xb = 1.0, 0.0
    for i in range(n - 1, -1, -1):
        tb = sb
        for j in range(m - 1, -1, -1):
            t = T[i * m + j]
            u = x * t + j
            c = math.cos(u)
            xb += tb * (c * t * x + math.sin(u))
            tb = tb * (0.9 + c * x * x)
        sb += tb * 0.5
    return s, xb


@numba.njit(cache=True)
def recurrence_hand(x, n):
    st = np.empty(n)
    s = 0.0
    for i in range(n):
        st[i] = math.sin(x * i)
        s = s * 0.9 + st[i] * x
    sb, xb = 1.0, 0.0
    for i in range(n - 1, -1, -1):
        xb += sb * st[i] + sb * x * math.cos(x * i) * i
        sb *= 0.9
    return s, xb


def recurrence_recompute(x, n):
    """The adjoint of ``recurrence`` that recomputes ``sin(x * i)`` (and its
    ``cos``) in the reverse loop: nothing stored per trip."""
    s = 0.0
    for i in range(n):
        s = s * 0.9 + math.sin(x * i) * x
    sb, xb = 1.0, 0.0
    for i in range(n - 1, -1, -1):
        t = x * i
        xb += sb * math.sin(t) + sb * x * math.cos(t) * i
        sb *= 0.9
    return s, xb


recurrence_recompute_nb = numba.njit(cache=True)(recurrence_recompute)


@numba.njit(cache=True)
def _rhs_n(q, v, t, k, c, F):
    return v, -k * q - c * v + F * math.cos(t)


@numba.njit(cache=True)
def rk4_hand(k, c, F, steps):
    h = 0.01
    Q = np.empty(steps + 1)
    V = np.empty(steps + 1)
    q, v, t = 1.0, 0.0, 0.0
    for i in range(steps):
        Q[i], V[i] = q, v
        a1, b1 = _rhs_n(q, v, t, k, c, F)
        a2, b2 = _rhs_n(q + 0.5 * h * a1, v + 0.5 * h * b1, t + 0.5 * h, k, c, F)
        a3, b3 = _rhs_n(q + 0.5 * h * a2, v + 0.5 * h * b2, t + 0.5 * h, k, c, F)
        a4, b4 = _rhs_n(q + h * a3, v + h * b3, t + h, k, c, F)
        q = q + h / 6.0 * (a1 + 2.0 * a2 + 2.0 * a3 + a4)
        v = v + h / 6.0 * (b1 + 2.0 * b2 + 2.0 * b3 + b4)
        t = t + h
    out = 0.5 * v * v + 0.5 * k * q * q
    qb, vb = k * q, v
    kb, cb, Fb = 0.5 * q * q, 0.0, 0.0
    for i in range(steps - 1, -1, -1):
        t = i * h
        q, v = Q[i], V[i]
        # recompute the stages; the adjoint of (dq, dv) = (v, -k q - c v + F cos t) is
        # q_b += -k vb_s, v_b += qb_s - c vb_s, k_b -= q vb_s, c_b -= v vb_s, F_b += cos t vb_s
        a1, b1 = v, -k * q - c * v + F * math.cos(t)
        q2, v2 = q + 0.5 * h * a1, v + 0.5 * h * b1
        a2, b2 = v2, -k * q2 - c * v2 + F * math.cos(t + 0.5 * h)
        q3, v3 = q + 0.5 * h * a2, v + 0.5 * h * b2
        a3, b3 = v3, -k * q3 - c * v3 + F * math.cos(t + 0.5 * h)
        q4, v4 = q + h * a3, v + h * b3
        a1b = h / 6.0 * qb
        a2b = a3b = 2.0 * a1b
        a4b = a1b
        b1b = h / 6.0 * vb
        b2b = b3b = 2.0 * b1b
        b4b = b1b
        qn, vn = qb, vb
        # stage 4
        q4b, v4b = -k * b4b, a4b - c * b4b
        kb -= q4 * b4b
        cb -= v4 * b4b
        Fb += math.cos(t + h) * b4b
        qn += q4b
        vn += v4b
        a3b += h * q4b
        b3b += h * v4b
        # stage 3
        q3b, v3b = -k * b3b, a3b - c * b3b
        kb -= q3 * b3b
        cb -= v3 * b3b
        Fb += math.cos(t + 0.5 * h) * b3b
        qn += q3b
        vn += v3b
        a2b += 0.5 * h * q3b
        b2b += 0.5 * h * v3b
        # stage 2
        q2b, v2b = -k * b2b, a2b - c * b2b
        kb -= q2 * b2b
        cb -= v2 * b2b
        Fb += math.cos(t + 0.5 * h) * b2b
        qn += q2b
        vn += v2b
        a1b += 0.5 * h * q2b
        b1b += 0.5 * h * v2b
        # stage 1
        qn += -k * b1b
        vn += a1b - c * b1b
        kb -= q * b1b
        cb -= v * b1b
        Fb += math.cos(t) * b1b
        qb, vb = qn, vn
    return out, kb, cb, Fb


# -- timing ------------------------------------------------------------------------------------
def median_time(fn, *args, repeat=15, min_time=0.05):
    fn(*args)                                         # compile / warm up
    t0 = time.perf_counter()
    fn(*args)
    once = time.perf_counter() - t0
    inner = max(1, int(min_time / max(once, 1e-9)))
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn(*args)
        times.append((time.perf_counter() - t0) / inner)
    return float(np.median(times))


def torch_grad(name):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)

    if name == "recurrence":
        def run(x, n):
            xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
            s = torch.zeros((), dtype=torch.float64)
            for i in range(n):
                s = s * 0.9 + torch.sin(xt * i) * xt
            s.backward()
            return xt.grad.item()
        return run

    def run(k, c, F, steps):
        p = torch.tensor([k, c, F], dtype=torch.float64, requires_grad=True)
        kk, cc, FF = p[0], p[1], p[2]
        q = torch.tensor(1.0, dtype=torch.float64)
        v = torch.tensor(0.0, dtype=torch.float64)
        h, t = 0.01, 0.0

        def f(q, v, t):
            return v, -kk * q - cc * v + FF * math.cos(t)
        for _ in range(steps):
            a1, b1 = f(q, v, t)
            a2, b2 = f(q + 0.5 * h * a1, v + 0.5 * h * b1, t + 0.5 * h)
            a3, b3 = f(q + 0.5 * h * a2, v + 0.5 * h * b2, t + 0.5 * h)
            a4, b4 = f(q + h * a3, v + h * b3, t + h)
            q = q + h / 6.0 * (a1 + 2.0 * a2 + 2.0 * a3 + a4)
            v = v + h / 6.0 * (b1 + 2.0 * b2 + 2.0 * b3 + b4)
            t = t + h
        out = 0.5 * v * v + 0.5 * kk * q * q
        out.backward()
        return p.grad.numpy()
    return run


def jax_grad(name):
    try:
        import jax
        import jax.numpy as jnp
        from jax import lax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    if name == "recurrence":
        def f(x, n):
            return lax.fori_loop(0, n, lambda i, s: s * 0.9 + jnp.sin(x * i) * x, 0.0)
        g = jax.jit(jax.grad(f), static_argnums=1)
        return lambda x, n: float(g(x, n))

    def f(p, steps):
        k, c, F = p[0], p[1], p[2]
        h = 0.01

        def rhs_j(q, v, t):
            return v, -k * q - c * v + F * jnp.cos(t)

        def body(i, st):
            q, v, t = st
            a1, b1 = rhs_j(q, v, t)
            a2, b2 = rhs_j(q + 0.5 * h * a1, v + 0.5 * h * b1, t + 0.5 * h)
            a3, b3 = rhs_j(q + 0.5 * h * a2, v + 0.5 * h * b2, t + 0.5 * h)
            a4, b4 = rhs_j(q + h * a3, v + h * b3, t + h)
            return (q + h / 6.0 * (a1 + 2.0 * a2 + 2.0 * a3 + a4),
                    v + h / 6.0 * (b1 + 2.0 * b2 + 2.0 * b3 + b4), t + h)
        q, v, _ = lax.fori_loop(0, steps, body, (1.0, 0.0, 0.0))
        return 0.5 * v * v + 0.5 * k * q * q
    g = jax.jit(jax.grad(f), static_argnums=1)
    return lambda k, c, F, steps: g(jnp.array([k, c, F]), steps)


def check(a, b, what):
    if not np.allclose(np.ravel(a), np.ravel(b), rtol=1e-8, atol=1e-10):
        raise SystemExit(f"{what}: gradients disagree: {a} vs {b}")


def row(label, t_adc, t_hand, t_primal, t_torch, t_jax):
    fmt = lambda v: "   -   " if v is None else f"{v:7.2f}"     # noqa: E731
    torch_r = None if t_torch is None else t_torch / t_adc
    jax_r = None if t_jax is None else t_jax / t_adc
    print(f"{label:<22} {t_adc * 1e3:10.3f} {fmt(t_adc / t_hand)} {fmt(t_adc / t_primal)} "
          f"{'   -   ' if torch_r is None else f'{torch_r:7.0f}'} {fmt(jax_r)}")


def main():
    print(f"numba {numba.__version__}, numpy {np.__version__}, "
          f"OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}")
    print(f"{'workload':<22} {'adc ms':>10} {'vs hand':>7} {'vs prim':>7} {'torch/x':>7} "
          f"{'jax/x':>7}")
    g_rec = adc.grad(recurrence, backend="numba")
    prim_rec = numba.njit(cache=True)(recurrence)
    t_rec = torch_grad("recurrence")
    j_rec = jax_grad("recurrence")
    for n in (10 ** 4, 10 ** 6):
        x = 0.5
        check(g_rec(x, n), recurrence_hand(x, n)[1], "recurrence")
        t_adc = median_time(g_rec, x, n)
        t_hand = median_time(recurrence_hand, x, n)
        t_primal = median_time(prim_rec, x, n)
        tt = None
        if t_rec is not None:
            m = min(n, 10 ** 4)                   # eager torch: time a shorter loop, scale
            check(t_rec(x, m), g_rec(x, m), "torch recurrence")
            tt = median_time(t_rec, x, m, repeat=3, min_time=0) * n / m
        tj = None
        if j_rec is not None:
            check(j_rec(x, n), g_rec(x, n), "jax recurrence")
            tj = median_time(j_rec, x, n)
        row(f"recurrence n=1e{int(math.log10(n))}", t_adc, t_hand, t_primal, tt, tj)

    g_rk = adc.grad(rk4, wrt=(0, 1, 2), backend="numba")
    numba.extending.register_jitable(rhs)        # so that the njit primal can call it
    prim_rk = numba.njit(cache=True)(rk4)
    t_rk = torch_grad("rk4")
    j_rk = jax_grad("rk4")
    args = (4.0, 0.3, 0.5, 10 ** 4)
    ref = g_rk(*args)
    check(ref, rk4_hand(*args)[1:], "rk4 (hand)")
    check(adc.grad(rk4, wrt=(0, 1, 2))(4.0, 0.3, 0.5, 100), g_rk(4.0, 0.3, 0.5, 100), "rk4")
    t_adc = median_time(g_rk, *args)
    t_hand = median_time(rk4_hand, *args)
    t_primal = median_time(prim_rk, *args)
    tt = tj = None
    if t_rk is not None:
        small = args[:3] + (1000,)
        check(t_rk(*small), g_rk(*small), "torch rk4")
        tt = median_time(t_rk, *small, repeat=3, min_time=0) * args[3] / 1000
    if j_rk is not None:
        check(j_rk(*args), ref, "jax rk4")
        tj = median_time(j_rk, *args)
    row("rk4 steps=1e4", t_adc, t_hand, t_primal, tt, tj)
    if t_rk is None:
        print("torch: not installed (pip install torch==2.13.0)")
    if j_rk is None:
        print("jax: not installed, skipped")
    cuda_elementwise()


def _ew(x, y):
    return np.sin(x) * y + np.exp(-x * x) * np.log1p(y * y)


def cuda_elementwise():
    try:
        from numba import cuda
        ok = cuda.is_available() and os.environ.get("NUMBA_ENABLE_CUDASIM", "0") in ("", "0")
    except ImportError:
        ok = False
    if not ok:
        print("cuda elementwise 1e7: no GPU")
        return
    n = 10 ** 7
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=n), rng.normal(size=n)
    py = adc.elementwise_grad(_ew, wrt=(0, 1), backend="python")
    cu = adc.elementwise_grad(_ew, wrt=(0, 1), backend="cuda")
    nb = adc.elementwise_grad(_ew, wrt=(0, 1), backend="numba")
    check(cu(x[:1000], y[:1000])[0], nb(x[:1000], y[:1000])[0], "cuda elementwise")
    t_py = median_time(py, x, y, repeat=3, min_time=0)
    t_cu = median_time(cu, x, y, repeat=5, min_time=0)
    print(f"cuda elementwise 1e7: numpy backend {t_py * 1e3:.1f} ms, cuda {t_cu * 1e3:.1f} ms "
          f"(incl. transfers): {t_py / t_cu:.1f}x")


def stacks_rows(sizes=(5000, 10 ** 5), repeat=7):
    for n in sizes:
        _stacks_row(n, repeat)


def _stacks_row(n, repeat):
    """Recurrence of ``n`` trips: the compiler's gradients over adjoints that
    recompute, on Numba and on the python backend (ratios, one process)."""
    x = 0.5
    g_nb = adc.grad(recurrence, backend="numba")
    g_py = adc.grad(recurrence)
    prim_nb = numba.njit(cache=True)(recurrence)
    ref = recurrence_recompute(x, n)[1]
    check(g_nb(x, n), ref, "recurrence numba")
    check(g_py(x, n), ref, "recurrence python")
    check(recurrence_recompute_nb(x, n)[1], ref, "recurrence hand numba")
    t = {name: median_time(fn, x, n, repeat=repeat, min_time=0.02) for name, fn in [
        ("adc numba", g_nb), ("hand numba", recurrence_recompute_nb), ("njit primal", prim_nb),
        ("adc python", g_py), ("hand python", recurrence_recompute), ("python primal", recurrence)]}
    print(f"recurrence n={n}, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, "
          f"medians of {repeat}")
    print(f"{'backend':<8} {'adc ms':>9} {'hand ms':>9} {'primal ms':>9} {'vs hand':>8} {'vs primal':>9}")
    for b in ("numba", "python"):
        a, h = t[f"adc {b}"], t[f"hand {b}"]
        p = t["njit primal" if b == "numba" else "python primal"]
        print(f"{b:<8} {a * 1e3:9.3f} {h * 1e3:9.3f} {p * 1e3:9.3f} {a / h:8.2f} {a / p:9.2f}")


def _with_array_stacks(fn):
    """The Numba gradient of a copy of ``fn`` built with stacks of numbers
    as arrays that double (numba_stacks) instead of Numba lists."""
    import types
    from ad_compiler.backend import numba_tapes
    copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__)
    g = adc.grad(copy, backend="numba")
    saved, numba_tapes.GROWABLE_ARRAYS = numba_tapes.GROWABLE_ARRAYS, True
    try:
        g(0.5)                                    # builds (and compiles) the specialisation
    finally:
        numba_tapes.GROWABLE_ARRAYS = saved
    assert "new_float_stack()" in g.source
    return g


def nested_rows(n=300, m=300, repeat=9):
    """Nested counted loops: the compiler's gradient (one n * m tape) over a
    hand-written Numba adjoint; a while loop: arrays that double over Numba
    lists (ratios, medians, one process)."""
    x = 0.05
    g = adc.grad(nested, backend="numba")
    check(g(x, n, m), nested_hand(x, n, m)[1], "nested")
    check(adc.grad(nested)(x, 7, 5), g(x, 7, 5), "nested python")
    assert ".append(" not in g.source and "new_float_tape" in g.source
    t_adc = median_time(g, x, n, m, repeat=repeat)
    t_hand = median_time(nested_hand, x, n, m, repeat=repeat)
    prim = numba.njit(cache=True)(nested)
    t_prim = median_time(prim, x, n, m, repeat=repeat)
    print(f"nested n=m={n}, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, medians of {repeat}")
    print(f"{'':<22} {'adc ms':>9} {'hand ms':>9} {'vs hand':>8} {'vs primal':>9}")
    print(f"{'nested tape':<22} {t_adc * 1e3:9.3f} {t_hand * 1e3:9.3f} {t_adc / t_hand:8.2f} "
          f"{t_adc / t_prim:9.2f}")
    gl = adc.grad(while_loop, backend="numba")
    gw = _with_array_stacks(while_loop)
    check(gw(0.5), gl(0.5), "while")
    assert ".append(" in gl.source and "new_float_stack()" not in gl.source
    t_arr = median_time(gw, 0.5, repeat=repeat)
    t_list = median_time(gl, 0.5, repeat=repeat)
    print(f"{'while 1e5: arrays':<22} {t_arr * 1e3:9.3f} {'lists':>9} {t_list * 1e3:9.3f} ms, "
          f"arrays / lists {t_arr / t_list:.2f}")


if __name__ == "__main__":
    if "--stacks" in sys.argv:
        stacks_rows()
    elif "--nested" in sys.argv:
        nested_rows()
    else:
        main()
        stacks_rows()
        nested_rows()
