"""Parsed derivative rules, kept in the on-disk cache across processes.

Example::

    def ufunc_sin(g, ans, x): return g * np.cos(x)     # a rule (ad_compiler/rules/)
    tree_of(ufunc_sin, parse)   # first process: parse() reads its source with
                                #   inspect and gast (milliseconds per rule)
                                # later processes: from <cache>/rule_asts_<key>.meta
                                #   (one unpickle for all rules, ~50 us per rule)

A cold compile inlines tens of rules, and reading and parsing their sources
was a large share of its time.  The table is keyed by the versions
(keys.versions(), which include a stamp of ad_compiler's own files), and
each rule by its qualified name (and, for a user's rule registered with
``defvjp``, the hash of its code object), so an edited rule is parsed again.
The table is written back after a compile that parsed a new rule.
"""
from __future__ import annotations

import pickle

from . import disk, keys, location

__all__ = ["tree_of", "flush"]

_MISSING = object()
_state = {"table": None, "key": None, "dirty": False}
_STEM = "rule_asts"


def _table():
    if _state["table"] is None:
        table, key = {}, None
        folder = location.usable_root()
        if folder is not None:
            key = keys.digest("rule-asts", keys.versions())
            rec = disk.read_record(folder, f"{_STEM}_{key[:20]}", key)
            if rec is not None and isinstance(rec.get("asts"), dict):
                table = rec["asts"]
        _state.update(table=table, key=key)
    return _state["table"]


def tree_of(fn, parse):
    """``parse()`` (a picklable value: the rule's parsed source), or the
    value a previous process stored for this very rule."""
    try:
        module, code = fn.__module__, fn.__code__
        # ad_compiler's own rules are covered by the table's key (its files' stamp);
        # a user's rule by the hash of its code
        name = (module, fn.__qualname__,
                None if module.startswith("ad_compiler.") else keys.code_hash(code))
    except AttributeError:
        return parse()
    table = _table()
    hit = table.get(name, _MISSING)
    if hit is not _MISSING:
        try:
            return pickle.loads(hit)
        except Exception:
            pass
    value = parse()
    try:                           # a snapshot now: later passes may annotate the tree
        table[name] = pickle.dumps(value, protocol=4)
        _state["dirty"] = True
    except Exception:
        pass
    return value


def stem():
    """The file name (without .meta) of this process's table, or None."""
    key = _state["key"]
    return None if key is None else f"{_STEM}_{key[:20]}"


def flush():
    """Write the table if a rule was parsed since it was read."""
    if not _state["dirty"] or _state["key"] is None:
        return
    folder = location.usable_root()
    if folder is None:
        return
    _state["dirty"] = False
    key = _state["key"]
    try:
        disk.write_record(folder, f"{_STEM}_{key[:20]}", {"key": key, "asts": _state["table"]})
    except Exception:             # an unpicklable tree: keep parsing, never fail a compile
        pass
