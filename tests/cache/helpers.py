"""Running a snippet in a fresh Python process against a given cache folder,
with counters on every compiler stage (so a test can assert that a warm
start parsed and transformed nothing)."""
import json
import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PRELUDE = """
import json, sys
import numpy as np
import ad_compiler as adc
from ad_compiler import api
from ad_compiler.cache import entries
import importlib
calls = {}
def _spy(module, name):
    orig = getattr(module, name)
    def wrapped(*a, **k):
        calls[name] = calls.get(name, 0) + 1
        return orig(*a, **k)
    setattr(module, name, wrapped)
_stages = [api]
try:
    _stages.append(importlib.import_module("ad_compiler.pipeline"))
except ImportError:
    pass
for _m in _stages:         # every stage, wherever api or the pipeline module calls it from
    for _n in ("parse", "build", "reverse", "emit_function", "simplify"):
        if hasattr(_m, _n):
            _spy(_m, _n)
def report(out):
    print("RESULT " + json.dumps({"calls": calls, "stats": entries.STATS, "out": out}))
"""


def child_code(body):
    return PRELUDE + textwrap.dedent(body)


def run_child(body, cache, cwd, env=None, check=True):
    """Run ``body`` (which calls ``report(...)``) in a new interpreter; its
    report as a dict."""
    e = dict(os.environ, AD_COMPILER_CACHE_DIR=str(cache), PYTHONDONTWRITEBYTECODE="1",
             PYTHONPATH=os.pathsep.join([ROOT, str(cwd)]))
    e.pop("AD_COMPILER_CACHE", None)
    e.update(env or {})
    p = subprocess.run([sys.executable, "-c", child_code(body)], cwd=str(cwd), env=e,
                       capture_output=True, text=True, timeout=300)
    if check and p.returncode != 0:
        raise AssertionError(f"child failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    for line in p.stdout.splitlines():
        if line.startswith("RESULT "):
            r = json.loads(line[len("RESULT "):])
            r["stderr"] = p.stderr
            return r
    raise AssertionError(f"child printed no result ({p.returncode}):\n{p.stdout}\n{p.stderr}")
