"""Time our GradBench evals in one process: ad_compiler against PyTorch and JAX.

    OMP_NUM_THREADS=1 python benchmarks/gradbench/run.py [--evals lse,gmm] [--quick]
        [--backends python,numba] [--markdown RESULTS.md]

For each eval and size it builds the inputs (``inputs.py``), runs the
gradient (or Jacobian) with ad_compiler's backends and with whichever peers
are installed (PyTorch eager; ``jax.jit`` of ``jax.grad``), checks that every
tool's result agrees with the others (or, with no peer installed, with a
central finite difference along a random direction), and prints median
times (each measured alternately with the others, a few repeats) and the
ratio ad_compiler (best backend) / best peer.  A tool that cannot run an
eval says why in the table instead of a time.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(os.path.dirname(HERE)))

import numpy as np  # noqa: E402

import ad_compiler as adc  # noqa: E402
import dispatch  # noqa: E402
import evals_arrays as A  # noqa: E402
import evals_geometry as G  # noqa: E402
import evals_models as M  # noqa: E402
import evals_nested as N  # noqa: E402
import inputs as I  # noqa: E402

SIZES = {   # GradBench's standard sizes, the lighter end where they are many
    "lse": [("n=10000", I.make_lse, (10000,)), ("n=1280000", I.make_lse, (1280000,))],
    "llsq": [("n=1024,m=128", I.make_llsq, (1024, 128)), ("n=16392,m=128", I.make_llsq, (16392, 128))],
    "det": [("ell=7", I.make_det, (7,)), ("ell=9", I.make_det, (9,))],
    # h * (x_1 + ... + x_i) must stay modest, or RK4's per-step polynomial overflows
    "ode": [("n=100,s=100", I.make_ode, (100, 100)), ("n=1000,s=10", I.make_ode, (1000, 10)),
            ("n=10000,s=1", I.make_ode, (10000, 1))],
    "gmm": [("d=2,k=5,n=1000", I.make_gmm, (2, 5, 1000)), ("d=10,k=25,n=1000", I.make_gmm, (10, 25, 1000)),
            ("d=32,k=50,n=1000", I.make_gmm, (32, 50, 1000))],
    "kmeans": [("k=10,n=1000,d=8", I.make_kmeans, (10, 1000, 8)),
               ("k=100,n=10000,d=8", I.make_kmeans, (100, 10000, 8))],
    "lstm": [("l=2,c=1024,b=14", I.make_lstm, (2, 1024)), ("l=4,c=1024,b=14", I.make_lstm, (4, 1024))],
    "ba": [("n=10,m=500,p=2000", I.make_ba, (10, 500, 2000)), ("ba1 n=49,m=7776,p=31843", I.make_ba, (49, 7776, 31843))],
    "ht": [("simple, 100 pts", I.make_ht, (100, False)), ("complicated, 100 pts", I.make_ht, (100, True))],
    "particle": [("w0=0", lambda: {"w": 0.0}, ())],
    "saddle": [("start=(1,1)", lambda: {"start": [1.0, 1.0]}, ())],
}
QUICK = {   # tiny sizes for a smoke run
    "lse": [("n=100", I.make_lse, (100,))], "llsq": [("n=64,m=8", I.make_llsq, (64, 8))],
    "det": [("ell=5", I.make_det, (5,))], "ode": [("n=20,s=5", I.make_ode, (20, 5))],
    "gmm": [("d=3,k=4,n=20", I.make_gmm, (3, 4, 20))], "kmeans": [("k=3,n=30,d=2", I.make_kmeans, (3, 30, 2))],
    "lstm": [("l=2,c=5,b=4", I.make_lstm, (2, 5, 4))], "ba": [("n=3,m=5,p=8", I.make_ba, (3, 5, 8))],
    "ht": [("simple, 5 pts", I.make_ht, (5, False, 40))], "particle": SIZES["particle"], "saddle": SIZES["saddle"],
}
WHAT = {"kmeans": "cost gradient (dir needs the Hessian)", "ba": "Jacobian", "ht": "Jacobian",
        "particle": "rr: argmin over w", "saddle": "rr: min-max"}


def load_peers():
    peers = {}
    try:
        import peers_torch
        peers["torch"] = peers_torch
    except ImportError:
        pass
    try:
        import peers_jax
        peers["jax"] = peers_jax
    except ImportError:
        pass
    return peers


def adc_runner(module, args, backend):
    if module == "ba":
        return lambda: G.ba_blocks(*args, backend=backend)
    if module == "ht":
        return lambda: G.ht_jacobian(*args, backend=backend)
    if module in ("particle", "saddle"):
        if backend != "python":
            raise dispatch.Unsupported("a compiled gradient called inside Numba code is refused "
                                       "(BackendError): the nested evals run on the python backend")
        inp = SIZES[module][0][1]()
        return dispatch.prepare(module, "rr", inp, backend)
    g = dispatch.gradient_of(module, backend)
    return lambda: g(*args)


def peer_runner(peer, module, args, inp):
    if module == "particle":
        return peer.make_particle(inp["w"]) if hasattr(peer, "make_particle") else None
    if module == "saddle":
        return peer.make_saddle(inp["start"]) if hasattr(peer, "make_saddle") else None
    if module == "ode":
        return peer.make_ode(args[0], args[1], A.ODE_TF)
    return getattr(peer, "make_" + module)(*args)


def flat(module, out, args):
    """Every tool's result as one flat vector, in one layout."""
    if module == "ba":
        cams, X, w, feats, obs = args
        return G.ba_csr(out[0], out[1], obs, cams.shape[0], X.shape[0])["vals"]
    if isinstance(out, (tuple, list)):
        return np.concatenate([flat(module, o, args) for o in out]) if out else np.zeros(0)
    return np.ravel(np.asarray(out, dtype=float))


def fd_check(module, args, grad, rng):
    """|central difference along a random direction - grad . direction|, relative."""
    primal = {"lse": A.lse, "llsq": A.llsq, "det": A.det, "ode": A.ode_last, "gmm": M.gmm_objective,
              "kmeans": M.kmeans_cost, "lstm": M.lstm_objective}.get(module)
    if primal is None:      # ba, ht: Jacobians, checked against differences in the tests
        return None
    if isinstance(grad, tuple):
        grad = grad[0]      # the first differentiated argument
    x = args[0]
    v = rng.standard_normal(x.shape)
    h = 1e-6 * max(1.0, float(np.max(np.abs(x))))
    fd = (primal(x + h * v, *args[1:]) - primal(x - h * v, *args[1:])) / (2 * h)
    exact = float(np.sum(grad * v))
    return abs(fd - exact) / max(1.0, abs(exact))


def measure(runners, budget=1.0):
    """Median seconds of each runner, measured alternately, 3..15 repeats."""
    once = {}
    for name, run in runners.items():
        t = time.perf_counter()
        run()
        once[name] = time.perf_counter() - t
    reps = int(min(15, max(3, budget / max(sum(once.values()), 1e-9))))
    times = {name: [] for name in runners}
    for _ in range(reps):
        for name, run in runners.items():
            t = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - t)
    return {name: statistics.median(ts) for name, ts in times.items()}, reps


def run_case(module, label, inp, backends, peers, rng):
    args = dispatch.arrays(module, inp) if module not in ("particle", "saddle") else ()
    runners, notes, outs = {}, {}, {}
    for backend in backends:
        name = "adc-" + backend
        try:
            run = adc_runner(module, args, backend)
            outs[name] = run()           # compiles
            runners[name] = run
        except (adc.ADError, dispatch.Unsupported) as e:
            notes[name] = (str(e).splitlines() or [type(e).__name__])[0][:160]
    if not runners:     # nothing of ours to compare: do not spend the CPU on the peers
        peers = {}
    for pname, peer in peers.items():
        try:
            run = peer_runner(peer, module, args, inp)
        except Exception as e:  # a peer that cannot run this eval is reported, not fatal
            notes[pname] = f"{type(e).__name__}: {str(e).splitlines()[0][:120]}"
            continue
        if run is None:
            notes[pname] = "not written for this peer"
            continue
        outs[pname] = run()
        runners[pname] = run
    # agreement: every result against the first peer's (or the first result)
    vecs = {k: flat(module, v, args) for k, v in outs.items()}
    ref_name = next((k for k in vecs if not k.startswith("adc")), None) or next(iter(vecs), None)
    errors = {}
    for k, v in vecs.items():
        ref = vecs[ref_name]
        scale = max(1.0, float(np.max(np.abs(ref)))) if ref.size else 1.0
        errors[k] = float(np.max(np.abs(v - ref))) / scale if v.shape == ref.shape else float("inf")
    fd = None
    if not any(not k.startswith("adc") for k in vecs) and vecs:
        fd = fd_check(module, args, outs[next(iter(outs))], rng)
    medians, reps = measure(runners) if runners else ({}, 0)
    return {"module": module, "label": label, "medians": medians, "notes": notes, "errors": errors,
            "ref": ref_name, "fd": fd, "reps": reps}


def ratio(row):
    ours = [t for k, t in row["medians"].items() if k.startswith("adc")]
    theirs = [t for k, t in row["medians"].items() if not k.startswith("adc")]
    if ours and theirs:
        return min(ours) / min(theirs)
    return None


def fmt_time(t):
    return f"{t * 1e3:.3g} ms" if t < 1 else f"{t:.3g} s"


def table(rows, tools):
    head = ["eval", "size"] + tools + ["adc/best peer", "max rel. diff"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["module"] + (f" ({WHAT[r['module']]})" if r["module"] in WHAT else ""), r["label"]]
        for t in tools:
            if t in r["medians"]:
                cells.append(fmt_time(r["medians"][t]))
            else:
                cells.append("— " + r["notes"][t] if t in r["notes"] else "—")
        q = ratio(r)
        cells.append(f"**{q:.2f}**" if q is not None else "—")
        diff = max((e for k, e in r["errors"].items() if k != r["ref"]), default=None)
        checks = ([f"{diff:.1e} vs {r['ref']}"] if diff is not None else []) \
            + ([f"{r['fd']:.1e} vs central difference"] if r["fd"] is not None else [])
        cells.append("; ".join(checks))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evals", default=",".join(SIZES))
    parser.add_argument("--backends", default="python,numba")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run)")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else SIZES
    backends = [b for b in args.backends.split(",") if b]
    peers = {} if args.no_peers else load_peers()
    rng = np.random.default_rng(0)
    rows = []
    for module in args.evals.split(","):
        for label, make, make_args in sizes[module]:
            row = run_case(module, label, make(*make_args), backends, peers, rng)
            rows.append(row)
            q = ratio(row)
            print(f"{module:9s} {label:26s} " + "  ".join(f"{k}={fmt_time(t)}" for k, t in row["medians"].items())
                  + (f"  ratio={q:.2f}" if q else "") + "".join(f"  [{k}: {v}]" for k, v in row["notes"].items()),
                  flush=True)
            bad = {k: e for k, e in row["errors"].items() if e > 1e-6}
            if bad or (row["fd"] is not None and row["fd"] > 1e-5):
                print(f"  MISMATCH {bad} fd={row['fd']}", flush=True)
    tools = ["adc-" + b for b in backends] + list(peers)
    text = table(rows, tools)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
