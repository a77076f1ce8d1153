"""The plain-statement printer prints exactly what astor prints, on every
statement of every corpus gradient, and takes the common shapes itself."""
import gast
import pytest

import ad_compiler as adc
from ad_compiler.backend import emit, source_printer
from ad_compiler.backend.plain_print import plain_statement

from .corpus import CORPUS


def _parse(stmt):
    return gast.parse(stmt).body[0]


@pytest.mark.parametrize("src", [
    "t1 = x @ W1", "t5 = t4 ** 2", "h = np.tanh(t2)", "a, b = t", "result = out, W1_grad, b1",
    "return out, g", "return x", "return", "x[i] = v", "y = x[0]", "t = f(a, 1, axis=0, out=b)",
    "t = np.linalg.norm(x)", "y = 0.001", "y = 1e+300", "y = None", "y = True", "f(x)",
    "y = 12345678901234567890", "y = -x", "y = -x.real", "y = ~m", "y = not m", "y = +x",
    "y = a > 0.5", "y = a == 0.0", "y = a is None", "y = a is not None", "y = k not in d",
    "y = a <= b", "x = [None] * n", "x = []", "x = [a, 1.0, None]", "y = [a] * 4",
    "t = f(x, -2.5, axis=-1)", "y = f(-0.0)", "if t4:\n    pass", "if not t4:\n    pass",
    "while a < b:\n    pass", "for r in range(r_1, -1, -1):\n    pass",
    "for a, b in zip(x, y):\n    pass",
])
def test_plain_shapes_print_as_astor_does(src):
    node = _parse(src)
    text = plain_statement(node, "    ")
    assert text is not None, src
    assert text == source_printer._by_astor(node, "    ")


@pytest.mark.parametrize("src", [
    "y = -1.0", "y = -(-x)", "y = a < b < c", "y = f(g(x))", "y = a + b * c", "y = 'text'", "y = (a,)",
    "y = float('inf')", "y = [f(x)]", "y = [-1.0] * n", "y = -1.0 * x",
    "if t:\n    pass\nelse:\n    pass", "for a in b:\n    x = 1", "while f(g(x)):\n    pass",
    "y = x[1:2]", "y = f(*a)", "y = f(**k)", "a = b = c",
    "y = " + " + ".join(["a_long_name"] * 8),
])
def test_other_shapes_are_left_to_astor(src):
    assert plain_statement(_parse(src), "    ") is None


def test_every_corpus_statement_agrees(monkeypatch):
    seen = []

    def both(node, indent):
        text = plain_statement(node, indent)
        ref = source_printer._by_astor(node, indent)
        if text is not None:
            seen.append(text)
            assert text == ref
        return ref

    monkeypatch.setattr(source_printer, "_astor", both)
    monkeypatch.setattr(emit, "TEXT", False)        # every statement as a gast node
    for case in CORPUS:
        try:
            adc.GradFunction(case.fn, wrt=case.wrt, cache=False).source     # not the memoised grad
        except adc.ADError:
            pass
    assert len(seen) > 500
