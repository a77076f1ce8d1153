"""The tokenizer-free source finder agrees with ``inspect`` line for line."""
import ast
import inspect
import textwrap

import pytest

import ad_compiler.rules.arithmetic as arithmetic
import ad_compiler.rules.numpy_ufuncs as numpy_ufuncs
import ad_compiler.runtime as runtime
from ad_compiler.frontend import source_lines
from ad_compiler.frontend.source_lines import function_source


def decorated(f):
    return f


@decorated
def _with_decorator(x):
    # a comment at the end is not part of the block for inspect either
    return x * 2
    # trailing comment


def _docstring_at_column_zero(x):
    """A docstring
whose second line starts at column 0 (the indent cut lands inside it)."""
    return x


def _brackets(x):
    y = (x +
1)
    return y


def _one_line(x): return x + 1


def _nested_outer():
    def inner(a):
        return a - 1
    return inner


def _functions():
    out = [_with_decorator, _docstring_at_column_zero, _brackets, _one_line, _nested_outer(),
           _nested_outer]
    for mod in (arithmetic, numpy_ufuncs, runtime):
        out += [v for v in vars(mod).values()
                if inspect.isfunction(v) and v.__module__ == mod.__name__]
    return out


def _code(lines):
    lines = list(lines)
    while lines and lines[-1].strip().startswith("#"):
        lines.pop()
    return lines


@pytest.mark.parametrize("fn", _functions(), ids=lambda f: f.__qualname__)
def test_same_lines_as_inspect(fn):
    lines, lineno, tree = function_source(fn)
    ref_lines, ref_lineno = inspect.getsourcelines(fn)
    assert lineno == ref_lineno
    # Python versions differ on trailing comments only (3.11+ keeps those as
    # deep as the body; so does function_source)
    assert _code(lines) == _code(ref_lines)
    node = tree.body[0]
    assert node.name == fn.__name__
    assert node.lineno == fn.__code__.co_firstlineno + len(getattr(node, "decorator_list", []))
    ref = ast.parse(textwrap.dedent("".join(lines)))
    assert ast.dump(tree) == ast.dump(ref)      # line numbers are not in dump()


def test_trailing_comment_kept_as_inspect_does():
    lines = function_source(_with_decorator)[0]
    assert lines[-1] == "    # trailing comment\n"


def test_cut_inside_a_string_or_brackets_falls_back():
    # the indentation cut is not trusted where it would end the block early
    for fn in (_docstring_at_column_zero, _brackets):
        start = fn.__code__.co_firstlineno - 1
        import linecache
        assert source_lines._fast(fn) is None
        assert source_lines._block(linecache.getlines(fn.__code__.co_filename), start) is not None


def test_no_source_raises_like_inspect():
    ns = {}
    exec("def g(x):\n    return x\n", ns)
    with pytest.raises(OSError):
        function_source(ns["g"])


def _rule_functions():
    from ad_compiler.rules.registry import all_rules
    seen = {}
    for rule in all_rules():
        for f in tuple(rule.vjps) + tuple(getattr(rule, "jvps", ()) or ()):
            if inspect.isfunction(f):
                seen[id(f)] = f
    return list(seen.values())


def test_rule_trees_are_the_ones_gast_makes():
    import gast

    from ad_compiler.transforms.rule_inline import _rule_node
    fast = 0
    for fn in _rule_functions():
        try:
            tree = function_source(fn)[2]
        except (OSError, TypeError):
            continue
        ref = gast.ast_to_gast(tree).body[0]
        got = _rule_node(tree)
        if not isinstance(ref, gast.FunctionDef):
            assert got is None
            continue
        body = [s for s in ref.body
                if not (isinstance(s, gast.Expr) and isinstance(s.value, gast.Constant))]
        if len(body) == 1 and isinstance(body[0], gast.Return) and len(got.body) == 1:
            ref.body = body
            fast += 1
        ref.decorator_list = got.decorator_list = []
        assert gast.dump(got) == gast.dump(ref), fn.__qualname__
        for a, b in zip(gast.walk(got), gast.walk(ref)):
            assert type(a) is type(b)
            for attr in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
                assert getattr(a, attr, None) == getattr(b, attr, None), (fn.__qualname__, a)
    assert fast > 100


def _syntax_zoo(x, ys):
    """Statements of every kind a user writes (and some the compiler refuses)."""
    global _ZOO
    total: float = 0.0
    a, *rest = ys
    squares = [y * y for y in ys if y > 0]
    table = {k: v for k, v in zip("ab", ys)}
    unique = {round(y) for y in ys}
    gen = sum(y for y in ys)
    if (n := len(ys)) > 2:
        total += n
    elif x < 0:
        total -= x
    else:
        pass
    for i, y in enumerate(ys):
        if i == 1:
            continue
        if y > 10:
            break
        total = total + y ** 2 - x[i] if False else total + y
    while total > 100:
        total /= 2
    assert total == total, f"nan {total!r:>10}"
    del squares
    with open(__file__) as fh:
        fh.read(1)
    label = f"{x=} {total:.3f}"
    return total + a + len(rest) + len(table) + len(unique) + gen + len(label)


def _with_lambda_and_try(x):
    f = lambda t: t * 2          # noqa: E731
    try:
        y = f(x)
    except ValueError as e:
        y = str(e)
    return y


def test_function_trees_are_the_ones_gast_makes(tmp_path):
    import gast

    from ad_compiler.frontend.ast_walk import children
    from ad_compiler.frontend.fast_gast import function_to_gast

    from . import control_fuzz
    from .corpus import CORPUS
    fns = [c.fn for c in CORPUS] + [_syntax_zoo, _with_lambda_and_try]
    fns += [control_fuzz.load(seed, str(tmp_path)) for seed in range(30)]
    fast = 0
    for fn in fns:
        tree = function_source(fn)[2]
        ref = gast.ast_to_gast(tree).body[0]
        got = function_to_gast(tree.body[0])
        if got is None:
            continue
        fast += 1
        ref.decorator_list = []
        assert gast.dump(got) == gast.dump(ref), fn.__qualname__
        for a, b in zip(gast.walk(got), gast.walk(ref)):
            assert type(a) is type(b)
            for attr in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
                assert getattr(a, attr, None) == getattr(b, attr, None), (fn.__qualname__, a)
            assert {k for k in vars(a) if not k.startswith("_adc_")} == set(vars(b)), a
            if hasattr(a, "_adc_children"):       # kept by the converter: ast_walk's answer
                kept = a._adc_children
                del a._adc_children
                assert [id(k) for k in kept] == [id(k) for k in children(a)], a
    assert function_to_gast(function_source(_with_lambda_and_try)[2].body[0]) is None
    assert function_to_gast(function_source(_syntax_zoo)[2].body[0]) is not None
    assert fast > 0.8 * len(fns)
