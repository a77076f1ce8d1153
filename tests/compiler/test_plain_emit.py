"""Plain statements made as text (backend/plain_emit.py) are exactly what the
gast path prints: every corpus gradient, the random control-flow programs,
forward mode, second derivatives and Numba's variant emit the same source
with the text path on and off."""
import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.backend import emit, plain_emit
from ad_compiler.forward_api import JvpFunction

from . import control_fuzz
from .corpus import CORPUS


def _both(make):
    """The source ``make()`` gives with text lines, and through gast only,
    and how many lines the text path made."""
    made = []
    real = plain_emit.Line.name

    def counted(line, names):
        made.append(line)
        return real(line, names)

    plain_emit.Line.name = counted
    try:
        emit.TEXT = True
        fast = make()
    finally:
        plain_emit.Line.name = real
    try:
        emit.TEXT = False
        slow = make()
    finally:
        emit.TEXT = True
    return fast, slow, len(made)


def _grad_source(fn, wrt, **kw):
    return lambda: adc.GradFunction(fn, wrt=wrt, cache=False, **kw).source


def test_every_corpus_gradient_is_printed_alike():
    lines = 0
    for case in CORPUS:
        try:
            fast, slow, n = _both(_grad_source(case.fn, case.wrt))
        except adc.ADError:
            continue
        assert fast == slow, case.name
        lines += n
    assert lines > 3000          # the text path makes most lines


def test_random_control_flow_programs_are_printed_alike(tmp_path):
    for seed in range(40):
        f = control_fuzz.load(seed, str(tmp_path))
        try:
            fast, slow, _ = _both(_grad_source(f, (0,)))
        except adc.ADError:
            continue
        assert fast == slow, control_fuzz.source(seed)


def test_forward_mode_and_second_derivatives_are_printed_alike():
    def f(x, w):
        s = 0.0
        for i in range(x.shape[0]):
            if x[i] > 0.2:
                s = s + np.sin(x[i] * w[i]) ** 2
            else:
                s = s - x[i] * 3.0
        return s + np.sum(x * w, axis=-1)

    x, w = np.linspace(-0.5, 0.9, 5), np.linspace(0.1, 0.7, 5)

    def second():
        h = adc.grad(adc.grad(f, cache=False), cache=False)
        h(x, w, seed=np.ones_like(x))
        return h.source

    fast, slow, n = _both(second)
    assert fast == slow and n > 50

    def tangents():
        j = JvpFunction(f, wrt=(0,), cache=False)
        j.call((x, w), (np.ones_like(x),))
        return j.source

    fast, slow, n = _both(tangents)
    assert fast == slow and n > 20


def test_numba_variant_is_printed_alike():
    def f(x, n):
        s = 0.0
        t = 0.0
        for i in range(n):
            if s > 1.0:
                t = s * 0.5
            s = s + np.sin(x * i) + t
        return s

    from ad_compiler.backend import numba_backend
    emitted = []
    real = numba_backend.emit_function

    def recorded(*a, **kw):
        out = real(*a, **kw)
        emitted.append(out.source)
        return out

    def make():
        del emitted[:]
        adc.GradFunction(f, wrt=(0,), cache=False, backend="numba")(0.3, 5)
        return emitted[-1]

    numba_backend.emit_function = recorded
    try:
        fast, slow, n = _both(make)
    finally:
        numba_backend.emit_function = real
    assert fast == slow and n > 10 and "def f_grad" in fast


@pytest.mark.parametrize("fn_src, expect", [
    # a line longer than astor keeps on one line: astor's wrapped text, from the parsed line
    ("def f(a_rather_long_parameter_name, another_rather_long_parameter_name):\n"
     "    return np.sum(np.maximum(a_rather_long_parameter_name, another_rather_long_parameter_name) "
     "* a_rather_long_parameter_name)\n", "np.maximum("),
    # negative numbers as arguments, -0.0, inf, keywords, methods
    ("def f(x):\n    return np.sum(np.clip(x, -1.5, np.inf) * -0.0) + x.sum(axis=-1) "
     "+ np.sum(np.roll(x, -2))\n", "np.roll("),
])
def test_awkward_operands_are_printed_alike(tmp_path, fn_src, expect):
    path = tmp_path / "awkward_module.py"
    path.write_text("import numpy as np\n\n" + fn_src)
    import importlib.util
    spec = importlib.util.spec_from_file_location("awkward_module", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    fast, slow, n = _both(_grad_source(mod.f, (0,)))
    assert fast == slow and expect in fast and n > 0
