"""The names the values of a graph get in generated code: numbered per base
name, in program order.

The SSA builder makes names unique with one running counter shared by all
names (``x``, ``x_bar_18``, ``t23``, ``x_bar_45``), and the passes after
it drop many of them.  Here every value gets a name again, once the graph
is final:

    graph names       base        emitted
    x                 x           x            (a parameter: never renamed)
    y_3               y           y
    y_3_bar           y_bar       y_bar
    x_bar_15          x_bar       x_bar
    x_bar_21          x_bar       x_bar_1
    t7, t9, t7_bar    t, t, t_bar t1, t2, t1_bar
    h_5_stack         h_stack     h_stack

A name's base is found by taking version numbers (``_18``) off, and off
the names inside it (``y_3_bar`` is the cotangent of ``y_3``, a version of
``y``).  Numbered temporaries (``t23``, and any other name ending in digits
that the user did not write) are numbered again, per prefix, in program
order, and names built on them follow (``t23_bar`` -> ``t1_bar``).  The
values of a base are then called ``base``, ``base_1``, ``base_2`` ... in
the order the program defines them.  Names the user wrote (the identifiers
of the source lines the instructions come from) and the function's
parameters are kept as they are, so ``x_1`` in the user's code is never
taken for a version of ``x``.
"""
from __future__ import annotations

import re

from ..ir.nodes import region_labels

__all__ = ["value_names", "kept_names"]

_IDENT = re.compile(r"[^\W\d]\w*")
_NUMBERED = re.compile(r"(\D\w*?)(\d+)")
_BUILTINS = {"range", "slice", "len", "None", "True", "False"}


def _program_order(graph):
    """Every value of ``graph``, parameters first, then in the order the
    emitted program defines them."""
    seen, order = set(), []

    def add(v):
        if v not in seen:
            seen.add(v)
            order.append(v)
    blocks = graph.block_map()
    labels = region_labels(graph.structure)
    labels += [b.label for b in graph.blocks if b.label not in set(labels)]
    for label in labels:
        b = blocks[label]
        for v in b.params:
            add(v)
        for ins in b.instrs:
            if ins.out is not None:
                add(ins.out)
    return order


def _user_identifiers(graph):
    words = set(graph.arg_names)
    lines = {ins.loc.source for ins in graph.instructions() if ins.loc is not None}
    for line in lines:              # many instructions share a line: each read once
        if line:
            words.update(_IDENT.findall(line))
    return words


def kept_names(graph):
    """The names that stay as they are: the parameters' and those the user
    wrote."""
    words = _user_identifiers(graph)
    kept = {v.name for v in graph.entry.params}
    kept |= {v.name for b in graph.blocks for v in b.params if v.name in words}
    kept |= {i.out.name for i in graph.instructions() if i.out is not None and i.out.name in words}
    return kept


def value_names(graph, used=None, reserved=(), kept=None):
    """``{Var: name}`` for the values ``used`` of ``graph`` (the parameters
    always, all values if None); no new name is in ``reserved``; ``kept``:
    ``kept_names(graph)`` when the caller has it."""
    order = _program_order(graph)
    if used is not None:
        used = set(used) | set(graph.entry.params)
        order = [v for v in order if v in used]
    kept = (kept_names(graph) if kept is None else kept) & {v.name for v in order}
    avoid = kept | set(reserved) | _BUILTINS

    roots, counters = {}, {}

    def root(name):
        """The new name of a numbered temporary (``t23`` -> ``t1``)."""
        if name not in roots:
            prefix = _NUMBERED.fullmatch(name).group(1)
            k = counters.get(prefix, 0)
            while True:
                k += 1
                if f"{prefix}{k}" not in avoid:
                    break
            counters[prefix] = k
            roots[name] = f"{prefix}{k}"
        return roots[name]

    def base(name):
        if name in kept:
            return name
        head, _, tail = name.rpartition("_")
        if head and tail.isdigit():
            return base(head)                 # a version of ``head``
        if head and tail and not head.endswith("_"):
            return f"{base(head)}_{tail}"     # ``head_bar``, ``head_stack`` ...
        if _NUMBERED.fullmatch(name):
            return root(name)
        return name

    for v in order:                           # temporaries are numbered in the order
        if v.name not in kept and _NUMBERED.fullmatch(v.name) \
                and "_" not in v.name.lstrip("_"):
            root(v.name)                      # they are defined, not first mentioned
    taken = set(avoid)
    out = {}
    for v in order:
        if v.name in kept:
            out[v] = v.name
            continue
        b = base(v.name)
        name, k = b, 0
        while name in taken:
            k += 1
            name = f"{b}_{k}"
        taken.add(name)
        out[v] = name
    return out
