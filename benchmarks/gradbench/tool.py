"""ad_compiler as a GradBench tool: the JSON protocol on stdin/stdout.

The harness writes one JSON message a line and reads one response a line:

    {"id": 0, "kind": "start", "eval": "lse"}      -> {"id": 0, "tool": "ad_compiler"}
    {"id": 1, "kind": "define", "module": "lse"}   -> {"id": 1, "success": true}
    {"id": 2, "kind": "evaluate", "module": "lse", "function": "gradient",
     "input": {"x": [1.0, 2.0], "min_runs": 1, "min_seconds": 0}}
        -> {"id": 2, "success": true, "output": [...],
            "timings": [{"name": "evaluate", "nanoseconds": 12345}]}

An ``evaluate`` runs the function at least ``min_runs`` times and for at
least ``min_seconds`` (or exactly ``runs`` times, the older field), with one
``evaluate`` timing per run; parsing the input, compiling and one warm-up run
are timed apart as ``prepare``.  Any other kind (``analysis``...) is answered with its id.
Run it as ``python benchmarks/gradbench/tool.py [--backend numba]``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(os.path.dirname(HERE)))   # the repo root

import dispatch  # noqa: E402

MODULES = ("lse", "llsq", "det", "ode", "gmm", "kmeans", "lstm", "ba", "ht", "particle", "saddle")


def _runs(inp):
    if "runs" in inp:
        return int(inp["runs"]), 0.0
    return int(inp.get("min_runs", 1)), float(inp.get("min_seconds", 0.0))


def evaluate(message, backend):
    inp = dict(message["input"])
    min_runs, min_seconds = _runs(inp)
    for key in ("runs", "min_runs", "min_seconds"):
        inp.pop(key, None)
    t0 = time.perf_counter_ns()
    run = dispatch.prepare(message["module"], message["function"], inp, backend)
    run()   # ad_compiler compiles on the first call (it needs the argument types)
    timings = [{"name": "prepare", "nanoseconds": time.perf_counter_ns() - t0}]
    started = time.perf_counter()
    count = 0
    while count < max(min_runs, 1) or time.perf_counter() - started < min_seconds:
        t = time.perf_counter_ns()
        output = run()
        timings.append({"name": "evaluate", "nanoseconds": time.perf_counter_ns() - t})
        count += 1
    return {"success": True, "output": dispatch.to_json(output), "timings": timings}


def respond(message, backend="python"):
    """The response to one protocol message (a dict)."""
    kind = message.get("kind")
    reply = {"id": message["id"]}
    if kind == "start":
        reply["tool"] = "ad_compiler"
        reply["config"] = {"backend": backend}
    elif kind == "define":
        if message["module"] in MODULES:
            reply["success"] = True
        else:
            reply.update(success=False, error=f"ad_compiler has no module {message['module']!r}")
    elif kind == "evaluate":
        try:
            reply.update(evaluate(message, backend))
        except dispatch.Unsupported as e:
            reply.update(success=False, error=str(e))
        except Exception as e:  # the harness records the failure and goes on
            reply.update(success=False, error="".join(traceback.format_exception_only(type(e), e)).strip())
    return reply


def serve(lines, out, backend="python"):
    for line in lines:
        if line.strip():
            out.write(json.dumps(respond(json.loads(line), backend)) + "\n")
            out.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="python", choices=("python", "numba"))
    args = parser.parse_args(argv)
    serve(sys.stdin, sys.stdout, args.backend)


if __name__ == "__main__":
    main()
