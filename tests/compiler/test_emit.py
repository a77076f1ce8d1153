"""The emitter: golden generated source, adjoint names paired with primal
names, ``# line N:`` comments that quote the original line, generated code
in a real file (tracebacks show it), determinism."""
import inspect
import linecache
import os
import re
import subprocess
import sys
import traceback

import numpy as np
import pytest

import ad_compiler as adc

from . import ir_examples as ex
from .corpus import by_name

GOLDEN_STRAIGHT_ARRAYS = """\
def straight_grad(x, y, seed):
    # line +1: z = x * y
    z = x * y
    # line +2: w = np.sin(z) + y
    t1 = np.sin(z)
    w = add_into(0, t1, y)
    # line +3: return np.sum(w * 2.0)
    t2 = mul_into(0, w, 2.0)
    out = np.sum(t2)
    out_bar = seed_cotangent(seed, out)
    # adjoint of line +3: return np.sum(w * 2.0)
    t2_bar = unreduce(out_bar, t2)
    w_bar = t2_bar * 2.0
    # adjoint of line +2: w = np.sin(z) + y
    t1_bar = unbroadcast(w_bar, t1)
    y_bar = unbroadcast(w_bar, y)
    t3 = np.cos(z)
    z_bar = safe_mul_into(t1_bar, t3)
    # adjoint of line +1: z = x * y
    t4 = z_bar * y
    x_bar = unbroadcast(t4, x)
    t5 = z_bar * x
    y_bar_1 = unbroadcast(t5, y)
    y_bar_2 = add_into(1, y_bar, y_bar_1)
    x_grad = cast_like(x_bar, x)
    y_grad = cast_like(y_bar_2, y)
    result = out, x_grad, y_grad
    return result
"""

GOLDEN_BRANCH_SCALAR = """\
def branch_grad(x, seed):
    # line +1: if x > 0.0:
    t1 = x > 0.0
    if t1:
        # line +2: y = x * x
        y = x * x
    else:
        # line +4: y = -x
        y = -x
    # line +5: return y * 3.0
    out = y * 3.0
    out_bar = seed_cotangent(seed, out)
    # adjoint of line +5: return y * 3.0
    y_bar = out_bar * 3.0
    if t1:
        # adjoint of line +2: y = x * x
        x_bar = y_bar * x
        x_bar_1 = x_bar + x_bar
    else:
        # adjoint of line +4: y = -x
        x_bar_1 = -y_bar
    x_grad = cast_like(x_bar_1, x)
    result = out, x_grad
    return result
"""

GOLDEN_SCALAR_PRODUCT = """\
def scalar_product_grad(x, y, seed):
    # line +1: return x * y + math.exp(x)
    t1 = x * y
    t2 = math.exp(x)
    out = t1 + t2
    out_bar = seed_cotangent(seed, out)
    # adjoint of line +1: return x * y + math.exp(x)
    x_bar = out_bar * t2
    x_bar_1 = out_bar * y
    x_bar_2 = x_bar + x_bar_1
    y_bar = out_bar * x
    x_grad = cast_like(x_bar_2, x)
    y_grad = cast_like(y_bar, y)
    result = out, x_grad, y_grad
    return result
"""

A2 = (np.array([0.3, -0.4]), np.array([1.2, 0.5]))

GOLDEN = [
    (ex.straight, A2, (0, 1), GOLDEN_STRAIGHT_ARRAYS),
    (ex.branch, (1.5,), 0, GOLDEN_BRANCH_SCALAR),
    (ex.scalar_product, (0.5, 2.0), (0, 1), GOLDEN_SCALAR_PRODUCT),
]


def _compiled(fn, args, wrt):
    g = adc.GradFunction(fn, wrt=wrt)
    g(*args)
    return g


def _lines(text):
    return [ln.rstrip() for ln in text.strip("\n").splitlines()]


@pytest.mark.parametrize("fn,args,wrt,golden", GOLDEN, ids=["straight", "branch", "scalar_product"])
def test_golden_source(fn, args, wrt, golden):
    g = _compiled(fn, args, wrt)
    assert _lines(ex.normalize(g.source, fn)) == _lines(golden)


# -- names -----------------------------------------------------------------------------------

NAMING = [
    (ex.straight, A2, (0, 1)),
    (ex.straight, (0.3, 1.2), (0, 1)),
    (ex.branch, (1.5,), 0),
    (ex.branch, (np.array(1.5),), 0),
    (ex.scalar_product, (0.5, 2.0), (0, 1)),
    (ex.scalar_product, (np.array(0.5), np.array(2.0)), (0, 1)),
    (ex.loop, (0.7, 3), 0),
]


@pytest.mark.parametrize("fn,args,wrt", NAMING,
                         ids=["straight-arrays", "straight-scalars", "branch-scalar", "branch-array",
                              "scalar_product-scalars", "scalar_product-arrays", "loop"])
def test_adjoint_names_pair_with_primal_names(fn, args, wrt):
    g = _compiled(fn, args, wrt)
    src = g.source
    code = "\n".join(ln for ln in src.splitlines() if not ln.lstrip().startswith("#"))
    defined = set(re.findall(r"^\s*(\w+)\s*(?:,\s*\w+\s*)*=", code, re.M))
    defined |= set(re.findall(r"\b(\w+)\s*=", code))
    defined |= set(g.arg_names)
    # every differentiated parameter's cotangent is called <param>_bar
    params = [g.arg_names[k] for k in g.wrt]
    for p in params:
        assert re.search(rf"\b{p}_bar(_\d+)?\b", code), f"no '{p}_bar' in\n{src}"
    # every *_bar name pairs with a primal value of the same base name
    for base in set(re.findall(r"\b(\w+?)_bar(?:_\d+)?\b", code)):
        assert base in defined, f"'{base}_bar' has no primal '{base}' in\n{src}"


# -- comments ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["a_mlp_loss", "c_if_elif_else", "c_for_range", "c_rnn",
                                  "k_helper_control", "s_aug_assign"])
def test_line_comments_quote_the_original_line(name):
    case = by_name(name)
    g = adc.GradFunction(case.fn, wrt=case.wrt)
    g(*case.args()[0])
    comments = re.findall(r"^\s*# (?:adjoint of )?line (\d+): (.*)$", g.source, re.M)
    assert comments, g.source
    assert re.search(r"^\s*# adjoint of line \d+: ", g.source, re.M), g.source
    for lineno, text in comments:
        files = [case.fn.__code__.co_filename]
        here = [linecache.getline(f, int(lineno)).strip() for f in files]
        assert text.strip() in here, f"comment 'line {lineno}: {text}' vs file line {here}"


def test_every_adjoint_block_carries_a_comment():
    g = _compiled(ex.branch, (1.5,), 0)
    src = g.source
    # every arm, forward and mirrored, starts with the comment of its primal line
    arms = re.findall(r"^\s+(?:if t1:|else:)\n(\s+)(.*)$", src, re.M)
    assert [a[1].split(":")[0] for a in arms] == [
        f"# line {ex.branch.__code__.co_firstlineno + k}" for k in (2, 4)] + [
        f"# adjoint of line {ex.branch.__code__.co_firstlineno + k}" for k in (2, 4)], src


# -- a real file ------------------------------------------------------------------------------

def test_generated_code_lives_in_a_real_file_shown_by_tracebacks():
    g = adc.GradFunction(ex.straight, wrt=(0, 1))
    with pytest.raises(ValueError) as info:
        g(np.ones(2), np.ones(3))               # x * y cannot broadcast: fails inside
    frames = traceback.extract_tb(info.value.__traceback__)
    generated = [fr for fr in frames if os.path.basename(fr.filename).startswith("straight_grad")]
    assert generated, [fr.filename for fr in frames]
    fr = generated[-1]
    assert fr.filename.endswith(".py") and os.path.isfile(fr.filename)
    assert fr.line.strip() == "z = x * y"
    with open(fr.filename) as fh:
        assert fh.read() == g.source
    text = "".join(traceback.format_exception(info.value))
    assert fr.filename in text and "z = x * y" in text
    # inspect finds the file too, from the code object that ran
    tb = info.value.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != fr.filename:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    assert code.co_name == "straight_grad"
    assert os.path.samefile(inspect.getsourcefile(code), fr.filename)
    assert inspect.getsource(code).rstrip() == g.source.rstrip()


def test_generated_source_compiles_standalone():
    for fn, args, wrt, _ in GOLDEN:
        g = _compiled(fn, args, wrt)
        compile(g.source, "<generated>", "exec")


# -- determinism ------------------------------------------------------------------------------

def test_generation_is_deterministic_in_process():
    for fn, args, wrt, _ in GOLDEN + [(ex.loop, (0.7, 3), 0, None)]:
        assert _compiled(fn, args, wrt).source == _compiled(fn, args, wrt).source


_CHILD = """
import sys, numpy as np
sys.path.insert(0, {tests!r})
sys.path.insert(0, {root!r})
import ad_compiler as adc
from compiler import ir_examples as ex
g = adc.grad(ex.loop)
g(0.7, 3)
h = adc.grad(ex.straight, wrt=(0, 1))
h(np.ones(2), np.ones(2))
sys.stdout.write(g.source + "=====" + h.source + "=====" + str(h.ir))
"""


def test_generation_is_deterministic_across_processes(tmp_path):
    tests = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    root = os.path.dirname(tests)
    script = _CHILD.format(tests=tests, root=root)
    outs = []
    for hashseed in ("1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=hashseed, AD_COMPILER_CACHE_DIR=str(tmp_path / hashseed))
        r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                           timeout=120)
        assert r.returncode == 0, r.stderr
        outs.append(r.stdout)
    assert outs[0] == outs[1]
    g = adc.GradFunction(ex.loop)
    g(0.7, 3)
    h = adc.GradFunction(ex.straight, wrt=(0, 1))
    h(np.ones(2), np.ones(2))
    assert outs[0] == g.source + "=====" + h.source + "=====" + str(h.ir)
