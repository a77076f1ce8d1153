"""SSA IR: golden text of ``str(g.ir)`` for a straight-line function, a
branch and a loop; deterministic printing; SSA well-formedness."""
import re

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.frontend.parse import parse
from ad_compiler.ir.build import build

from . import ir_examples as ex
from .corpus import CORPUS

GOLDEN_STRAIGHT = """\
def straight(x, y):                             # ir_examples.py:+0
bb0(x, y):
  z = mul x y                                   # line +1
  t1 = np.sin z                                 # line +2
  w = add t1 y                                  # line +2
  t2 = mul w 2.0                                # line +3
  out = np.sum t2                               # line +3
  return out
"""

GOLDEN_BRANCH = """\
def branch(x):                                  # ir_examples.py:+0
bb0(x):
  t1 = gt x 0.0                                 # line +1
  br t1 ? bb1() : bb2()
bb1():
  y = mul x x                                   # line +2
  jump bb3(y)
bb2():
  y_2 = neg x                                   # line +4
  jump bb3(y_2)
bb3(y_3):
  out = mul y_3 3.0                             # line +5
  return out
"""

GOLDEN_LOOP = """\
def loop(x, n):                                 # ir_examples.py:+0
bb0(x, n):
  jump bb1(0, 0.0)
bb1(i, s):                                      # loop header
  t1 = lt i n                                   # line +2
  br t1 ? bb2() : bb3(s)
bb2():
  t2 = mul s 0.9                                # line +3
  t3 = mul x i                                  # line +3
  t4 = math.sin t3                              # line +3
  t5 = mul t4 x                                 # line +3
  s_6 = add t2 t5                               # line +3
  i_7 = add i 1                                 # line +2
  jump bb1(i_7, s_6)
bb3(s_9):
  return s_9
"""


def _lines(text):
    return [ln.rstrip() for ln in text.strip("\n").splitlines()]


@pytest.mark.parametrize("fn,golden", [(ex.straight, GOLDEN_STRAIGHT), (ex.branch, GOLDEN_BRANCH),
                                       (ex.loop, GOLDEN_LOOP)], ids=["straight", "branch", "loop"])
def test_golden_ssa_text(fn, golden):
    g = adc.GradFunction(fn)
    assert _lines(ex.normalize(str(g.ir), fn)) == _lines(golden)


@pytest.mark.parametrize("fn", [ex.straight, ex.branch, ex.loop])
def test_ir_text_is_deterministic(fn):
    a = str(adc.GradFunction(fn).ir)
    b = str(adc.GradFunction(fn).ir)
    assert a == b
    raw1, raw2 = str(build(parse(fn))), str(build(parse(fn)))
    assert raw1 == raw2


def test_ir_names_come_from_source_names():
    text = str(adc.GradFunction(ex.loop).ir)
    # the loop-carried values are block parameters named after the variables
    assert re.search(r"^bb\d+\(i, s\):", text, re.M)
    assert "math.sin" in text


def test_ir_property_is_cached():
    g = adc.GradFunction(ex.straight)
    assert g.ir is g.ir


_DEF = re.compile(r"^\s+(\w+) = ", re.M)
_BLOCK = re.compile(r"^(bb\d+)\(([^)]*)\):", re.M)


def _ssa_check(text):
    names = _DEF.findall(text)
    for _, params in _BLOCK.findall(text):
        names += [p.strip() for p in params.split(",") if p.strip()]
    dup = {n for n in names if names.count(n) > 1}
    assert not dup, f"values defined more than once: {dup}\n{text}"
    labels = [lb for lb, _ in _BLOCK.findall(text)]
    assert len(labels) == len(set(labels))
    for target in re.findall(r"(?:jump|\?|:) (bb\d+)\(", text):
        assert target in labels
    assert text.count("return ") == 1


@pytest.mark.parametrize("case", [c for c in CORPUS if "mutation" not in c.tags][:60],
                         ids=lambda c: c.name)
def test_corpus_ir_is_ssa(case):
    """Every value defined once, every branch target exists, one return;
    every instruction carries its source line."""
    text = str(adc.GradFunction(case.fn, wrt=case.wrt).ir)
    _ssa_check(text)
    for line in text.splitlines()[1:]:
        if re.match(r"^\s+\w+ = ", line):
            assert "# line " in line, line
