"""Caches: compiled gradients in memory, generated modules on disk.

Example::

    import ad_compiler as adc
    adc.cache.path()     # '/home/me/.cache/ad_compiler' (XDG_CACHE_HOME, or
                         # AD_COMPILER_CACHE_DIR; AD_COMPILER_CACHE=0 disables)
    adc.cache.info()     # {'path': ..., 'enabled': True, 'entries': 12, 'bytes': 81234,
                         #  'max_bytes': 268435456}
    adc.cache.clear()    # remove every entry (also: python -m ad_compiler cache clear)

A new process that calls ``grad(f)`` on an unchanged ``f`` loads the
gradient from the cache without parsing or transforming anything
(entries.py says what is stored and how it is checked, keys.py what the
key covers, disk.py how files are written and read, location.py where the
folder is and when it is refused).
"""
from __future__ import annotations

import os

from . import disk, location
from .location import CacheWarning
from .modules import PACKAGE, clear_memo, load_module, memoized

__all__ = ["path", "info", "clear", "set_max_bytes", "CacheWarning", "cache_dir", "load_module",
           "memoized", "clear_memo", "PACKAGE"]


def path():
    """The cache folder (it may not exist yet)."""
    return location.root()


def cache_dir():
    """The folder generated modules are written to now."""
    from .modules import module_dir
    return module_dir()


def info():
    """What the cache holds: its folder, whether it is used, the number of
    entries (one per compiled variant or function), their size in bytes and
    the size bound."""
    d = location.root()
    found = disk.entries(d) if os.path.isdir(d) else {}
    return {"path": d, "enabled": location.enabled(), "entries": len(found),
            "bytes": sum(s for s, _ in found.values()), "max_bytes": location.max_bytes()}


def clear():
    """Remove every entry of the cache folder; the number removed."""
    d = location.root()
    if not os.path.isdir(d):
        return 0
    found = disk.entries(d)
    for stem in found:
        disk.remove_entry(d, stem)
    return len(found)


def set_max_bytes(n):
    """Bound the cache to ``n`` bytes (least recently used entries go
    first); None goes back to ``AD_COMPILER_CACHE_SIZE`` or 256 MiB."""
    location.set_limit(n)
