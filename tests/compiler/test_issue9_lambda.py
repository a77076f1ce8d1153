"""Issue 9, lambdas: ``grad(lambda x: ...)`` and lambdas inside a
differentiated function, as users of other AD libraries write them.

Every case checks the value against running the lambda itself and the
gradient against central finite differences (tests/compiler/fd.py).
"""
import importlib.util
import linecache
import sys
import textwrap

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.frontend.lambdas import lambda_source, matching_lambdas

from .fd import assert_close, numerical_grad

X = np.array([0.5, -1.25, 2.0])


def _check(fn, args, wrt=0, seed=None):
    """value == fn(*args); gradient == finite differences."""
    value, grad = adc.value_and_grad(fn, wrt=wrt)(*args, **({"seed": seed} if seed is not None else {}))
    assert_close(value, fn(*args), what="value")
    assert_close(grad, numerical_grad(fn, args, wrt, seed=seed), what="gradient")
    return grad


# -- grad of a lambda ----------------------------------------------------------------------
def test_grad_of_a_lambda():
    g = _check(lambda x: np.sum(x ** 2 * np.sin(x)), (X,))
    assert isinstance(g, np.ndarray) and g.shape == X.shape
    assert adc.grad(lambda x: x * x)(3.0) == pytest.approx(6.0)


def test_several_lambdas_on_one_line_are_told_apart():
    f, g, h = lambda x: x * x * x, lambda x: np.sin(x) + x, lambda x, k=4.0: k * x  # noqa: E731
    assert adc.grad(f)(2.0) == pytest.approx(12.0)
    assert adc.grad(g)(2.0) == pytest.approx(np.cos(2.0) + 1.0)
    assert adc.grad(h)(2.0) == pytest.approx(4.0)
    for fn in (f, g, h):
        _check(fn, (0.7,))


def test_identical_lambdas_on_one_line():
    a, b = (lambda x: x * 3.0), (lambda x: x * 3.0)  # noqa: E731
    assert adc.grad(a)(1.0) == adc.grad(b)(1.0) == pytest.approx(3.0)


def test_lambda_with_defaults_and_closure():
    c = 2.5

    def make(k):
        return lambda x, p=3.0: k * x ** p + c
    f = make(1.5)
    _check(f, (1.2,))
    assert adc.grad(f)(1.2) == pytest.approx(1.5 * 3.0 * 1.2 ** 2)
    assert adc.grad(f, wrt="p")(1.2, 2.0) == pytest.approx(1.5 * 1.2 ** 2 * np.log(1.2))


def test_lambdas_from_a_comprehension_bind_late_as_python_does():
    fs = [lambda x: x * i for i in range(3)]
    assert [adc.grad(f)(1.0) for f in fs] == [2.0, 2.0, 2.0]
    gs = [lambda x, i=i: x * i for i in range(3)]
    assert [adc.grad(f)(1.0) for f in gs] == [0.0, 1.0, 2.0]


def _apply_grad(fn, *args):
    return adc.grad(fn)(*args)


def test_lambdas_nested_in_calls():
    assert_close(_apply_grad(lambda x: np.sum(x ** 2), X), 2 * X)
    assert adc.grad(lambda x, y: x * y, wrt=1)(2.0, 5.0) == pytest.approx(2.0)
    adc.check_grads(lambda x: np.sum(np.tanh(x) * x), X)
    adc.check_grads(lambda x, y: np.sum(x * y ** 2), X, 2 * X, wrt=(0, 1))


def test_multiline_lambda():
    f = (lambda x:
         np.sum(x * x)
         + np.sum(np.cos(x)))
    _check(f, (X,))


def test_lambda_with_star_args():
    f = lambda *a: a[0] * a[1] ** 2  # noqa: E731
    assert adc.grad(f, wrt=1)(3.0, 2.0) == pytest.approx(12.0)
    assert adc.grad(f, wrt=(0, 1))(3.0, 2.0) == pytest.approx((4.0, 12.0))


def test_lambda_in_a_notebook_cell():
    """IPython keeps a cell's source in linecache under a pseudo file name."""
    name = "<ipython-input-7-0123456789ab>"
    src = "import numpy as np\nf = lambda x: np.sum(x ** 3)\n"
    linecache.cache[name] = (len(src), None, src.splitlines(True), name)
    try:
        ns = {}
        exec(compile(src, name, "exec"), ns)
        assert_close(adc.grad(ns["f"])(X), 3 * X ** 2)
    finally:
        linecache.cache.pop(name, None)


def test_edited_file_is_source_unavailable_not_a_guess(tmp_path):
    path = tmp_path / "edited_lambda_mod.py"
    path.write_text("f = lambda x: x * 2.0\n")
    spec = importlib.util.spec_from_file_location("edited_lambda_mod", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    path.write_text("f = lambda x: x * 5.0\n")      # the file changes after the import
    linecache.checkcache(str(path))
    with pytest.raises(adc.SourceUnavailableError) as info:
        adc.grad(mod.f)
    assert "no lambda on that line of the file compiles to this function's code" in str(info.value)
    assert info.value.lineno == 1
    sys.modules.pop("edited_lambda_mod", None)


class _NoPositions:
    """A code object as Python 3.10 shows it (no co_positions)."""

    def __init__(self, code):
        self._code = code

    def __getattr__(self, name):
        if name == "co_positions":
            raise AttributeError(name)
        return getattr(self._code, name)


def test_matching_by_code_object_alone_as_on_python_3_10():
    text = "import numpy as np\na, b = lambda x: np.sin(x) * 2.0, lambda x: np.sin(x) + 2.0\n"
    ns = {}
    exec(compile(text, "<m>", "exec"), ns)
    for fn, body in ((ns["a"], "np.sin(x) * 2.0"), (ns["b"], "np.sin(x) + 2.0")):
        found = matching_lambdas(_NoPositions(fn.__code__), text)
        assert len(found) == 1
        seg = text.splitlines()[1][found[0].col_offset:found[0].end_col_offset]
        assert seg == f"lambda x: {body}"


def test_matching_a_lambda_with_free_variables():
    text = textwrap.dedent("""\
        def outer(c):
            return (lambda x: x * c), (lambda x: x + c)
        """)
    ns = {}
    exec(compile(text, "<m2>", "exec"), ns)
    first, second = ns["outer"](2.0)
    found = matching_lambdas(_NoPositions(second.__code__), text)
    assert len(found) == 1 and found[0].body.op.__class__.__name__ == "Add"


def test_lambda_source_lines_and_name():
    f = lambda x: x * 2.0  # noqa: E731
    node, filename, lineno, lines = lambda_source(f)
    assert lineno == f.__code__.co_firstlineno and node.name == f"lambda_{lineno}"
    assert "lambda x: x * 2.0" in lines[0]


# -- lambdas inside a differentiated function ------------------------------------------
def uses_local_lambda(x):
    h = lambda t: t * t  # noqa: E731
    return h(x) + (lambda t: np.sin(t))(x)


def _twice(fn, v):
    return fn(v) * 2.0


def passes_lambda_to_helper(x):
    c = 3.0
    return _twice(lambda t: c * t * x, x)


def passes_function_to_helper(x):
    return _twice(np.sin, x) + _twice(uses_local_lambda, x)


def late_binding_and_default(x):
    k = 2.0
    h = lambda t, m=k: m * t + k * t  # noqa: E731  (m is bound now, k at the call)
    k = 5.0
    return h(x)


def sums_a_map(x):
    return sum(map(lambda t: t * t, [x, 2.0 * x])) + np.sum(
        np.array(list(map(lambda a, b: a * b, [x, x], [1.0, 3.0]))))


def _factory(c):
    k = c * 2.0
    h = lambda t: k * t * c  # noqa: E731
    k = k + 1.0
    return h


def calls_a_factory_lambda(x):
    return _factory(x)(3.0)


def nested_lambdas(x):
    return (lambda a: (lambda b: a * b)(a + 1.0))(x)


@pytest.mark.parametrize("fn", [uses_local_lambda, passes_lambda_to_helper,
                                passes_function_to_helper, late_binding_and_default,
                                sums_a_map, calls_a_factory_lambda, nested_lambdas])
def test_lambdas_inside_f(fn):
    _check(fn, (0.8,))


def test_late_binding_values():
    assert adc.grad(late_binding_and_default)(1.0) == pytest.approx(2.0 + 5.0)
    assert adc.grad(calls_a_factory_lambda)(2.0) == pytest.approx(27.0)


def stores_a_lambda(x):
    fs = [lambda t: t * 2.0]
    return x * 2.0 + len(fs)


def test_a_lambda_used_as_data_is_a_clear_error():
    with pytest.raises(adc.ADError) as info:
        adc.grad(stores_a_lambda)(1.0)
    assert "a lambda defined in the differentiated function can only be called" in str(info.value)
    assert "fs = [lambda t: t * 2.0]" in str(info.value)


def lambda_with_unknown_name(x):
    return (lambda t: t * not_defined_anywhere)(x)  # noqa: F821


def test_error_inside_a_lambda_names_the_line():
    with pytest.raises(adc.ADError) as info:
        adc.grad(lambda_with_unknown_name)(1.0)
    text = str(info.value)
    assert "name 'not_defined_anywhere' is not defined" in text
    assert text.startswith("<lambda> (") and "return (lambda t: t * not_defined_anywhere)(x)" in text


def test_lambda_inside_f_on_the_tape_too():
    from ad_compiler import tape
    x = tape.tensor(X, requires_grad=True)
    out = uses_local_lambda(x)
    out.sum().backward()
    assert_close(x.grad.numpy(), adc.grad(uses_local_lambda)(X, seed=np.ones(3)))
