"""Random programs: Hypothesis writes small functions (arithmetic, math and
NumPy calls, branches, loops, helper calls, index assignment), the compiler
differentiates them, and central finite differences must agree.  Every op
is smooth on the inputs drawn, and branch conditions are kept away from
their boundaries, so a disagreement is a compiler bug."""
import importlib.util
import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ad_compiler as adc

UNARY = ["math.sin({})", "math.cos({})", "math.tanh({})", "math.exp(math.tanh({}))",
         "({} * {})", "(-{})", "math.sqrt(1.0 + {} * {})", "({} / (1.0 + {} * {}))"]
BINARY = ["({} + {})", "({} - {})", "({} * {})", "({} * 0.5 + {})"]
A_UNARY = ["np.sin({})", "np.tanh({})", "np.exp(np.tanh({}))", "({} * {})",
           "np.sqrt(1.0 + {} * {})", "np.maximum({}, 0.25) * {}", "np.where({} > 0.1, {}, -{})"]
A_REDUCE = ["np.sum({})", "np.mean({})", "np.sum({} * {})", "float(np.dot({}, {}))"]

_counter = itertools.count()


def _fill(template, *names):
    k = template.count("{}")
    return template.format(*(names[i % len(names)] for i in range(k)))


@st.composite
def scalar_program(draw):
    names = ["x", "y"]
    body = []

    def expr(depth=0):
        if depth > 2 or draw(st.booleans()):
            choice = draw(st.sampled_from(names + ["0.7", "1.3"]))
            return choice
        if draw(st.booleans()):
            return _fill(draw(st.sampled_from(UNARY)), expr(depth + 1))
        return _fill(draw(st.sampled_from(BINARY)), expr(depth + 1), expr(depth + 1))

    for _ in range(draw(st.integers(2, 6))):
        kind = draw(st.sampled_from(["assign", "assign", "if", "loop", "helper", "aug",
                                     "while", "nested", "listbuild", "early"]))
        v = f"v{len(names)}"
        if kind == "assign":
            body.append(f"{v} = {expr()}")
        elif kind == "aug":
            target = draw(st.sampled_from(names))
            body.append(f"{v} = {target}")
            body.append(f"{v} += {expr()}")
        elif kind == "if":
            c = draw(st.sampled_from(names))
            body += [f"if math.sin({c} * 3.0) > 0.0:", f"    {v} = {expr()}", "else:",
                     f"    {v} = {expr()}"]
        elif kind == "loop":
            n = draw(st.integers(0, 4))
            body += [f"{v} = {draw(st.sampled_from(names))}", f"for i in range({n}):",
                     f"    {v} = {v} * 0.8 + math.sin({expr()} * i + {v})"]
            if draw(st.booleans()):
                body += ["    if i == 2:", "        break"]
        elif kind == "while":
            c = draw(st.sampled_from(names))
            body += [f"{v} = {c}", "k = 0", f"while k < 3 and math.tanh({v}) < 0.9:",
                     f"    {v} = {v} * 1.1 + 0.05 * {expr()}", "    k += 1"]
        elif kind == "nested":
            c = draw(st.sampled_from(names))
            body += [f"{v} = {expr()}", "for i in range(3):",
                     f"    if math.sin({c} * 3.0 + i) > 0.0:",
                     f"        {v} = {v} + math.sin({v}) * {c}",
                     "        if i == 1:", "            continue",
                     "    else:", f"        {v} = {v} * 0.5",
                     f"    {v} = {v} + 0.1 * i"]
        elif kind == "listbuild":
            body += ["items = []", "for i in range(3):", f"    items.append({expr()} * i)",
                     f"{v} = sum(items) + max(items)"]
        elif kind == "early":
            c = draw(st.sampled_from(names))
            body += [f"for i in range(3):", f"    if math.sin({c} * 3.0 + i) > 0.9:",
                     f"        return {expr()} * {c}"]
            continue
        else:
            body.append(f"{v} = helper({expr()}, {draw(st.sampled_from(names))})")
        names.append(v)
    ret = " + ".join(names[2:]) if len(names) > 2 else "x * y"
    return body, ret


@st.composite
def array_program(draw):
    names = ["x"]
    body = []
    for _ in range(draw(st.integers(1, 4))):
        v = f"a{len(names)}"
        kind = draw(st.sampled_from(["map", "map", "broadcast", "setitem", "loop"]))
        src = draw(st.sampled_from(names))
        if kind == "map":
            body.append(f"{v} = {_fill(draw(st.sampled_from(A_UNARY)), src)}")
        elif kind == "broadcast":
            body.append(f"{v} = {src} * w + b")
        elif kind == "setitem":
            body += [f"{v} = np.zeros(len({src}))", f"for i in range(len({src})):",
                     f"    {v}[i] = math.sin({src}[i]) * w[i]"]
        else:
            body += [f"{v} = {src}", "for i in range(2):", f"    {v} = np.tanh({v} * w + {src})"]
        names.append(v)
    ret = " + ".join(_fill(draw(st.sampled_from(A_REDUCE)), n) for n in names[1:] or ["x"])
    return body, ret


HELPER = '''
def helper(a, b=0.5):
    if a > b:
        return a * b
    return math.sin(a) + b
'''


def _load(tmp_path, body, ret, params):
    name = f"fuzz_{next(_counter)}"
    lines = ["import math", "import numpy as np", HELPER, f"def f({params}):"]
    lines += ["    " + ln for ln in body] + [f"    return {ret}", ""]
    path = tmp_path / f"{name}.py"
    path.write_text("\n".join(lines))
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.f, "\n".join(lines)


def _fd(f, args, k, eps=1e-6):
    x = args[k]
    if np.ndim(x) == 0:
        a1, a2 = list(args), list(args)
        a1[k], a2[k] = x + eps, x - eps
        return (f(*a1) - f(*a2)) / (2 * eps)
    out = np.zeros_like(x)
    for j in range(x.size):
        e = np.zeros_like(x)
        e.flat[j] = eps
        a1, a2 = list(args), list(args)
        a1[k], a2[k] = x + e, x - e
        out.flat[j] = (f(*a1) - f(*a2)) / (2 * eps)
    return out




def _at_a_kink(f, args, k, h=1e-5):
    """Left and right difference quotients disagree: a branch switches (or a
    max/where selects) right at the input, where no derivative exists."""
    def shifted(d):
        a = list(args)
        a[k] = args[k] + d
        return f(*a)
    x = args[k]
    for j in range(max(1, np.size(x))):
        e = np.zeros_like(x, dtype=float) if np.ndim(x) else 0.0
        if np.ndim(x):
            e.flat[j] = h
        else:
            e = h
        mid = f(*args)
        right, left = (shifted(e) - mid) / h, (mid - shifted(-e)) / h
        if abs(right - left) > 1e-2 * (1.0 + abs(right)):
            return True
    return False


SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@SETTINGS
@given(prog=scalar_program(), x=st.floats(-1.5, 1.5), y=st.floats(-1.5, 1.5))
def test_random_scalar_programs(tmp_path, prog, x, y):
    body, ret = prog
    f, src = _load(tmp_path, body, ret, "x, y")
    for c in (x, y):                         # keep clear of the branch boundaries
        if abs(np.sin(3.0 * c)) < 1e-3:
            return
    try:
        f(x, y)
    except (OverflowError, ZeroDivisionError, ValueError):
        return
    if _at_a_kink(f, (x, y), 0) or _at_a_kink(f, (x, y), 1):
        return
    g = adc.grad(f, wrt=(0, 1))(x, y)
    for k in (0, 1):
        fd = _fd(f, (x, y), k)
        assert g[k] == pytest.approx(fd, rel=1e-4, abs=1e-6), src


@SETTINGS
@given(prog=array_program(), seed=st.integers(0, 10 ** 6))
def test_random_array_programs(tmp_path, prog, seed):
    body, ret = prog
    f, src = _load(tmp_path, body, ret, "x, w, b")
    rng = np.random.default_rng(seed)
    x, w = rng.uniform(-1.2, 1.2, 4), rng.uniform(-1.2, 1.2, 4)
    b = float(rng.uniform(-1, 1))
    if np.min(np.abs(x - 0.25)) < 1e-3 or np.min(np.abs(x - 0.1)) < 1e-3:
        return
    if any(_at_a_kink(f, (x, w, b), k) for k in (0, 1, 2)):
        return
    g = adc.grad(f, wrt=(0, 1, 2))(x, w, b)
    for k in (0, 1, 2):
        np.testing.assert_allclose(g[k], _fd(f, (x, w, b), k), rtol=1e-4, atol=1e-6,
                                   err_msg=src)


NUMBA_SETTINGS = settings(SETTINGS, max_examples=20)      # Numba compiles are slow


@NUMBA_SETTINGS
@given(prog=scalar_program(), x=st.floats(-1.5, 1.5), y=st.floats(-1.5, 1.5))
def test_random_scalar_programs_on_numba(tmp_path, prog, x, y):
    """Where a random program lowers to Numba, it gives the Python backend's
    gradient (a construct Numba cannot lower must say so: BackendError)."""
    pytest.importorskip("numba")
    body, ret = prog
    f, src = _load(tmp_path, body, ret, "x, y")
    try:
        want = adc.grad(f, wrt=(0, 1))(x, y)
    except (OverflowError, ZeroDivisionError, ValueError):
        return
    try:
        got = adc.grad(f, wrt=(0, 1), backend="numba")(x, y)
    except adc.BackendError:
        return
    assert got == pytest.approx(want, rel=1e-9, abs=1e-12), src


ITEM_EXPR = ["x[i]", "x[i] * x[i]", "math.sin(x[i])", "x[i] * w", "out[i - 1] * 0.5 + x[i]",
             "np.tanh(x[i] + w)", "(x[i] - w) ** 2"]
ITEM2_EXPR = ["x[i, j]", "x[i, j] * (i + 1.0)", "math.sin(x[i, j]) * w", "x[i, j] - x[n - 1 - i, j]",
              "out[i, j] * 0.5 + x[i, j] ** 2"]


@st.composite
def item_program(draw):
    """Loops reading and writing array items: in-place accumulation, known
    scalars of 1-D and 2-D arrays, index assignment in place or copied."""
    if draw(st.booleans()):
        body = ["out = np.zeros(len(x))", "s = 0.0", "for i in range(1, len(x)):"]
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(st.sampled_from(["set", "add", "acc", "branch"]))
            e = draw(st.sampled_from(ITEM_EXPR))
            if kind == "set":
                body.append(f"    out[i] = {e}")
            elif kind == "add":
                body.append(f"    out[i] += {e}")
            elif kind == "acc":
                body.append(f"    s = s + {e}")
            else:
                body += [f"    if x[i] > 0.0:", f"        out[i] = {e}", "    else:",
                         f"        s = s + {e}"]
        body.append("y = np.sum(out * x) + s * w")
        return "x, w", body, (1.0, 4)
    body = ["n, m = x.shape", "out = np.zeros((n, m))", "for i in range(n):",
            "    for j in range(m):"]
    for _ in range(draw(st.integers(1, 2))):
        e = draw(st.sampled_from(ITEM2_EXPR))
        body.append(f"        out[i, j] {'+=' if draw(st.booleans()) else '='} {e}")
    body.append("y = np.sum(out ** 2) * w")
    return "x, w", body, (2.0, (3, 4))


@SETTINGS
@given(prog=item_program(), seed=st.integers(0, 10 ** 6))
def test_random_item_loops(tmp_path, prog, seed):
    params, body, (w, shape) = prog
    f, src = _load(tmp_path, body, "y", params)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, shape)
    x = np.where(np.abs(x) < 1e-2, 0.5, x)           # away from the x[i] > 0 branch point
    if _at_a_kink(f, (x, w), 0):
        return
    g = adc.grad(f, wrt=(0, 1))(x, w)
    for k in (0, 1):
        np.testing.assert_allclose(g[k], _fd(f, (x, w), k), rtol=1e-5, atol=1e-7, err_msg=src)
