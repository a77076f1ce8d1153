"""What the passes know of the compiler's own primitives: the IR's
(``ir/ops.py``), the run-time helpers generated code calls (``runtime.py``,
``pytree.py``) and attribute reads (``x.shape`` is ``Call(Attr("shape"), (x,))``).
Most have no derivative rule (they are made by the reverse pass, or rules
call them); those that have one get their properties where the rule is
(``structural.py``, ``views.py``).

Example::

    declare(runtime.unbroadcast, rank=1, shape_only=(1,))
    props(runtime.unbroadcast).shape_only -> (1,)   # stack_shapes_only: stack x's shape only
    props(Attr("shape")).nondiff -> True              # a fact about x, not a value computed from it

Every property not given here follows from the kind of callable (the
compiler's helpers never raise; those of ``runtime`` compute a value only:
see ``registry._kind_defaults``).
"""
from .. import pytree, runtime
from ..ir import ops
from ..ir.nodes import Attr
from .registry import declare, like

# -- the IR's primitives -------------------------------------------------------------------
declare(ops.make_tuple, pure=True, remat="cheap", never_dict=True, fold=True)
declare(ops.make_list, never_dict=True)         # a new list each time: never shared
declare(ops.make_slice, pure=True, nondiff=True, fold=True)
declare(ops.new_stack, ops.new_tape, ops.comment, nondiff=True)
declare(ops.range_cond, pure=True, nondiff=True, rank="scalar")
declare(ops.trips_within, pure=True, nondiff=True, rank="scalar", number_kind="int")
declare(runtime.zero_like, pure=True, nondiff=True, fresh=True, rank=0, shape_only=(0,))
declare(runtime.item_cotangent, pure=True)
declare(runtime.seed_cotangent, rank=like(1), pure=False)   # checks the seed: never dropped
declare(runtime.own, fresh=True, rank=0)
declare(runtime.index_add, runtime.zero_at_inplace, runtime.extremum_add, fresh=True)
# effects and structure only (every property the default: not pure, may be anything)
declare(ops.push, ops.pop, ops.tape_store, ops.tape_load, ops.make_dict, ops.escape, ops.require, ops.changed_in_place,
        runtime.shape_proxy)

# -- run-time helpers ----------------------------------------------------------------------
declare(runtime.unbroadcast, runtime.unreduce, rank=1, shape_only=(1,))
declare(runtime.cast_like, rank=1)
declare(runtime.zero_like, runtime.own, shape_of=0)
declare(runtime.unbroadcast, runtime.cast_like, runtime.seed_cotangent, shape_of=1)
declare(runtime.accumulate, runtime.reduced_count)
declare(runtime.scatter_into, fresh=True, rank=1)
declare(runtime.safe_mul, runtime.safe_div, runtime.div_or_zero, runtime.pow_slope,
        elementwise=True)
declare(runtime.tree_index_add, fresh=True)
declare(runtime.tree_cotangent, pytree.tree_item, pytree.attr_cotangent, runtime.repeat_cotangent,
        runtime.concat_cotangent)                  # cotangents of containers' items

# -- attribute reads -----------------------------------------------------------------------
_FACTS = ("shape", "ndim", "size", "dtype", "itemsize", "nbytes", "strides", "flags",
          "_fields", "__class__", "__name__")
# facts about a value, not values computed from it: no gradient (any other
# attribute of a varied value is varied: a namedtuple's field, .mT, .flat)
declare(*(Attr(name) for name in _FACTS), nondiff=True)
declare(*(Attr(name) for name in ("shape", "ndim", "size", "dtype")), raises=False)
declare(*(Attr(name) for name in ("T", "shape", "ndim", "size", "dtype")), hoist=True)
declare(*(Attr(name) for name in ("T", "mT", "real", "imag", "flat", "base")), views=(0,))
declare(Attr("ndim"), Attr("size"), rank="scalar")
declare(Attr("shape"), rank="shape")
