"""The pipeline as data (ad_compiler/pipeline.py) and what it returns
(ad_compiler/compiled.py): the pass list, debug-mode verification after
every pass over the whole corpus, a graph fed back in, the result layout."""
import dataclasses
import pathlib
import re

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler import pipeline
from ad_compiler.api import GradFunction
from ad_compiler.compiled import Arguments, CompiledFunction, Origin, Request, ResultLayout
from ad_compiler.ir.verify import IRVerifyError

from .corpus import CORPUS
from .fd import assert_close, numerical_grad


def test_the_pipeline_lists_its_passes_in_order():
    assert [p.name for p in pipeline.BUILD] == ["dead_raises", "simplify"]
    assert [p.name for p in pipeline.passes("rev")] == [
        "split_aux", "iteration", "activity", "reverse", "specialise", "same_shape",
        "reduce_first", "simplify", "twice", "contract",
        "accumulate", "stack_shapes", "dce", "reuse"]
    with pytest.raises(ValueError, match="unknown mode 'sideways'"):
        pipeline.passes("sideways")


def test_docs_page_lists_the_passes():
    page = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "pipeline.md").read_text()
    for mode in pipeline.DIFFERENTIATE:
        assert pipeline.describe(mode) in page, \
            f"docs/pipeline.md: paste pipeline.describe({mode!r}) in again"


def loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + np.sin(x * i)
    return np.sum(s)


def _drop_entry_params(g, job):
    """A broken pass: the entry block loses its parameters, so their uses
    are undefined."""
    entry = dataclasses.replace(g.blocks[0], params=())
    return dataclasses.replace(g, blocks=(entry,) + g.blocks[1:])


def test_debug_mode_verifies_after_every_pass(monkeypatch):
    g = adc.grad(loop).ir
    broken = (pipeline.Pass("drop_params", _drop_entry_params),)
    assert pipeline.run_passes(g, broken, None, debug=False) is not g   # not checked: runs on
    with pytest.raises(IRVerifyError, match="undefined"):
        pipeline.run_passes(g, broken, None, debug=True)
    monkeypatch.setenv("AD_COMPILER_DEBUG", "1")
    with pytest.raises(IRVerifyError, match="undefined"):
        pipeline.run_passes(g, broken, None)
    monkeypatch.setenv("AD_COMPILER_DEBUG", "0")
    pipeline.run_passes(g, broken, None)


def _ids_masked(source):
    """``source`` with the names the SSA builder still derives from ``id()``
    (``f"_listcomp{id(node)}"`` in ir/build_expr.py: a comprehension's
    state) made equal; they differ between two builds of one function."""
    return re.sub(r"\d{9,}", "<id>", source)


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_corpus_in_debug_mode(case, monkeypatch):
    """Every corpus function compiled with the graph verified after every
    pass: the same code and gradients as without."""
    checked = []
    real_verify = pipeline.verify
    monkeypatch.setattr(pipeline, "verify", lambda g: checked.append(g.name) or real_verify(g))
    monkeypatch.setenv("AD_COMPILER_DEBUG", "1")
    fresh = GradFunction(case.fn, wrt=case.wrt)        # not the memoised adc.grad(...)
    args = case.args()[0]
    grads = fresh(*args)
    assert len(checked) >= 1 + len(pipeline.BUILD) + len(pipeline.passes("rev"))
    monkeypatch.delenv("AD_COMPILER_DEBUG")
    usual = adc.grad(case.fn, wrt=case.wrt)
    for got, want in zip(grads, usual(*args)):
        np.testing.assert_array_equal(got, want)
    assert _ids_masked(fresh.source) == _ids_masked(usual.source)
    assert_close(grads[0], numerical_grad(case.fn, args, case.wrt[0]), what=case.name)


def value_aux(x, y):
    return np.sum(x * y), x.shape


def test_the_compiled_function_records_the_result_layout():
    g = adc.value_and_grad(value_aux, wrt=(1, 0), has_aux=True)
    x, y = np.arange(3.0), np.ones(3)
    (value, aux), (gy, gx) = g(x, y)
    compiled = g._last
    assert isinstance(compiled, CompiledFunction)
    assert compiled.arguments == Arguments(("a1", "a1"), n_bound=0, n_passed=2)
    layout = compiled.layout
    assert (layout.params, layout.has_aux, layout.single, layout.return_value) == \
        ((1, 0), True, False, True)
    assert (layout.first_grad, layout.n_results) == (2, 4)
    res = compiled.fn(x, y, None)
    assert len(res) == layout.n_results
    assert layout.arrange(res, 2) == ((res[0], res[1]), (res[2], res[3]))
    np.testing.assert_array_equal(gy, x)
    np.testing.assert_array_equal(gx, y)
    assert value == 3.0 and aux == (3,)
    with pytest.raises(dataclasses.FrozenInstanceError):
        compiled.python_source = ""


def star(x, *xs):
    return x * sum(xs)


def test_the_layout_picks_items_of_star_args():
    g = adc.grad(star, wrt=(2, 0))
    assert g(1.0, 2.0, 3.0) == (1.0, 5.0)
    layout = g._last.layout
    assert layout.params == (1, 0) and layout.picks == ((0, 1), (1, None))
    assert g._last.arguments.n_passed == 2              # x and the *xs tuple


def test_compile_graph_takes_a_built_graph():
    """The pipeline's input is a graph, not a function: here the primal graph
    of a GradFunction, compiled again from outside it."""
    g = adc.grad(loop)
    expected = g(0.5, 4)
    request = Request("rev", Arguments(("s", "s"), 0, 2), ResultLayout((0,)), "python",
                      Origin("loop", __file__, 0), ("x", "n"))
    compiled = pipeline.compile_graph(g.ir, request, debug=True)
    assert compiled.source == g.source
    assert compiled.layout.arrange(compiled.fn(0.5, 4, None), 2) == expected
