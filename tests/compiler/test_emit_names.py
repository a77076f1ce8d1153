"""What the emitter prints besides the statements themselves: names
numbered per base name, ``for`` loops over plain ranges, trip counts as
arithmetic, calls without their default arguments, and the map of every
generated line to the user's line it comes from."""
import re

import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.backend.call_defaults import without_defaults as _without_defaults
from ad_compiler.backend.emit import emit_function
from ad_compiler.ir.nodes import Call, Const, Var
from ad_compiler.transforms.trip_count import trip_count

from . import ir_examples as ex
from .corpus import CORPUS, by_name

LOOPY = ["c_rnn", "c_for_range", "c_nested_loops", "c_for_range_start_stop_step",
         "c_for_range_negative_step", "c_branch_in_loop", "w_heat", "c_while_break"]


def _source(name):
    case = by_name(name)
    g = adc.GradFunction(case.fn, wrt=case.wrt)
    g(*case.args()[0])
    return g


def _assigned(src):
    code = "\n".join(ln for ln in src.splitlines() if not ln.lstrip().startswith("#"))
    names = set()
    for targets in re.findall(r"^\s*((?:\w+\s*,\s*)*\w+)\s*=[^=]", code, re.M):
        names |= {t.strip() for t in targets.split(",")}
    names |= set(re.findall(r"^\s*for (\w+) in", code, re.M))
    return names


@pytest.mark.parametrize("name", LOOPY)
def test_versions_of_a_name_are_numbered_from_one_without_gaps(name):
    g = _source(name)
    names = _assigned(g.source) | set(g.arg_names) | {"seed"}
    families = {}
    for n in names:
        m = re.fullmatch(r"(\w+)_(\d+)", n)
        if m:
            families.setdefault(m.group(1), set()).add(int(m.group(2)))
    assert families, g.source
    for base, numbers in families.items():
        assert base in names, (base, g.source)
        assert numbers == set(range(1, max(numbers) + 1)), (base, sorted(numbers), g.source)
    temps = sorted(int(n[1:]) for n in names if re.fullmatch(r"t\d+", n))
    assert temps == list(range(1, len(temps) + 1)), g.source


def test_names_are_the_same_on_every_compilation():
    assert _source("c_rnn").source == _source("c_rnn").source


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.name)
def test_loops_and_trip_counts_are_plain(case):
    g = adc.GradFunction(case.fn, wrt=case.wrt)
    g(*case.args()[0])
    src = g.source
    assert not re.search(r"for (\w+) in range\(\1\b", src), src     # range(i, n) over i
    assert "len(range(" not in src and " = range(" not in src, src
    assert "None, False, True)" not in src, src                    # unreduce's defaults


def test_a_loop_from_zero_by_ones_is_range_n():
    src = _source("c_for_range").source
    assert re.search(r"^    for i in range\(n\):$", src, re.M), src
    assert re.search(r"^    n_trips = max\(0, n\)$", src, re.M), src


def test_a_loop_over_a_length_counts_its_trips_with_the_length():
    def f(x):
        s = 0.0
        for i in range(len(x)):
            s = s + x[i] ** 2
        return s
    g = adc.grad(f)
    np.testing.assert_allclose(g(np.array([0.5, 2.0])), [1.0, 4.0])
    assert "n_trips" not in g.source and "max(0" not in g.source, g.source
    assert re.search(r"^    for i in range\((\w+)\):$", g.source, re.M), g.source


@pytest.mark.parametrize("step", [1, 2, 3, -1, -2, -3])
def test_trip_count_arithmetic_is_len_of_range(step):
    names = iter(range(1000))
    for a in range(-5, 6):
        for b in range(-5, 6):
            for init in (Var("a"), Const(a)) if a else (Var("a"), Const(0)):
                instrs, n = trip_count(init, Var("b"), Const(step),
                                       lambda hint: Var(f"{hint}{next(names)}"), {})
                env = {Var("a"): a, Var("b"): b}
                for ins in instrs:
                    env[ins.out] = ins.fn(*(env[x] if isinstance(x, Var) else x.value
                                            for x in ins.args))
                got = env[n] if isinstance(n, Var) else n.value
                assert got == len(range(a, b, step)), (a, b, step, instrs)
    assert trip_count(Const(2), Const(9), Const(3), None, {}) == ([], Const(3))
    stop = Var("n")
    assert trip_count(Const(0), stop, Const(1), None, {stop: Call(stop, len, (Var("x"),))}) \
        == ([], stop)


def _h(a, b=0, c=None, *, d=1.5):
    return a


def test_default_arguments_are_left_out_only_when_equal_in_type_and_value():
    a = Var("a")
    assert _without_defaults(_h, (a, Const(0), Const(None)), ()) == ((a,), ())
    assert _without_defaults(_h, (a, Const(False)), ()) == ((a, Const(False)), ())
    assert _without_defaults(_h, (a, Const(0.0)), ()) == ((a, Const(0.0)), ())
    assert _without_defaults(_h, (a, Const(1), Const(None)), ()) == ((a, Const(1)), ())
    assert _without_defaults(_h, (a,), (("d", Const(1.5)), ("c", Const(2)))) == \
        ((a,), (("c", Const(2)),))
    assert _without_defaults(_h, (a,), (("d", Const(-1.5)),)) == ((a,), (("d", Const(-1.5)),))


def test_every_generated_line_maps_to_the_user_line_it_comes_from():
    g = adc.GradFunction(ex.branch)
    g(1.5)
    emitted = emit_function(g.joint_ir, "branch_grad", g.joint_ir.arg_names)
    assert emitted.source == g.source
    first = ex.branch.__code__.co_firstlineno
    lines = emitted.source.splitlines()
    where = {}
    for k, text in enumerate(lines, 1):
        loc = emitted.lines.get(k)
        where.setdefault(text.strip(), []).append(None if loc is None else loc.lineno - first)
        if loc is not None:
            assert loc.filename == ex.__file__ and loc.source.strip() in text or \
                not text.lstrip().startswith("#")
    assert where["def branch_grad(x, seed):"] == [None]
    assert where["t1 = x > 0.0"] == [1]
    assert where["if t1:"] == [1, 5]              # the forward branch; the adjoint's
    assert where["y = x * x"] == [2] and where["y = -x"] == [4]
    assert where["out_bar = seed_cotangent(seed, out)"] == [5]
    assert where["x_bar = y_bar * x"] == [2] and where["x_bar_1 = -y_bar"] == [4]
    assert where["# adjoint of line %d: y = x * x" % (first + 2)] == [2]


def test_an_error_in_generated_code_names_the_user_line_from_the_map():
    g = adc.GradFunction(ex.straight, wrt=(0, 1))
    with pytest.raises(ValueError) as info:
        g(np.ones(2), np.ones(3))
    note = "\n".join(getattr(info.value, "__notes__", []))
    first = ex.straight.__code__.co_firstlineno
    assert f"{ex.__file__}:{first + 1}: z = x * y" in note, note
