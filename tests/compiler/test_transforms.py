"""Simplification (DCE, CSE, constant folding), activity analysis and loop
stacks, asserted on the IR text and the generated source."""
import re

import numpy as np
import pytest

import ad_compiler as adc

from . import transform_examples as ex
from .fd import assert_close, numerical_grad


def _fresh(fn, wrt=0):
    return adc.GradFunction(fn, wrt=wrt)


def _source(fn, *args, wrt=0):
    """The gradient object, its generated source WITHOUT comment lines (the
    ``# line N: ...`` comments quote the original code), and the gradients."""
    g = _fresh(fn, wrt)
    grads = g(*args)
    code = "\n".join(ln for ln in g.source.splitlines() if not ln.lstrip().startswith("#"))
    return g, code, grads


def _names(source):
    return set(re.findall(r"\b[A-Za-z_]\w*\b", source))


def _stacks(source):
    return set(re.findall(r"\b(\w+_(?:stack|tape))\b", source))


def _check_fd(fn, args, grads, wrt=(0,)):
    grads = grads if isinstance(grads, tuple) else (grads,)
    for k, gk in zip(wrt, grads):
        assert_close(gk, numerical_grad(fn, args, k))


# -- DCE ----------------------------------------------------------------------------------

def test_dce_removes_unused_code():
    g, src, gx = _source(ex.dead_code, 0.5)
    ir = str(g.ir)
    assert "np.exp" not in ir and "np.cosh" not in ir
    assert "unused" not in ir
    assert "exp" not in src and "cosh" not in src and "unused" not in src
    assert "np.sin(x)" in src
    assert gx == pytest.approx(np.cos(0.5))


# -- CSE ----------------------------------------------------------------------------------

def test_cse_merges_repeated_calls():
    g, src, gx = _source(ex.repeated, 0.5)
    assert str(g.ir).count("np.sin") == 1
    assert src.count("np.sin(") == 1
    assert src.count("np.cos(") == 1            # the adjoint's cos(x) is shared too
    _check_fd(ex.repeated, (0.5,), gx)


def test_cse_merges_repeated_arithmetic():
    g, src, grads = _source(ex.repeated_scalar, 0.5, 2.0, wrt=(0, 1))
    ir = str(g.ir)
    assert ir.count("mul x y") == 1
    assert ir.count("add ") == 1
    assert src.count("x * y") == 1
    _check_fd(ex.repeated_scalar, (0.5, 2.0), grads, wrt=(0, 1))


# -- constant folding -----------------------------------------------------------------------

def test_constant_folding():
    g, src, gx = _source(ex.folding, 0.5)
    ir = str(g.ir).split("\n", 1)[1]        # (the header names the file: its path may say "len")
    assert "sqrt" not in ir and "len" not in ir
    assert "mul x 8.0" in ir
    assert "sqrt" not in src and "len(" not in src and "2.0 * 3.0" not in src
    assert gx == pytest.approx(8.0)


def test_branch_on_a_constant_is_folded():
    g, src, gx = _source(ex.folded_branch, 0.5)
    assert "tanh" not in str(g.ir) and "br " not in str(g.ir)
    assert "tanh" not in src and "if " not in src
    assert gx == pytest.approx(5.0)


# -- activity -------------------------------------------------------------------------------

def test_no_adjoint_for_values_independent_of_wrt():
    x, y = np.array([0.1, 0.2, 0.3]), np.array([0.5, -0.4, 1.0])
    g, src, gx = _source(ex.inactive, x, y, wrt=0)
    names = _names(src)
    # y and a = sin(y) * 3 do not depend on x: no cotangent code for them
    assert "y_bar" not in names and "a_bar" not in names and "t1_bar" not in names
    assert "np.cos" not in src
    # n = len(x) is an integer: no cotangent either
    assert "n_bar" not in names
    # c = tanh(x) does not reach the output: neither primal nor adjoint code
    assert "tanh" not in src and "c_bar" not in names
    assert "x_bar" in names and "b_bar" in names
    _check_fd(ex.inactive, (x, y), gx)


def test_no_adjoint_for_values_reaching_only_a_condition():
    g, src, gx = _source(ex.inactive_condition, 0.5)
    assert src.count("np.tanh(") == 1            # the forward pass only
    assert "t1_bar" not in _names(src) and "t2_bar" not in _names(src)
    assert gx == pytest.approx(2.0)
    assert _fresh(ex.inactive_condition)(-0.5) == pytest.approx(3.0)


def test_inactive_wrt_gives_zero_gradient():
    x, y = np.array([0.1, 0.2, 0.3]), np.array([0.5, -0.4, 1.0])
    g = _fresh(ex.inactive, wrt=(0, 1))
    gx, gy = g(x, y)
    _check_fd(ex.inactive, (x, y), (gx, gy), wrt=(0, 1))
    assert "np.cos" in g.source                  # now y is active


# -- loop stacks ---------------------------------------------------------------------------

def test_loop_stacks_only_what_the_adjoint_reads():
    """s = s*0.9 + sin(x*i)*x: the adjoint reads sin(x*i) and x*i, never s,
    s*0.9 or the sum; a tape entry is cheaper than a sin (the cost model), so
    sin(x*i) alone is stored, and x*i is recomputed from the counter."""
    g, src, gx = _source(ex.loop_stack, 0.7, 4)
    assert _stacks(src) == {"t3_tape"}, src
    back = src.split("for r_")[1]
    assert "t3_1 = t3_tape[r_1]" in back and "math.cos(" in back
    assert re.search(r"= x \* r_1$", back, re.M)
    _check_fd(ex.loop_stack, (0.7, 4), gx)


def test_loop_stacks_the_carried_value_when_read():
    g, src, gx = _source(ex.loop_needs_s, 0.7, 4)
    assert "s_tape" in _stacks(src)
    assert gx == pytest.approx(4 * 0.7 ** 3)


def test_linear_loop_needs_no_stack():
    g, src, gx = _source(ex.loop_linear, 0.7, 4)
    assert _stacks(src) == set()
    assert gx == pytest.approx(8.0)


def test_loop_inactive_work_gets_no_adjoint():
    g, src, gx = _source(ex.loop_inactive_work, 0.7, 4)
    names = _names(src)
    assert _stacks(src) == set()
    assert src.count("math.cos(") == 1           # forward only
    assert not any(n.startswith("k_") and "bar" in n for n in names)
    assert "k_bar" not in names
    assert gx == pytest.approx(8.0)
