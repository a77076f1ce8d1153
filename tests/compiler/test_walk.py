"""The shared graph walks (ir/walk.py), the builder's typed environment
keys (ir/slots.py) and copying a graph into a builder."""
import pytest

from ad_compiler.ir import slots, walk
from ad_compiler.ir.build import build
from ad_compiler.ir.builder import IRBuilder
from ad_compiler.ir.nodes import (Branch, Call, Jump, LoopRegion, Return, Var, block_label,
                                  label_number, next_label_number)
from ad_compiler.ir.nodes import format_operand
from ad_compiler.ir.verify import verify
from ad_compiler.transforms.simplify import simplify

from . import pass_examples as ex


@pytest.fixture(scope="module")
def loop_graph():
    # bb0(x) -> bb1(i, s) loop header -> bb2 body -> bb3(s_6) exit
    return simplify(verify(build(ex.item_reads)))


def test_definitions_and_uses(loop_graph):
    g = loop_graph
    defs = walk.definitions(g)
    assert sorted(v.name for v in defs) == ["i_4", "s_3", "t1", "t2"]
    assert defs[Var("t2")].args == (Var("x"), Var("i"))
    uses = walk.uses(g)
    assert [type(u).__name__ for u in uses[Var("s")]] == ["Branch", "Call"]   # bb1, bb2
    assert uses[Var("s")][1].out == Var("s_3")
    assert isinstance(uses[Var("s_6")][0], Return)
    counts = walk.use_counts(g)
    assert counts == {v: len(us) for v, us in uses.items()}
    assert counts[Var("i")] == 3                       # the test, the item, the increment
    assert walk.use_counts(g.blocks) == counts
    assert walk.used_values(g) == set(uses)
    assert Var("x") in walk.used_values(g) and Var("t1") in walk.used_values(g)


def test_positions_and_instructions_with_blocks(loop_graph):
    g = loop_graph
    rows = [(b.label, k, ins.out.name) for b, k, ins in walk.instructions_with_blocks(g)]
    assert rows == [("bb1", 0, "t1"), ("bb2", 0, "t2"), ("bb2", 1, "s_3"), ("bb2", 2, "i_4")]
    pos = walk.positions(g)
    assert [pos[id(ins)] for _, _, ins in walk.instructions_with_blocks(g)] == \
        [(lb, k) for lb, k, _ in rows]


def test_predecessors_successors(loop_graph):
    g = loop_graph
    preds = walk.predecessors(g)
    assert preds["bb0"] == []
    assert [(lb, tuple(map(format_operand, args))) for lb, args in preds["bb1"]] == \
        [("bb0", ("0", "0.0")), ("bb2", ("i_4", "s_3"))]
    assert preds["bb2"] == [("bb1", ())]
    assert preds["bb3"] == [("bb1", (Var("s"),))]
    bm = g.block_map()
    assert walk.successors(bm["bb1"].term) == ("bb2", "bb3")
    assert walk.successors(bm["bb2"].term) == ("bb1",)
    assert walk.successors(bm["bb3"].term) == ()


def test_regions_and_loops():
    g = simplify(verify(build(ex.loop_sum)))
    outer = [r for r in walk.regions(g.structure)]
    assert isinstance(outer[0], LoopRegion) and len(outer) == 4       # the loop, 3 ifs
    (r,) = walk.loops(g.structure)
    assert walk.find_loop(g.structure, r.header) is r
    with pytest.raises(KeyError):
        walk.find_loop(g.structure, "bb0")
    assert walk.loop_blocks(r) == [f"bb{k}" for k in range(1, 12)]
    assert walk.loop_entries(g, r) == ["bb0"]
    assert walk.value_names(g) >= {"x", "n", "i", "s", "flag", "go", "s_4"}


def test_loops_lists_inner_loops_first():
    def nested(x):
        s = 0.0
        for i in range(2):
            for j in range(3):
                s = s + x
        return s
    g = verify(build(nested))
    inner, outer = walk.loops(g.structure)
    assert set(walk.loop_blocks(inner)) < set(walk.loop_blocks(outer))
    assert walk.loop_entries(g, inner) != walk.loop_entries(g, outer)


def test_labels():
    assert block_label(7) == "bb7" and label_number("bb12") == 12
    assert next_label_number(["bb0", "bb4", "bb2"]) == 5
    assert next_label_number([]) == 0
    with pytest.raises(ValueError, match="not a block label"):
        label_number("entry")


def test_copy_graph_into_a_builder_continues_its_labels(loop_graph):
    g = loop_graph
    b = IRBuilder(g.name)
    copied = b.copy_graph(g)
    assert list(copied) == [blk.label for blk in g.blocks]
    assert [blk.instrs for blk in b.blocks] == [list(blk.instrs) for blk in g.blocks]
    assert b.new_block().label == "bb4"
    b.blocks.pop()
    again = b.finish(arg_names=g.arg_names, filename=g.filename, lineno=g.lineno)
    assert str(again) == str(g)
    with pytest.raises(AssertionError, match="empty builder"):
        b.copy_graph(g)


def test_builder_fields_are_declared():
    b = IRBuilder("f")
    with pytest.raises(AttributeError):
        b.undeclared = 1
    assert b.def_defaults == {} and b.outer_envs == [] and b.aliases is None


def test_slots_are_typed_and_named_by_role():
    assert slots.hint_of_key("x") == "x"
    assert slots.hint_of_key(slots.Flow.RETURN) == "out"
    assert slots.hint_of_key(slots.Flow.RETURNED) == "flag"
    assert slots.hint_of_key(slots.Bound("y")) == "flag"
    assert slots.hint_of_key(slots.Obj("a")) == "a"
    assert slots.hint_of_key(slots.LoopCounter(1)) == "i"
    assert slots.hint_of_key(slots.Synthetic("listcomp", 1, hint="ys")) == "ys"
    # a Synthetic's hint is no part of its identity: the same node, the same key
    assert slots.Synthetic("listcomp", 1, hint="ys") == slots.Synthetic("listcomp", 1)
    assert slots.LoopExit("break", 1) != slots.LoopExit("continue", 1)
    assert slots.is_name("x") and slots.is_name(slots.Synthetic("map", 1))
    assert not slots.is_name(slots.Bound("x")) and not slots.is_name(slots.Flow.RAISED)
    assert slots.holds_object(slots.Obj("a")) and slots.holds_object(slots.Iter(3))
    assert not slots.holds_object(slots.LoopCounter(3))
    assert slots.shown(slots.Obj("a")) == "a"
    assert slots.shown(slots.Iter(3)) == "the array iterated over"
    flags = slots.LoopFlags(brk=slots.LoopExit("break", 2))
    assert flags.keys() == [slots.LoopExit("break", 2)]


def test_jump_and_branch_edges_match_graph_incoming(loop_graph):
    g = loop_graph
    # predecessors' arguments are what Graph.incoming() pairs with parameters
    bm = g.block_map()
    pairs = {}
    for label, edges in walk.predecessors(g).items():
        for _, args in edges:
            for p, a in zip(bm[label].params, args):
                pairs.setdefault(p, []).append(a)
    assert pairs == g.incoming()
    assert all(isinstance(b.term, (Jump, Branch, Return)) for b in g.blocks)
    assert all(isinstance(i, Call) for i in g.instructions())


def test_stack_pushes_and_pops():
    from ad_compiler.transforms.activity import activity
    from ad_compiler.transforms.reverse import reverse
    g = simplify(verify(build(ex.comprehension)))
    j = reverse(g, (0,), activity(g, [g.params[0]], g.blocks[-1].term.value), "comprehension")
    pushes, pops = walk.stack_pushes(j), walk.stack_pops(j)
    assert {s.name: [v.name for v in vs] for s, vs in pushes.items()} == {
        "t3_tape": ["t3"], "t4_tape": ["t4"], "ys_1_tape": ["ys_1"], "ys_5_tape": ["ys_5"]}
    assert set(pops) == set(pushes) and all(len(vs) == 1 for vs in pops.values())
    assert all(isinstance(v, Var) for vs in pops.values() for v in vs)
    assert walk.stack_pushes(g) == {} and walk.stack_pops(g) == {}
