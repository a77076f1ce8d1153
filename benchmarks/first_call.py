"""First-call latency in a fresh process: ``import ad_compiler``, then the
first ``grad(f)(...)`` with an empty cache (cold: parse, build, transform,
emit), with only the parsed derivative rules cached (the function new or
edited: what a change to it costs), and with everything cached (warm: the
module loaded from the on-disk cache, nothing parsed).

    python benchmarks/first_call.py [--repeat 7]

Each figure is the median over fresh interpreters; "above import" is the
time of the first call alone, after ``import ad_compiler`` (and NumPy)
finished.  The figures in the README come from this script.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CHILD = r"""
import time
t0 = time.perf_counter()
import numpy as np
import ad_compiler as adc
t1 = time.perf_counter()
import workloads as W
x, w, b = np.linspace(0.1, 0.9, 6).reshape(3, 2), np.array([0.3, 0.7]), np.array([0.1, 0.2])
xs = np.linspace(0.1, 0.9, 8)
ws = np.linspace(-0.5, 0.5, 8)
cases = {"thirty_lines": (W.thirty_lines, (x, w, b, 2.0)),
         "thirty_lines_control": (W.thirty_lines_control, (xs, ws, 7))}
fn, args = cases[NAME]
t2 = time.perf_counter()
adc.grad(fn)(*args)
t3 = time.perf_counter()
print("TIMES", (t1 - t0) * 1e3, (t3 - t2) * 1e3)
"""


def run_once(name, cache):
    env = dict(os.environ, AD_COMPILER_CACHE_DIR=cache, PYTHONPATH=os.pathsep.join([ROOT, HERE]),
               OMP_NUM_THREADS="1")
    env.pop("AD_COMPILER_CACHE", None)
    out = subprocess.run([sys.executable, "-c", CHILD.replace("NAME", repr(name))], env=env,
                         capture_output=True, text=True, check=True).stdout
    line = [ln for ln in out.splitlines() if ln.startswith("TIMES")][0]
    imp, call = map(float, line.split()[1:])
    return imp, call


def measure(name, repeat):
    cold, edited, warm, imports = [], [], [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as cache:
            imp, c = run_once(name, cache)          # an empty cache folder
            cold.append(c)
            imports.append(imp)
            imp, wm = run_once(name, cache)         # everything cached
            warm.append(wm)
            imports.append(imp)
            for f in os.listdir(cache):             # the function's entries gone (as after
                if not f.startswith("rule_asts"):   # an edit), the parsed rules kept
                    os.remove(os.path.join(cache, f))
            edited.append(run_once(name, cache)[1])
    med = statistics.median
    return {"import_ms": med(imports), "cold_ms": med(cold), "edited_ms": med(edited),
            "warm_ms": med(warm), "cold_min_ms": min(cold), "edited_min_ms": min(edited),
            "warm_min_ms": min(warm)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    res = {name: measure(name, a.repeat) for name in ("thirty_lines", "thirty_lines_control")}
    if a.json:
        print(json.dumps(res, indent=1))
        return
    print(f"first call, ms after `import ad_compiler`: median (min) of {a.repeat} fresh processes")
    print(f"{'function':22s} {'import':>8s} {'cold':>14s} {'rules cached':>14s} {'warm':>14s}")
    for name, r in res.items():
        print(f"{name:22s} {r['import_ms']:8.1f} {r['cold_ms']:7.1f} ({r['cold_min_ms']:5.1f}) "
              f"{r['edited_ms']:7.1f} ({r['edited_min_ms']:5.1f}) "
              f"{r['warm_ms']:7.1f} ({r['warm_min_ms']:5.1f})")


if __name__ == "__main__":
    main()
