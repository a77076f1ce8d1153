"""Walking a parsed function's syntax tree, with each node's children and
subtree kept on the node.

Example: building the graph of a function with two loops asks, per loop,
which names it binds, reads after it, updates in place, returns from...;
each question walked the loop's subtree again with ``ast.walk``, whose
generators cost ~1 us a node.  Here::

    children(loop)    # the child nodes, as ast.iter_child_nodes gives them
    walk(loop)        # the whole subtree, in ast.walk's (breadth-first) order

are computed once per node and stored on it (the attributes ``_adc_children``
and ``_adc_walk``; not fields, so printing, ``ast.dump``, conversion and
comparison ignore them).  Trees are not changed after they are parsed
(frontend/parse.py clears a function's decorators before anything walks
it), which is what makes keeping them sound.
"""
from __future__ import annotations

from ast import AST
from collections import deque

__all__ = ["children", "walk"]


def children(node):
    """The direct child nodes of ``node``, in field order."""
    try:
        return node._adc_children
    except AttributeError:
        pass
    out = []
    for field in node._fields:
        v = getattr(node, field, None)
        if isinstance(v, AST):
            out.append(v)
        elif isinstance(v, list):
            out.extend(x for x in v if isinstance(x, AST))
    out = tuple(out)
    try:
        node._adc_children = out
    except AttributeError:              # a node type without a __dict__: not kept
        pass
    return out


def walk(node):
    """``node`` and every node below it, breadth first (as ``ast.walk``)."""
    try:
        return node._adc_walk
    except AttributeError:
        pass
    out = [node]
    todo = deque((node,))
    while todo:
        kids = children(todo.popleft())
        out.extend(kids)
        todo.extend(kids)
    out = tuple(out)
    try:
        node._adc_walk = out
    except AttributeError:
        pass
    return out
