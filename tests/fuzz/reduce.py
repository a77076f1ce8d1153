"""Delta-reduction: the smallest program that still fails the same way.

Example::

    small = minimize(prog, "grad-fd:v")  # deletes statements, unwraps ifs and
    print(small.source())                # loops, drops return terms and
                                         # rebinds while check(...) still has a
                                         # failure of that key (Failure.key: the
                                         # check and the parameter); same inputs

Greedy, one edit at a time, until no single edit keeps the failure (or the
budget of checks is spent).  The module prelude is trimmed last: helpers
the reduced body no longer names are dropped.
"""
from __future__ import annotations

import copy
import re

from .oracle import check
from .wellformed import well_formed


def _positions(nodes, prefix=()):
    for i, n in enumerate(nodes):
        yield prefix + (i,)
        if n.body:
            yield from _positions(n.body, prefix + (i,))


def _container(body, pos):
    nodes = body
    for i in pos[:-1]:
        nodes = nodes[i].body
    return nodes


def _edits(prog):
    """Candidate programs one edit smaller, largest cuts first."""
    for pos in _positions(prog.body):
        for kind in ("delete", "unwrap", "empty"):
            p = copy.deepcopy(prog)
            nodes = _container(p.body, pos)
            node = nodes[pos[-1]]
            if kind == "delete":
                del nodes[pos[-1]]
            elif kind == "unwrap" and node.body:
                nodes[pos[-1]:pos[-1] + 1] = node.body
            elif kind == "empty" and node.body and len(node.body) > 1:
                node.body = [node.body[-1]]
            else:
                continue
            yield p
    for i in range(len(prog.ret)):
        if len(prog.ret) > 1:
            p = copy.deepcopy(prog)
            del p.ret[i]
            yield p
    for i in range(len(prog.rebinds)):
        p = copy.deepcopy(prog)
        del p.rebinds[i]
        yield p


def _keeps(prog, check_name, numba):
    if not well_formed(prog.source()):         # e.g. a read whose assignment was deleted
        return False
    out = check(prog, numba=numba)
    return any(f.key == check_name and "does not load" not in f.message
               for f in out.failures)


def _trim_prelude(prog, check_name, numba):
    """Drop the prelude definitions (helpers, globals) nothing names any more."""
    blocks, cur = [], []
    for ln in prog.prelude:
        if ln and not ln.startswith(" ") and cur:
            blocks.append(cur)
            cur = []
        if ln:
            cur.append(ln)
    blocks += [cur] if cur else []
    for blk in reversed(list(blocks)):          # later ones use earlier ones
        name = re.match(r"(?:def\s+)?(\w+)", blk[0]).group(1)
        p = copy.deepcopy(prog)
        p.prelude = [ln for b in blocks if b is not blk for ln in b + [""]]
        if re.search(rf"\b{name}\b", p.source().split("\ndef f(")[-1]) \
                or not _keeps(p, check_name, numba):
            continue
        prog, blocks = p, [b for b in blocks if b is not blk]
    return prog


def minimize(prog, check_name, numba=False, budget=400):
    """The reduced program (``prog`` itself when nothing smaller fails)."""
    spent = 0
    changed = True
    while changed and spent < budget:
        changed = False
        for cand in _edits(prog):
            spent += 1
            if _keeps(cand, check_name, numba):
                prog = cand
                changed = True
                break
            if spent >= budget:
                break
    return _trim_prelude(prog, check_name, numba)
