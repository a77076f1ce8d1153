"""``python -m ad_compiler``: cache info|clear, show FILE:FUNCTION, --help."""
import os
import subprocess
import sys

import numpy as np

from .helpers import ROOT, run_child

MODEL = '''
import numpy as np

def loss(w, x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(np.tanh(x * w)) * i
    return s
'''


def cli(*args, cache, cwd):
    env = dict(os.environ, AD_COMPILER_CACHE_DIR=str(cache), PYTHONPATH=ROOT)
    env.pop("AD_COMPILER_CACHE", None)
    return subprocess.run([sys.executable, "-m", "ad_compiler", *args], cwd=str(cwd), env=env,
                          capture_output=True, text=True, timeout=120)


def test_help(tmp_path):
    top = cli("--help", cache=tmp_path, cwd=tmp_path)
    assert top.returncode == 0 and "{cache,show}" in top.stdout
    show = cli("show", "--help", cache=tmp_path, cwd=tmp_path)
    assert show.returncode == 0
    for word in ("FILE:FUNCTION", "--wrt", "--mode", "--scalar", "--joint"):
        assert word in show.stdout
    assert "info" in cli("cache", "--help", cache=tmp_path, cwd=tmp_path).stdout


def test_show_prints_the_graph_and_the_generated_source(tmp_path):
    (tmp_path / "model.py").write_text(MODEL)
    r = cli("show", "model.py:loss", "--wrt", "w,x", "--scalar", "w", "--joint",
            cache=tmp_path / "c", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "# SSA graph of loss" in out and "bb0(w, x):" in out and "loop header" in out
    assert "# joint SSA graph" in out
    assert "# generated gradient (w: float, x: array)" in out
    assert "def loss_grad(w, x, seed):" in out
    src = out[out.index("def loss_grad"):]
    ns = _namespace({})
    exec(compile(src, "<shown>", "exec"), ns)                 # the printed source is the code
    x = np.linspace(0.1, 0.5, 3)
    res = ns["loss_grad"](0.7, x, None)
    t = np.tanh(0.7 * x)
    np.testing.assert_allclose(res[0], 3 * np.sum(t))
    np.testing.assert_allclose(res[1], 3 * np.sum(x * (1 - t * t)))
    np.testing.assert_allclose(res[2], 3 * 0.7 * (1 - t * t))


def _namespace(ns):
    from ad_compiler import runtime, runtime_reuse
    from ad_compiler.ir import ops
    for mod in (ops, runtime, runtime_reuse):      # the helpers generated code calls
        ns.update({k: v for k, v in vars(mod).items() if not k.startswith("_")})
    ns["np"] = np
    return ns


def test_show_errors_are_clear(tmp_path):
    (tmp_path / "model.py").write_text(MODEL)
    r = cli("show", "model.py:nope", cache=tmp_path, cwd=tmp_path)
    assert r.returncode != 0 and "defines no 'nope'" in r.stderr
    r = cli("show", "model.py", cache=tmp_path, cwd=tmp_path)
    assert r.returncode != 0 and "expected FILE:FUNCTION" in r.stderr
    r = cli("show", "model.py:loss", "--wrt", "z", cache=tmp_path, cwd=tmp_path)
    assert r.returncode != 0 and "wrt='z' is not a parameter of loss(w, x)" in r.stderr
    r = cli("show", "model.py:loss", "--scalar", "q", cache=tmp_path, cwd=tmp_path)
    assert r.returncode != 0 and "--scalar q: not a parameter of loss(w, x)" in r.stderr


def test_cache_info_and_clear(tmp_path):
    cache = tmp_path / "c"
    (tmp_path / "model.py").write_text(MODEL)
    run_child("import model\nreport(adc.grad(model.loss)(np.ones(3), np.ones(3)).tolist())",
              cache, tmp_path)
    r = cli("cache", "info", cache=cache, cwd=tmp_path)
    assert r.returncode == 0
    lines = dict(line.split(None, 1) for line in r.stdout.splitlines() if line.strip())
    assert lines["path"] == str(cache) and lines["enabled"] == "yes"
    assert int(lines["entries"]) >= 2 and int(lines["size"].split()[0]) > 0
    r = cli("cache", "clear", cache=cache, cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("removed ")
    r = cli("cache", "info", cache=cache, cwd=tmp_path)
    assert "entries    0" in r.stdout
