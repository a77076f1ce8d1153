"""One pass at a time: a pass applied to a built graph, checked on the
printed IR (``str(graph)``), line for line.

Line numbers are printed relative to the example's ``def`` line (``# line
1`` is the first line of its body; an instruction built from a rule has the
line of the call it differentiates), and instructions from other files
print none, so the texts do not change when an unrelated line moves.  Functions: pass_examples.py.
"""
import re
from dataclasses import replace

import pytest

from ad_compiler.ir import ops
from ad_compiler.ir.build import build
from ad_compiler.ir.nodes import Block, Const, Loc
from ad_compiler.ir.verify import verify
from ad_compiler.transforms.accumulate import accumulate_in_place
from ad_compiler.transforms.activity import activity
from ad_compiler.transforms.aux import split_aux
from ad_compiler.transforms.dead_raises import keep_dead_raises
from ad_compiler.transforms.inplace import inplace_setitems
from ad_compiler.transforms.iteration import resolve_iteration
from ad_compiler.transforms.licm import hoist_invariants
from ad_compiler.transforms.reverse import reverse
from ad_compiler.transforms.shapes import stack_shapes_only
from ad_compiler.transforms.simplify import cse, dce, fold_branches, fold_constants, simplify
from ad_compiler.transforms.specialize import specialize_scalars

from . import pass_examples as ex


def ir_text(g, fn):
    """``str(g)`` without its header line, with line numbers relative to
    ``fn``'s ``def`` line (and none for instructions from other files)."""
    base, filename = fn.__code__.co_firstlineno, fn.__code__.co_filename

    def rel(ins):
        loc = ins.loc
        if ins.fn is ops.comment:               # '[adjoint of ]line 66: z = x * y'
            head, n, rest = re.match(r"(.*line )(\d+)(:.*)", ins.args[0].value).groups()
            ins = replace(ins, args=(Const(f"{head}{int(n) - base}{rest}"),))
        if loc is None:
            return ins
        return replace(ins, loc=Loc(loc.filename, loc.lineno - base, loc.source)
                       if loc.filename == filename else None)
    blocks = tuple(Block(b.label, b.params, tuple(rel(i) for i in b.instrs), b.term)
                   for b in g.blocks)
    head, body = str(replace(g, blocks=blocks)).split("\n", 1)
    assert head.startswith(f"def {g.name}(")
    return body


def built(fn):
    return verify(build(fn))


def joint(fn, wrt=(0,)):
    """The primal graph (simplified) and its joint graph for ``wrt``."""
    g = simplify(built(fn))
    act = activity(g, [g.params[k] for k in wrt], g.blocks[-1].term.value)
    return g, verify(reverse(g, wrt, act, fn.__name__))


def check(got, expected):
    got_lines, want = got.splitlines(), expected.strip("\n").splitlines()
    assert got_lines == want, "\n" + got


# -- simplify: CSE, DCE, constant folding, branch folding ------------------------------------
def test_cse_replaces_a_repeated_pure_call_by_the_first():
    check(ir_text(cse(built(ex.repeated)), ex.repeated), """
bb0(x):
  t1 = np.sin x                                 # line 1
  a = mul t1 2.0                                # line 1
  unused = np.cos x                             # line 3
  out = add a a                                 # line 4
  return out
""")


def test_dce_removes_unread_pure_instructions():
    check(ir_text(dce(built(ex.repeated)), ex.repeated), """
bb0(x):
  t1 = np.sin x                                 # line 1
  a = mul t1 2.0                                # line 1
  t2 = np.sin x                                 # line 2
  b = mul t2 2.0                                # line 2
  out = add a b                                 # line 4
  return out
""")


def test_dce_after_cse_leaves_one_computation():
    check(ir_text(dce(cse(built(ex.repeated))), ex.repeated), """
bb0(x):
  t1 = np.sin x                                 # line 1
  a = mul t1 2.0                                # line 1
  out = add a a                                 # line 4
  return out
""")


def test_dce_drops_loop_exit_parameters_nothing_reads():
    g = built(ex.item_reads)
    assert "bb3(i_5, s_6):" in ir_text(g, ex.item_reads).splitlines()
    check(ir_text(dce(g), ex.item_reads), """
bb0(x):
  jump bb1(0, 0.0)
bb1(i, s):                                      # loop header
  t1 = lt i 3                                   # line 2
  br t1 ? bb2() : bb3(s)
bb2():
  t2 = getitem x i                              # line 3
  s_3 = add s t2                                # line 3
  i_4 = add i 1                                 # line 2
  jump bb1(i_4, s_3)
bb3(s_6):
  return s_6
""")


def test_fold_constants_folds_arithmetic_and_the_test():
    check(ir_text(fold_constants(built(ex.constant_branch)), ex.constant_branch), """
bb0(x):
  br True ? bb1() : bb2()
bb1():
  y = mul x 6.0                                 # line 3
  jump bb3(y)
bb2():
  jump bb3(x)
bb3(y_2):
  return y_2
""")


def test_fold_branches_removes_the_arm_that_never_runs():
    g = fold_branches(fold_constants(built(ex.constant_branch)))
    check(ir_text(g, ex.constant_branch), """
bb0(x):
  jump bb1()
bb1():
  y = mul x 6.0                                 # line 3
  jump bb3()
bb3():
  return y
""")
    verify(g)


# -- what Python would raise, kept -------------------------------------------------------
_UNUSED_ITEM_KEPT = """
bb0(x):
  y = getitem x 10                              # line 1
  escape y                                      # line 1
  t1 = getitem x 0                              # line 2
  out = mul t1 2.0                              # line 2
  return out
"""


def test_keep_dead_raises_marks_an_unused_item_that_may_raise():
    g = built(ex.unused_item)
    check(ir_text(keep_dead_raises(g), ex.unused_item), _UNUSED_ITEM_KEPT)
    check(ir_text(simplify(keep_dead_raises(g)), ex.unused_item), _UNUSED_ITEM_KEPT)
    assert "  y = getitem x 10                              # line 1" not in \
        ir_text(simplify(g), ex.unused_item).splitlines()      # what the marker prevents


# -- per-variant passes before reverse ---------------------------------------------------------
def test_split_aux_reads_the_pair_at_the_single_return():
    g = simplify(built(ex.with_aux))
    text = ir_text(split_aux(g, "with_aux"), ex.with_aux)
    assert ir_text(g, ex.with_aux).splitlines()[-1] == "  return out_6"
    check("\n".join(text.splitlines()[-5:]), """
bb3(out_6):
  value = getitem out_6 0
  aux = getitem out_6 1
  result = make_tuple value aux
  return result
""")


def test_resolve_iteration_drops_iteration_keys_of_an_array_parameter():
    g = simplify(built(ex.rows))
    assert "  a_1 = iteration_keys a                        # line 2" in \
        ir_text(g, ex.rows).splitlines()
    check(ir_text(resolve_iteration(g, ("a2",)), ex.rows), """
bb0(a):
  n = len a                                     # line 2
  jump bb1(0, 0.0)
bb1(i, s):                                      # loop header
  t2 = lt i n                                   # line 2
  br t2 ? bb2() : bb3(s)
bb2():
  t3 = getitem a i                              # line 2
  t4 = getitem t3 0                             # line 3
  s_5 = add s t4                                # line 3
  i_6 = add i 1                                 # line 2
  jump bb1(i_6, s_5)
bb3(s_8):
  return s_8
""")
    assert resolve_iteration(g, ("q",)) is g        # a sequence: decided at run time


# -- activity --------------------------------------------------------------------------------
def _active(fn, k):
    g = simplify(built(fn))
    return sorted(v.name for v in activity(g, [g.params[k]], g.blocks[-1].term.value))


def test_activity_is_what_depends_on_wrt_and_reaches_the_output():
    g = simplify(built(ex.two_inputs))
    check(ir_text(g, ex.two_inputs), """
bb0(x, y):
  a = mul x y                                   # line 1
  b = mul y y                                   # line 2
  n = np.shape x                                # line 3
  t1 = len n                                    # line 4
  t2 = mul 0.0 t1                               # line 4
  t3 = add a t2                                 # line 4
  t4 = mul 0.0 b                                # line 4
  out = add t3 t4                               # line 4
  return out
""")
    # n = np.shape(x) passes no gradient; b depends on y only
    assert _active(ex.two_inputs, 0) == ["a", "out", "t3", "x"]
    assert _active(ex.two_inputs, 1) == ["a", "b", "out", "t3", "t4", "y"]


def test_activity_follows_block_arguments_around_a_loop():
    assert _active(ex.item_reads, 0) == ["s", "s_3", "s_6", "t2", "x"]


# -- loop-invariant code motion --------------------------------------------------------------
def test_licm_hoists_into_the_preheader_of_a_loop_that_runs():
    g = hoist_invariants(dce(built(ex.invariant_known_trips)))
    check(ir_text(g, ex.invariant_known_trips), """
bb0(x, w):
  t2 = np.sin w                                 # line 3
  jump bb1(0, 0.0)
bb1(i, s):                                      # loop header
  t1 = lt i 3                                   # line 2
  br t1 ? bb2() : bb3(s)
bb2():
  t3 = getitem x i                              # line 3
  t4 = mul t2 t3                                # line 3
  s_5 = add s t4                                # line 3
  i_6 = add i 1                                 # line 2
  jump bb1(i_6, s_5)
bb3(s_8):
  return s_8
""")


def test_licm_guards_what_it_hoists_when_the_loop_may_not_run():
    g = verify(hoist_invariants(dce(built(ex.invariant_unknown_trips))))
    check(ir_text(g, ex.invariant_unknown_trips), """
bb0(x, w, n):
  runs_1 = lt 0 n                               # line 2
  br runs_1 ? bb4() : bb5()
bb4():
  t2 = np.sin w                                 # line 3
  jump bb1(0, 0.0)
bb1(i, s):                                      # loop header
  t1 = lt i n                                   # line 2
  br t1 ? bb2() : bb6(s)
bb2():
  t3 = getitem x i                              # line 3
  t4 = mul t2 t3                                # line 3
  s_5 = add s t4                                # line 3
  i_6 = add i 1                                 # line 2
  jump bb1(i_6, s_5)
bb6(s_8_1):
  jump bb3(s_8_1)
bb5():
  jump bb3(0.0)
bb3(s_8):
  return s_8
""")


# -- in-place setitem ------------------------------------------------------------------------
def test_inplace_setitem_in_a_loop_that_nothing_else_reads():
    assert sorted(v.name for v in inplace_setitems(simplify(built(ex.fill)))) == ["y_7"]


def test_inplace_refused_where_the_adjoint_reads_the_old_array_later():
    g, j = joint(ex.write_after_read)
    assert sorted(v.name for v in inplace_setitems(g)) == ["y_2"]
    lines = ir_text(j, ex.write_after_read).splitlines()
    write = lines.index("  y_2 = setitem y 0 0.0                         # line 3")
    assert "  t6 = mul t1_bar y                             # line 2" in lines[write:]           # the old y, read after the write
    assert inplace_setitems(j) == set()


# -- reverse, then specialisation on argument kinds ------------------------------------------
_PRODUCT_JOINT = """
bb0(x, y, seed):
  comment 'line 1: z = x * y'
  z = mul x y                                   # line 1
  comment 'line 2: return np.sin(z)'
  out = np.sin z                                # line 2
  out_bar = seed_cotangent seed out
  comment 'adjoint of line 2: return np.sin(z)'
  t1 = np.cos z                                 # line 2
  z_bar = safe_mul out_bar t1                   # line 2
  comment 'adjoint of line 1: z = x * y'
  t3 = mul z_bar y                              # line 1
  x_bar = unbroadcast t3 x                      # line 1
  x_grad = cast_like x_bar x
  result = make_tuple out x_grad
  return result
"""


def test_reverse_appends_the_adjoint_in_reverse_line_order():
    check(ir_text(joint(ex.product)[1], ex.product), _PRODUCT_JOINT)


def test_specialize_drops_unbroadcast_for_scalar_arguments():
    g, j = joint(ex.product)
    expected = _PRODUCT_JOINT.replace(
        "  t3 = mul z_bar y                              # line 1\n"
        "  x_bar = unbroadcast t3 x                      # line 1\n",
        "  x_bar = mul z_bar y                           # line 1\n")
    assert expected != _PRODUCT_JOINT
    check(ir_text(specialize_scalars(j, list(g.params), {}), ex.product), expected)
    check(ir_text(specialize_scalars(j, [], {p: 1 for p in g.params}), ex.product),
          _PRODUCT_JOINT)                       # arrays: the shapes may differ


def test_reverse_of_a_loop_runs_the_adjoint_loop_backwards():
    g, j = joint(ex.item_reads)
    j = verify(simplify(specialize_scalars(j, [], {g.params[0]: 1})))
    check(ir_text(j, ex.item_reads), _ITEM_READS_JOINT)


_ITEM_READS_JOINT = """
bb0(x, seed):
  jump bb1(0, 0.0)
bb1(i, s):                                      # loop header
  comment 'line 2: for i in range(3):'
  t1 = lt i 3                                   # line 2
  br t1 ? bb2() : bb3(s)
bb2():
  comment 'line 3: s = s + x[i]'
  t2 = getitem x i                              # line 3
  s_3 = add s t2                                # line 3
  comment 'line 2: for i in range(3):'
  i_4 = add i 1                                 # line 2
  jump bb1(i_4, s_3)
bb3(s_6):
  s_6_bar = seed_cotangent seed s_6
  x_bar = zero_like x
  jump bb4(2, s_6_bar, x_bar)
bb4(r_1, s_bar, x_bar_2):                       # loop header
  t3 = gt r_1 -1
  br t3 ? bb5() : bb6(x_bar_2)
bb5():
  comment 'adjoint of line 3: s = s + x[i]'
  x_bar_11 = scatter_into s_bar x r_1           # line 3
  x_bar_12 = add x_bar_2 x_bar_11
  r_13 = add r_1 -1
  jump bb4(r_13, s_bar, x_bar_12)
bb6(x_bar_16):
  x_grad = cast_like x_bar_16 x
  result = make_tuple s_6 x_grad
  return result
"""


# -- in-place accumulation and stacks of shapes ----------------------------------------------
def test_accumulate_turns_scatter_plus_add_into_index_add():
    g, j = joint(ex.item_reads)
    j = verify(simplify(specialize_scalars(j, [], {g.params[0]: 1})))
    expected = _ITEM_READS_JOINT.replace(
        "  x_bar_11 = scatter_into s_bar x r_1           # line 3\n"
        "  x_bar_12 = add x_bar_2 x_bar_11\n",
        "  x_bar_12 = index_add x_bar_2 r_1 s_bar\n")
    assert expected != _ITEM_READS_JOINT
    check(ir_text(verify(accumulate_in_place(j)), ex.item_reads), expected)


def test_accumulate_leaves_a_graph_without_scatters_as_it_is():
    g, j = joint(ex.product)
    assert accumulate_in_place(j) is j


def _block(text, label):
    lines = text.splitlines()
    start = next(k for k, ln in enumerate(lines) if ln.startswith(label + "("))
    end = next((k for k in range(start + 1, len(lines)) if not lines[k].startswith(" ")),
               len(lines))
    return "\n".join(lines[start:end])


def test_stack_shapes_only_stacks_the_shape_of_a_value_read_for_its_shape():
    g, j = joint(ex.comprehension)
    j = verify(simplify(specialize_scalars(j, [], {g.params[0]: 1})))
    before = ir_text(j, ex.comprehension)
    assert "  t3_bar = unbroadcast t14 t3_13                # line 1" in before.splitlines()    # the pop's only use
    check(_block(before, "bb2"), """
bb2():
  comment 'line 1: ys = [x[i] * 2.0 for i in range(3)]'
  t3 = getitem x i                              # line 1
  tape_store t3_tape i t3                       # line 1
  t4 = mul t3 2.0                               # line 1
  ys_5 = list_append ys_1 t4                    # line 1
  i_6 = add i 1                                 # line 1
  jump bb1(i_6, ys_5)
""")
    after = ir_text(verify(stack_shapes_only(j)), ex.comprehension)
    check(_block(after, "bb2"), """
bb2():
  comment 'line 1: ys = [x[i] * 2.0 for i in range(3)]'
  t3 = getitem x i                              # line 1
  t3_shape = shape_proxy t3                     # line 1
  tape_store t3_tape i t3_shape                 # line 1
  t4 = mul t3 2.0                               # line 1
  ys_5 = list_append ys_1 t4                    # line 1
  i_6 = add i 1                                 # line 1
  jump bb1(i_6, ys_5)
""")
    assert [ln for ln in before.splitlines() if "bb2" not in ln and "t3" not in ln] == \
        [ln for ln in after.splitlines() if "bb2" not in ln and "t3" not in ln]


# -- the builder's own names -----------------------------------------------------------------
@pytest.mark.parametrize("fn, expected", [
    (ex.comprehension, """
bb0(x):
  ys = make_list                                # line 1
  jump bb1(0, ys)
bb1(i, ys_1):                                   # loop header
  t2 = lt i 3                                   # line 1
  br t2 ? bb2() : bb3(ys_1)
bb2():
  t3 = getitem x i                              # line 1
  t4 = mul t3 2.0                               # line 1
  ys_5 = list_append ys_1 t4                    # line 1
  i_6 = add i 1                                 # line 1
  jump bb1(i_6, ys_5)
bb3(ys_8):
  out = sum ys_8                                # line 2
  return out
"""),
    (ex.mapped, """
bb0(x):
  items = make_list                             # line 1
  x_1 = iteration_keys x                        # line 1
  n = len x_1                                   # line 1
  jump bb1(0, items)
bb1(i, items_2):                                # loop header
  t3 = lt i n                                   # line 1
  br t3 ? bb2() : bb3(items_2)
bb2():
  t4 = getitem x_1 i                            # line 1
  t5 = np.sin t4                                # line 1
  items_6 = list_append items_2 t5              # line 1
  i_7 = add i 1                                 # line 1
  jump bb1(i_7, items_6)
bb3(items_9):
  out = sum items_9                             # line 1
  return out
"""),
])
def test_comprehension_values_are_named_after_their_target(fn, expected):
    """The list a comprehension (or ``map``) builds is named after the
    variable it is assigned to (else ``items``), never after an object id."""
    check(ir_text(simplify(built(fn)), fn), expected)


def test_loop_flags_and_counters_are_named_by_their_role():
    text = ir_text(simplify(built(ex.loop_sum)), ex.loop_sum).splitlines()
    assert text[:4] == ["bb0(x, n):", "  jump bb1(0, 0.0, False)",
                        "bb1(i, s, flag):                                # loop header",
                        "  br flag ? bb2() : bb3()"]
    assert "bb4(go):" in text
