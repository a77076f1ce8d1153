"""DOT pictures of the grad_fn graph (tape.draw) and rendering (tape.render)."""
import shutil
import sys

import pytest

from ad_compiler import tape


def seed_000_graph():
    x = tape.ones(2, 2, requires_grad=True)
    res = ((x + 3) ** 2).mean()
    return x, res


EXPECTED = """\
digraph {
\tgraph [size="12,12"]
\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]
\tn0 [label="res\\n()" fillcolor=darkolivegreen1]
\tn1 [label=MeanBackward0 fillcolor=lightgray]
\tn1 -> n0
\tn2 [label=PowBackward0 fillcolor=lightgray]
\tn2 -> n1
\tn3 [label=AddBackward0 fillcolor=lightgray]
\tn3 -> n2
\tn4 [label="x\\n(2, 2)" fillcolor=lightblue]
\tn4 -> n3
}
"""


def test_draw_gives_dot_text_with_one_node_per_grad_fn():
    x, res = seed_000_graph()
    assert tape.draw(res, params={"x": x, "res": res}) == EXPECTED


def test_draw_is_deterministic_and_shares_nodes():
    a = tape.tensor([2.0, 3.0], requires_grad=True)
    b = tape.tensor([6.0, 4.0], requires_grad=True)
    Q = 3 * a ** 3 - b ** 2
    text = tape.draw(Q)
    assert text == tape.draw(Q)
    assert text.count("AccumulateGrad\\n(2,)") == 2
    assert text.count("MulBackward0") == 1 and text.count("PowBackward0") == 2
    assert text.count("SubBackward0") == 1
    y = a * a                                   # the same leaf used twice: one box, two edges
    text = tape.draw(y)
    assert text.count("lightblue") == 1 and text.count("n2 -> n1") == 2
    assert tape.make_dot is tape.draw


def test_draw_of_a_leaf_and_of_a_constant():
    x = tape.tensor([1.0], requires_grad=True)
    assert "AccumulateGrad" in tape.draw(x)
    assert "->" not in tape.draw(tape.tensor([1.0]))


def test_render_without_dot_says_what_to_install(monkeypatch):
    _, res = seed_000_graph()
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        tape.render(res, format="svg")


def test_render_without_the_python_package(monkeypatch):
    _, res = seed_000_graph()
    monkeypatch.setitem(sys.modules, "graphviz", None)
    with pytest.raises(ImportError, match="pip install graphviz"):
        tape.render(res)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_render_svg_and_png(tmp_path):
    pytest.importorskip("graphviz")
    x, res = seed_000_graph()
    path = tape.render(res, path=tmp_path / "graph", format="svg", params={"x": x})
    assert path.endswith("graph.svg")
    assert "MeanBackward0" in open(path).read()
    png = tape.render(tape.draw(res), path=tmp_path / "graph.png")
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    assert tape.render(res, format="svg").lstrip().startswith(b"<?xml")
