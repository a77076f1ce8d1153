"""Benchmarks of the compiled gradients (run by hand: ``make bench``).

Prints, measured in one process (set OMP_NUM_THREADS=1), median times and
their ratios:
  * two-layer MLP loss (batch 256, 512 -> 512 -> 10, float64): generated
    gradient / the straightforward hand-written NumPy adjoint
    (workloads.mlp_adjoint)                          (target <= 1.10)
  * first call of grad(30-line function) in a fresh Python process (parse,
    compile, import, run; empty cache directory)     (target <= 30 ms)
  * scalar recurrence s = s*0.9 + sin(x*i)*x, n = 2000 and 100000:
    gradient / plain Python primal                   (target <= 4)
    and the gradient's peak extra memory (tracemalloc)
  * loops reading / writing array items one at a time: gradient / primal,
    flat in n
  * RK4 integration of an ODE (examples/ode_sensitivities.py), gradient with
    respect to its 4 parameters / primal
"""
from __future__ import annotations

import os
import statistics
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import workloads as W  # noqa: E402

import ad_compiler as adc  # noqa: E402


def median_time(fn, reps=15, number=1):
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t) / number)
    return statistics.median(times)


def interleaved(fa, fb, reps=21, number=1):
    """Median times of two functions measured alternately (fair under noise)."""
    ta, tb = [], []
    for _ in range(reps):
        for f, acc in ((fa, ta), (fb, tb)):
            t = time.perf_counter()
            for _ in range(number):
                f()
            acc.append((time.perf_counter() - t) / number)
    return statistics.median(ta), statistics.median(tb)


def bench_mlp():
    rng = np.random.default_rng(0)
    W1 = rng.standard_normal((512, 512)) * 0.05
    b1 = np.zeros(512)
    W2 = rng.standard_normal((512, 10)) * 0.05
    b2 = np.zeros(10)
    x = rng.standard_normal((256, 512))
    y = rng.standard_normal((256, 10))
    g = adc.value_and_grad(W.mlp_loss, wrt=(0, 1, 2, 3))
    (v, grads) = g(W1, b1, W2, b2, x, y)
    ref_v, ref = W.mlp_adjoint(W1, b1, W2, b2, x, y)
    assert np.isclose(v, ref_v) and all(np.allclose(a, b) for a, b in zip(grads, ref))
    tg, th = interleaved(lambda: g(W1, b1, W2, b2, x, y),
                         lambda: W.mlp_adjoint(W1, b1, W2, b2, x, y), reps=41)
    return [("MLP 256x512->512->10 gradient", tg, th, tg / th,
             "<= 1.10 x straightforward hand-written adjoint")]


_FRESH = """
import sys, time
t0 = time.perf_counter()
import numpy as np
import ad_compiler as adc
t1 = time.perf_counter()
sys.path.insert(0, {bench!r})
import workloads as W
rng = np.random.default_rng(1)
args = (rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), rng.standard_normal(3), 0.7)
t2, c2 = time.perf_counter(), time.process_time()
adc.grad(W.thirty_lines)(*args)
t3, c3 = time.perf_counter(), time.process_time()
print(t1 - t0, t3 - t2, c3 - c2)
"""


def bench_compile(runs=7):
    """``python -c``: time.perf_counter around the import and around the first
    call of grad(thirty_lines), each run in a new process with an empty cache."""
    import subprocess
    import tempfile
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = _FRESH.format(bench=os.path.dirname(os.path.abspath(__file__)))
    imports, calls, cpu = [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, AD_COMPILER_CACHE=cache, PYTHONPATH=root)
            out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, check=True,
                                 capture_output=True, text=True).stdout.split()
        imports.append(float(out[0]))
        calls.append(float(out[1]))
        cpu.append(float(out[2]))
    return [("first call of grad(30-line fn), new process", statistics.median(calls), None, None,
             f"<= 30 ms (CPU time {statistics.median(cpu) * 1e3:.0f} ms; import numpy + "
             f"ad_compiler: {statistics.median(imports) * 1e3:.0f} ms)")]


def bench_recurrence():
    g = adc.grad(W.recurrence)
    rows = []
    for n in (2000, 100000):
        g(0.7, n)
        reps = 15 if n < 10000 else 7
        tg, tp = interleaved(lambda: g(0.7, n), lambda: W.recurrence(0.7, n), reps=reps)
        tracemalloc.start()
        W.recurrence(0.7, n)
        _, peak_p = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        tracemalloc.start()
        g(0.7, n)
        _, peak_g = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows.append((f"recurrence n={n} gradient / primal", tg, tp, tg / tp,
                     f"<= 4 x primal; peak extra memory {(peak_g - peak_p) / 1e6:.2f} MB "
                     f"({(peak_g - peak_p) / n:.0f} B/iteration)"))
    return rows


def bench_element_loops():
    rows = []
    rng = np.random.default_rng(2)
    for fn in (W.element_loop, W.fill_loop):
        g = adc.grad(fn)
        for n in (1000, 100000):
            x = rng.standard_normal(n)
            g(x)
            tg, tp = interleaved(lambda: g(x), lambda: fn(x), reps=7)
            rows.append((f"{fn.__name__} n={n} gradient / primal", tg, tp, tg / tp,
                         "linear in n (no full-size temporaries per item)"))
    return rows


def bench_ode():
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
    from ode_sensitivities import final_prey_error
    args = (1.1, 0.4, 0.4, 0.1, 1.5, 2000)
    g = adc.grad(final_prey_error, wrt=(0, 1, 2, 3))
    g(*args)
    tg, tp = interleaved(lambda: g(*args), lambda: final_prey_error(*args), reps=9)
    return [("RK4 Lotka-Volterra 2000 steps, d/d(4 params)", tg, tp, tg / tp, "<= 4 x primal")]


def main():
    print(f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '(unset)')}, "
          f"numpy {np.__version__}, python {sys.version.split()[0]}")
    print(f"{'benchmark':44s} {'time':>10s} {'baseline':>10s} {'ratio':>7s}  target")
    for bench in (bench_mlp, bench_compile, bench_recurrence, bench_element_loops, bench_ode):
        for name, t, base, ratio, note in bench():
            b = f"{base * 1e3:9.3f}ms" if base is not None else f"{'':10s}"
            r = f"{ratio:7.2f}" if ratio is not None else f"{'':7s}"
            print(f"{name:44s} {t * 1e3:9.3f}ms {b} {r}  {note}")


if __name__ == "__main__":
    main()
