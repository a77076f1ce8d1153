"""DOT pictures of the compiler's SSA graph (ad_compiler.ir.dot)."""
import shutil
import sys

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.ir.dot import back_edges, draw, render, to_dot


def straight(x, y):
    z = x * y + np.sin(x)
    return np.sum(z ** 2)


def branch(x):
    if x > 0:
        y = x * x
    else:
        y = -x
    return y + 1.0


def loop(x, n):
    s = 0.0
    for i in range(n):
        if s > 1.0:
            s = s * x
        else:
            s = s + x * i
    return s


def strings(x, key="a|b"):
    return x * 2.0


def _nodes(text):
    return [ln.split()[0] for ln in text.splitlines() if " [label=\"{" in ln]


def _edges(text):
    return [ln.strip() for ln in text.splitlines() if " -> " in ln]


def test_straight_line_function_is_one_record():
    text = to_dot(adc.grad(straight).ir)
    assert text.startswith('digraph "straight" {\n')
    assert text.endswith("}\n")
    assert 'graph [label="straight(x, y)" labelloc=t' in text
    assert "shape=record" in text
    assert _nodes(text) == ["bb0"]
    assert _edges(text) == []
    assert ('\tbb0 [label="{bb0(x, y)\\l|t1 = mul x y\\lt2 = np.sin x\\lz = add t1 t2\\l'
            't3 = pow z 2\\lout = np.sum t3\\l|return out\\l}" fillcolor=lightblue]') in text
    assert to_dot(adc.grad(straight).ir, title="loss").count('label="loss"') == 1


def test_branch_edges_say_true_false_and_pass_block_arguments():
    g = adc.grad(branch).ir
    text = to_dot(g)
    assert _nodes(text) == ["bb0", "bb1", "bb2", "bb3"]
    assert _edges(text) == [
        'bb0 -> bb1 [label="true\\l"]',
        'bb0 -> bb2 [label="false\\l"]',
        'bb1 -> bb3 [label="y_3 := y\\l"]',
        'bb2 -> bb3 [label="y_3 := y_2\\l"]',
    ]
    assert "br t1 ? bb1() : bb2()\\l" in text
    assert "dashed" not in text and back_edges(g) == set()
    assert 'bb3 [label="{bb3(y_3)\\l|out = add y_3 1.0\\l|return out\\l}" ' \
           'fillcolor=darkolivegreen1]' in text


def test_loop_back_edge_is_dashed_and_header_marked():
    g = adc.grad(loop).ir
    text = to_dot(g)
    assert back_edges(g) == {("bb5", "bb1")}
    dashed = [e for e in _edges(text) if "dashed" in e]
    assert dashed == ['bb5 -> bb1 [label="i := i_7\\ls := s_6\\l" style=dashed color=blue '
                      'constraint=false]']
    assert "bb1(i, s)   loop header\\l" in text and "fillcolor=lightyellow" in text
    assert 'bb0 -> bb1 [label="i := 0\\ls := 0.0\\l"]' in text
    assert 'bb1 -> bb6 [label="false\\ls_9 := s\\l"]' in text
    lineno = loop.__code__.co_firstlineno + 4                  # s = s * x
    assert "# line" not in text
    assert f"s_3 = mul s x    # line {lineno}" in to_dot(g, lines=True)


def test_joint_graph_shows_both_loops_and_the_stacks():
    g = adc.grad(loop)
    g(0.5, 3)
    text = to_dot(g.joint_ir)
    assert len([e for e in _edges(text) if "dashed" in e]) == 2     # forward and adjoint loop
    assert "tape_store s_tape i s" in text and "tape_load s_tape r_1" in text   # short names
    assert "ad_compiler.ir.ops." not in text


def test_record_special_characters_are_escaped():
    text = to_dot(adc.grad(strings).ir, title='say "hi" {x|y}')
    assert 'label="say \\"hi\\" {x|y}"' in text
    for ln in text.splitlines():
        if "[label=\"{" in ln:
            body = ln.split('label="{', 1)[1].rsplit('}"', 1)[0]
            # every field separator and brace inside a field is escaped
            unescaped = [c for k, c in enumerate(body) if c in "{}<>" and body[k - 1] != "\\"]
            assert unescaped == [], ln


def test_draw_takes_a_compiled_gradient():
    g = adc.grad(loop)
    assert draw(g) == to_dot(g.ir) == draw(g.ir)
    assert draw(g, joint=True) == to_dot(g.joint_ir)
    assert "seed" in draw(g, joint=True, title="adjoint") and 'label="adjoint"' in draw(
        g, joint=True, title="adjoint")


def test_output_is_deterministic():
    a = to_dot(adc.grad(loop).ir)
    b = to_dot(adc.grad(loop, wrt=(0,)).ir)
    assert a == b == to_dot(adc.grad(loop).ir)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
@pytest.mark.parametrize("fn", [straight, branch, loop, strings])
def test_graphviz_parses_it(fn, tmp_path):
    graphviz = pytest.importorskip("graphviz")
    text = to_dot(adc.grad(fn).ir, title='t "q" <x>')
    svg = graphviz.Source(text).pipe(format="svg").decode()
    assert "<svg" in svg and "bb0" in svg
    assert render(text, tmp_path / "g.svg").endswith("g.svg")
    assert render(text, format="svg").lstrip().startswith(b"<?xml")


def test_render_says_what_to_install(monkeypatch):
    text = to_dot(adc.grad(branch).ir)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        render(text)
    monkeypatch.setitem(sys.modules, "graphviz", None)
    with pytest.raises(ImportError, match="pip install graphviz"):
        render(text)
