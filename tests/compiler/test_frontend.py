"""Frontend: name resolution (globals, closures, builtins, every import
style) and the fence that rejects unsupported syntax with function, file
and line."""
import math
import os
from math import exp
from math import sin as msin

import numpy
import numpy as np
import numpy.linalg as la
from numpy import linalg
from numpy import tanh as nptanh

import pytest

import ad_compiler as adc
from ad_compiler.errors import UnsupportedSyntaxError
from ad_compiler.frontend.parse import UNBOUND, parse

HERE = os.path.basename(__file__)
OFFSET = 3.0


def _marked_line(fn, marker="# <-"):
    """Line number (in this file) of the line of ``fn`` carrying ``marker``."""
    import inspect
    lines, start = inspect.getsourcelines(fn)
    hits = [start + i for i, ln in enumerate(lines) if marker in ln]
    assert len(hits) == 1, hits
    return hits[0]


# -- name resolution ----------------------------------------------------------------------

def uses_every_import(x):
    a = math.sin(x) + exp(x) + msin(x)
    b = np.cos(x) + numpy.cos(x) + nptanh(x)
    v = np.array([x, 2.0 * x])
    c = la.norm(v) + linalg.norm(v)
    return a + b + c + OFFSET + abs(-x) + float(len(v))


def test_resolve_every_import_style():
    pf = parse(uses_every_import)
    assert pf.resolve("math") is math
    assert pf.resolve("exp") is math.exp
    assert pf.resolve("msin") is math.sin
    assert pf.resolve("np") is numpy
    assert pf.resolve("numpy") is numpy
    assert pf.resolve("nptanh") is numpy.tanh
    assert pf.resolve("la") is numpy.linalg
    assert pf.resolve("linalg") is numpy.linalg
    assert pf.resolve("OFFSET") == 3.0
    assert pf.resolve("abs") is abs and pf.resolve("len") is len
    assert pf.resolve("no_such_name_anywhere") is UNBOUND


def test_gradient_through_every_import_style():
    x = 0.7
    v = np.array([x, 2 * x])
    n = np.sqrt(5.0)                                      # d|v|/dx
    expected = (math.cos(x) + math.exp(x) + math.cos(x) - 2 * math.sin(x)
                + (1 - math.tanh(x) ** 2) + 2 * n + 1.0)
    got = adc.grad(uses_every_import)(x)
    assert got == pytest.approx(expected, rel=1e-12)
    del v


def make_closure(scale, offset):
    def inner(x):
        return scale * x * x + offset
    return inner


def test_resolve_closure_cells():
    inner = make_closure(4.0, 1.0)
    pf = parse(inner)
    assert pf.resolve("scale") == 4.0
    assert pf.resolve("offset") == 1.0
    assert adc.grad(inner)(0.5) == pytest.approx(4.0)


SCALE = 100.0


def make_shadowing_closure(SCALE):
    def inner(x):
        return SCALE * x
    return inner


def test_closure_shadows_global():
    inner = make_shadowing_closure(7.0)
    assert parse(inner).resolve("SCALE") == 7.0
    assert adc.grad(inner)(1.0) == pytest.approx(7.0)


def local_shadows_global(x):
    SCALE = 3.0
    exp = x * x                      # a local named like the imported math.exp
    return SCALE * x + exp


def test_local_shadows_global_and_import():
    assert adc.grad(local_shadows_global)(2.0) == pytest.approx(3.0 + 4.0)


def parameter_shadows_builtin(x, len):
    return x * len


def test_parameter_shadows_builtin():
    assert adc.grad(parameter_shadows_builtin)(2.0, 5.0) == pytest.approx(5.0)
    assert adc.grad(parameter_shadows_builtin, wrt=1)(2.0, 5.0) == pytest.approx(2.0)


def uses_global_defined_later(x):
    return LATER * x


LATER = 6.0


def test_global_defined_after_function():
    assert adc.grad(uses_global_defined_later)(1.0) == pytest.approx(6.0)


def test_parse_keeps_file_lines():
    pf = parse(uses_every_import)
    assert pf.name == "uses_every_import"
    assert os.path.samefile(pf.filename, __file__)
    assert pf.lineno == uses_every_import.__code__.co_firstlineno
    assert pf.node.name == "uses_every_import"
    assert pf.source_line(pf.lineno + 1).strip() == "a = math.sin(x) + exp(x) + msin(x)"


# -- the fence ----------------------------------------------------------------------------

def f_try(x):
    try:  # <-
        y = x * 2.0
    except ValueError:
        y = x
    return y


def f_with(x):
    with open("nothing") as fh:  # <-
        y = x
    return y


def f_yield(x):
    yield x * 2.0  # <-


def f_yield_from(x):
    yield from [x]  # <-


def f_global(x):
    global SCALE  # <-
    return x * SCALE


def make_nonlocal():
    k = 1.0

    def f_nonlocal(x):
        nonlocal k  # <-
        k = x
        return x * k
    return f_nonlocal


def f_class(x):
    class A:  # <-
        pass
    return x


def f_del(x):
    y = x * 2.0
    del y  # <-
    return x


def f_import(x):
    import math as m  # <-
    return m.sin(x)


def f_from_import(x):
    from math import cos  # <-
    return cos(x)


def f_reraise(x):
    if x > 0:
        raise  # <-
    return x


def f_walrus(x):
    if (y := x * 2.0) > 1.0:  # <-
        return y
    return x


def f_setcomp(x):
    s = {x * i for i in range(3)}  # <-
    return x


def f_dictcomp(x):
    d = {i: x for i in range(3)}  # <-
    return x


def f_genexp(x):
    g = (x * i for i in range(3))  # <-  (stored: only sum(...)/min(...)... consume one at once)
    return sum(g)


def f_set(x):
    s = {x}  # <-
    return x


def f_starred(x):
    args = (x, 2.0)
    return np.multiply(*args)  # <-


def f_fstring(x):
    s = f"{x:{3}}"  # <-
    return x


def f_while_else(x):
    while x < 1.0:  # <-
        x = x * 2.0
    else:
        x = x + 1.0
    return x


def f_for_else(x):
    for i in range(3):  # <-
        x = x * 2.0
    else:
        x = x + 1.0
    return x


def f_match(x):
    match x:  # <-
        case 1.0:
            return x
    return x


def f_async_nested(x):
    async def inner():  # <-
        return 1
    return x


def f_await_nested(x):
    async def inner(y):  # <-  (the async def is met before the await)
        return await y
    return x


def _deco(g):
    return g


def f_decorated_nested(x):
    @_deco
    def inner(t):  # <-  (a FunctionDef's line is its 'def' line)
        return t
    return inner(x)


FENCE = [
    (f_try, "'try' statements are not supported"),
    (f_with, "'with' statements are not supported"),
    (f_yield, "generators ('yield') are not supported"),
    (f_yield_from, "generators ('yield from') are not supported"),
    (f_global, "'global' declarations are not supported"),
    (make_nonlocal(), "'nonlocal' declarations are not supported"),
    (f_class, "class definitions inside a differentiated function are not supported"),
    (f_del, "'del' statements are not supported"),
    (f_import, "import statements inside a differentiated function are not supported"),
    (f_from_import, "import statements inside a differentiated function are not supported"),
    (f_reraise, "a bare 'raise' (re-raise) is not supported"),
    (f_walrus, "assignment expressions (':=') are not supported"),
    (f_setcomp, "set comprehensions are not supported"),
    (f_dictcomp, "dict comprehensions are not supported"),
    (f_genexp, "generator expressions are not supported"),
    (f_set, "set literals are not supported"),
    (f_starred, "star-arguments"),
    (f_fstring, "nested f-string format specs are not supported"),
    (f_while_else, "'while ... else' is not supported"),
    (f_for_else, "'for ... else' is not supported"),
    (f_match, "'match' statements are not supported"),
    (f_async_nested, "async functions are not supported"),
    (f_await_nested, "async functions are not supported"),
    (f_decorated_nested, "decorators on nested functions are not supported"),
]


@pytest.mark.parametrize("fn,message", FENCE, ids=[f.__name__ for f, _ in FENCE])
def test_fence_rejects(fn, message):
    line = _marked_line(fn)
    with pytest.raises(UnsupportedSyntaxError) as info:
        adc.grad(fn)
    e = info.value
    text = str(e)
    assert message in text
    assert e.fn_name == fn.__name__
    assert os.path.samefile(e.filename, __file__)
    assert e.lineno == line
    assert f"{fn.__name__} (" in text and f"{HERE}:{line}): " in text
    # the offending source line is quoted
    import linecache
    assert linecache.getline(__file__, line).strip().split("  #")[0] in text


@pytest.mark.parametrize("fn,message", FENCE[:4], ids=[f.__name__ for f, _ in FENCE[:4]])
def test_fence_runs_in_parse_before_any_call(fn, message):
    with pytest.raises(UnsupportedSyntaxError, match=message.replace("(", r"\(")
                       .replace(")", r"\)").replace("'", "'")):
        parse(fn)


def f_kwonly(x, *, k=1.0):
    return x * k


@pytest.mark.parametrize("fn,message", [
    (f_kwonly, "keyword-only and positional-only parameters are not supported"),
], ids=["kwonly"])
def test_fence_rejects_signatures(fn, message):
    with pytest.raises(UnsupportedSyntaxError) as info:
        adc.grad(fn)
    e = info.value
    assert message in str(e)
    assert e.fn_name == fn.__name__
    assert f"{HERE}:{fn.__code__.co_firstlineno}" in str(e)


def f_fence_in_helper_inner(x):
    try:  # <-
        return x
    except Exception:
        return x


def f_fence_in_helper(x):
    return f_fence_in_helper_inner(x) * 2.0


def test_fence_reports_the_helper_not_the_caller():
    line = _marked_line(f_fence_in_helper_inner)
    with pytest.raises(UnsupportedSyntaxError) as info:
        adc.grad(f_fence_in_helper)(1.0)
    e = info.value
    assert e.fn_name == "f_fence_in_helper_inner"
    assert e.lineno == line
    assert f"{HERE}:{line}" in str(e)


def f_allowed_syntax(x):
    """A docstring is fine."""
    y: float = x * 2.0
    pass
    z = (y if y > 0 else -y)
    return z


def test_fence_accepts_docstring_annotation_pass():
    assert adc.grad(f_allowed_syntax)(1.5) == pytest.approx(2.0)
    assert adc.grad(f_allowed_syntax)(-1.5) == pytest.approx(-2.0)
