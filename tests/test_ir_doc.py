"""docs/ir.md tells the truth: its table of checks is exactly what
ir/verify.py checks (each one broken on purpose here), and every pass the
pipeline runs has a row in its table of passes, naming the module that
defines it."""
import ast
import importlib
import importlib.util
import inspect
import pathlib
import pkgutil
import re
import textwrap
from dataclasses import replace

import pytest

import ad_compiler.api as api
from ad_compiler.ir import verify as verify_module
from ad_compiler.ir.build import build
from ad_compiler.ir.nodes import Call, Const, IfRegion, Jump, Seq, Var
from ad_compiler.ir.verify import IRVerifyError, verify
from ad_compiler.transforms import simplify as simplify_module

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGE = (ROOT / "docs" / "ir.md").read_text()
PACKAGES = ("ad_compiler.ir", "ad_compiler.transforms", "ad_compiler.backend",
            "ad_compiler.frontend")


def _table(heading):
    """The rows of the first table after ``## heading``: lists of cells."""
    section = PAGE.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [ln for ln in section.splitlines() if ln.startswith("|")]
    return [[c.strip() for c in r.strip("|").split("|")] for r in rows[2:]]


def _code(cell):
    m = re.fullmatch(r"`([^`]+)`", cell)
    assert m, f"not a single `name`: {cell!r}"
    return m.group(1)


CHECKS = {_code(row[0]): _code(row[2]) for row in _table("What verify() checks")}


# -- the checks: one broken graph per row of the table -----------------------------------------
def _example(x, n):
    s = 0.0
    for i in range(n):
        if s < 1.0:
            s = s + x
    return s


@pytest.fixture(scope="module")
def good():
    return verify(build(_example))


def _with_block(g, label, **changes):
    return replace(g, blocks=tuple(replace(b, **changes) if b.label == label else b
                                   for b in g.blocks))


def _entry_jump(g):
    return g.blocks[0].term


def _twice(g):
    effect = Call(None, print, (Const(1.0),))       # no result: only the object repeats
    return _with_block(g, "bb0", instrs=(effect, effect) + g.blocks[0].instrs)


BREAK = {
    "distinct-instructions": _twice,
    "labels": lambda g: replace(g, blocks=g.blocks + (g.blocks[-1],)),
    "single-definition": lambda g: _with_block(
        g, "bb0", instrs=g.blocks[0].instrs + (Call(g.params[0], abs, (Const(1.0),)),)),
    "instructions": lambda g: _with_block(g, "bb0", instrs=("not a call",)),
    "terminator": lambda g: _with_block(g, g.blocks[-1].label, term=None),
    "targets": lambda g: _with_block(g, "bb0", term=Jump("bb99", _entry_jump(g).args)),
    "arity": lambda g: _with_block(g, "bb0", term=Jump(_entry_jump(g).target,
                                                     _entry_jump(g).args[:-1])),
    "region-items": lambda g: replace(g, structure=Seq(g.structure.items + (42,))),
    "regions-cover": lambda g: replace(g, structure=Seq(g.structure.items[:-1])),
    "dominance": lambda g: _with_block(
        g, "bb0", instrs=(Call(Var("t_nowhere_2"), abs, (Var("t_nowhere"),)),)
        + g.blocks[0].instrs),
}


def test_the_page_lists_exactly_the_checks_broken_here():
    assert sorted(CHECKS) == sorted(BREAK)


@pytest.mark.parametrize("check", sorted(BREAK))
def test_verify_reports_each_check_with_the_words_of_the_page(good, check):
    bad = BREAK[check](good)
    with pytest.raises(IRVerifyError) as info:
        verify(bad)
    first = str(info.value).splitlines()[0]
    assert CHECKS[check] in first, first


def test_a_value_used_outside_its_arm_is_a_dominance_failure(good):
    """Scope along the region tree: a value of an ``if`` arm read after the join."""
    arm = next(item for item in _regions(good.structure) if isinstance(item, IfRegion))
    then_block = good.block(arm.then.items[0])
    inner = next(i.out for i in then_block.instrs if i.out is not None)
    join = good.block(arm.join)
    bad = _with_block(good, join.label, instrs=(Call(Var("leak"), abs, (inner,)),)
                      + join.instrs)
    with pytest.raises(IRVerifyError, match=CHECKS["dominance"]):
        verify(bad)


def _regions(seq):
    from ad_compiler.ir.walk import regions
    return regions(seq)


def _fail_messages():
    """The constant text of every ``_fail(g, ...)`` in ir/verify.py."""
    tree = ast.parse(inspect.getsource(verify_module))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_fail":
            msg = node.args[1]
            parts = msg.values if isinstance(msg, ast.JoinedStr) else [msg]
            out.append("".join(p.value for p in parts if isinstance(p, ast.Constant)))
    return out


def test_every_check_of_verify_has_a_row_and_every_row_a_check():
    messages = _fail_messages()
    assert len(messages) >= len(CHECKS)
    for m in messages:
        rows = [c for c, words in CHECKS.items() if words in m]
        assert len(rows) == 1, f"verify() check {m!r} matches rows {rows} of docs/ir.md"
    for c, words in CHECKS.items():
        assert any(words in m for m in messages), f"row {c!r}: verify() never says {words!r}"


# -- the passes -----------------------------------------------------------------------------
PASSES = {_code(row[0]): _code(row[1]) for row in _table("The passes")}


def _called_names(fn):
    for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(fn)))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            yield node.func.id


def _pipeline_modules():
    """Modules of the package named for the pipeline (``ad_compiler.pipeline``...)."""
    import ad_compiler
    for info in pkgutil.walk_packages(ad_compiler.__path__, "ad_compiler."):
        if "pipeline" in info.name.rsplit(".", 1)[-1]:
            yield importlib.import_module(info.name)


def _pipeline_passes():
    """The graph passes the pipeline runs: the functions that each ``Pass`` of
    ``ad_compiler.pipeline`` calls (through the pipeline's own helpers), those
    ``build_graph``/``compile_graph`` call, and the passes inside ``simplify``."""
    from ad_compiler import pipeline
    lists = [pipeline.BUILD, pipeline.PREPARE, pipeline.FINISH, *pipeline.DIFFERENTIATE.values()]
    todo = [(p.run, vars(pipeline)) for passes in lists for p in passes]
    todo += [(pipeline.build_graph, vars(pipeline)), (pipeline.compile_graph, vars(pipeline)),
             (simplify_module.simplify, vars(simplify_module))]
    found, seen = {}, set()
    while todo:
        fn, ns = todo.pop()
        if fn in seen:
            continue
        seen.add(fn)
        for name in fn.__code__.co_names:
            obj = ns.get(name)
            if not inspect.isfunction(obj):
                continue
            if obj.__module__ == pipeline.__name__:      # the pipeline's own glue: look inside
                todo.append((obj, vars(pipeline)))
            elif obj.__module__.startswith(PACKAGES):
                found[obj.__name__] = obj
    return found


def test_every_pass_of_the_pipeline_has_a_row():
    passes = _pipeline_passes()
    assert {"build", "verify", "simplify", "reverse", "activity", "cse", "dce"} <= set(passes)
    missing = sorted(set(passes) - set(PASSES))
    assert not missing, f"passes the pipeline runs but docs/ir.md does not describe: {missing}"


def test_every_row_names_the_module_that_defines_the_pass():
    for name, path in PASSES.items():
        assert path.endswith(".py"), path
        module = importlib.import_module("ad_compiler." + path[:-3].replace("/", "."))
        fn = getattr(module, name, None)
        assert callable(fn), f"docs/ir.md: {path} has no function {name}"


def test_the_walk_helpers_the_page_names_exist():
    from ad_compiler.ir import walk
    section = PAGE.split("## Walking a graph\n", 1)[1]
    named = set(re.findall(r"`([a-z_]+)`", section))
    assert named, "no helpers named"
    for name in named - {"incoming", "copy_graph"}:
        assert name in walk.__all__, f"docs/ir.md names ir.walk.{name}, which does not exist"
    assert set(walk.__all__) - {"next_label_number"} <= named, "a walk helper is undocumented"


def _blocks(kind):
    """The code blocks of the page fenced as ``kind`` (python, or none)."""
    blocks = re.findall(r"^```(\w*)\n(.*?)^```$", PAGE, re.S | re.M)
    return [body for k, body in blocks if k == kind]


def test_the_example_is_what_build_prints(tmp_path):
    source, printed = _blocks("python")[0], _blocks("")[0]
    path = tmp_path / "demo.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("ir_doc_demo", path)
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    text = str(verify(build(demo.f))).replace(str(path), "demo.py")
    assert text.splitlines() == printed.strip("\n").splitlines()
    after = str(simplify_module.simplify(build(demo.f)))
    assert "runs_1 = lt 0 n" in after and "bb3(i_6, s_7)" not in after   # what the page says
