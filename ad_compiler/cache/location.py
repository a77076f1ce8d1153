"""Where the on-disk cache lives, whether it may be used, and the one warning.

Example::

    AD_COMPILER_CACHE_DIR=/scratch/adc  -> /scratch/adc
    XDG_CACHE_HOME=/home/me/.xdg        -> /home/me/.xdg/ad_compiler
    (neither)                           -> ~/.cache/ad_compiler
    AD_COMPILER_CACHE=0                 -> disabled: generated modules go to a
                                           private temporary folder of this process

The folder is created with mode 0700.  A folder (or, later, a file) that
belongs to another user is refused: ``usable_root()`` returns None after a
single ``CacheWarning``, and the compiler works in memory.  A write that
fails (read-only folder, full disk) calls ``degrade()``: one warning, then no
more writes in this process.
"""
from __future__ import annotations

import atexit
import os
import shutil
import stat
import tempfile
import warnings

__all__ = ["CacheWarning", "root", "enabled", "usable_root", "private_dir", "degrade",
           "owned", "reset", "max_bytes"]

_OFF = ("0", "false", "no", "off")
_state = {"warned": False, "degraded": False, "private": None, "checked": {}}


class CacheWarning(UserWarning):
    """The on-disk cache could not be used; compiling goes on without it."""


def enabled():
    """False when ``AD_COMPILER_CACHE=0`` (or false/no/off)."""
    return os.environ.get("AD_COMPILER_CACHE", "1").strip().lower() not in _OFF


def root():
    """The cache folder the environment names (not created)."""
    d = os.environ.get("AD_COMPILER_CACHE_DIR")
    legacy = os.environ.get("AD_COMPILER_CACHE", "")
    if not d and os.sep in legacy:            # the older spelling: a path in AD_COMPILER_CACHE
        d = legacy
    if not d:
        base = os.environ.get("XDG_CACHE_HOME")
        if not base or not os.path.isabs(base):    # XDG: a relative value is ignored
            base = os.path.join(os.path.expanduser("~"), ".cache")
        d = os.path.join(base, "ad_compiler")
    return os.path.abspath(d)


def _uid():
    return os.geteuid() if hasattr(os, "geteuid") else None


def owned(st):
    """Whether a stat result belongs to the current user."""
    uid = _uid()
    return uid is None or st.st_uid == uid


def warn(message):
    """The cache's one warning per process."""
    if not _state["warned"]:
        _state["warned"] = True
        warnings.warn(f"ad_compiler cache: {message}; compiling without the on-disk cache",
                      CacheWarning, stacklevel=4)


def degrade(message):
    """A write failed: warn once and stop writing to the cache folder."""
    _state["degraded"] = True
    warn(message)


def usable_root():
    """The cache folder, created 0700 and checked to be ours; None when the
    cache is disabled, refused or degraded."""
    if not enabled() or _state["degraded"]:
        return None
    d = root()
    hit = _state["checked"].get(d)
    if hit is not None:
        return hit or None
    ok = _prepare(d)
    _state["checked"][d] = d if ok else ""
    return d if ok else None


def _prepare(d):
    try:
        os.makedirs(d, mode=0o700, exist_ok=True)
        st = os.lstat(d)
    except OSError as e:
        degrade(f"cannot create {d} ({e.strerror or e})")
        return False
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        warn(f"{d} is not a folder")
        return False
    if not owned(st):
        warn(f"{d} belongs to another user (uid {st.st_uid}); refusing to use it")
        return False
    if stat.S_IMODE(st.st_mode) != 0o700:
        try:
            os.chmod(d, 0o700)
        except OSError as e:
            degrade(f"cannot make {d} private ({e.strerror or e})")
            return False
    return True


def private_dir():
    """A folder of this process for generated modules when the cache is not
    used (tracebacks still show real files)."""
    d = _state["private"]
    if d is None or not os.path.isdir(d):
        d = _state["private"] = tempfile.mkdtemp(prefix="ad_compiler_")
        atexit.register(shutil.rmtree, d, True)
    return d


def max_bytes():
    """The size bound: ``AD_COMPILER_CACHE_SIZE`` (bytes, or with a K/M/G
    suffix), default 256M; see ``ad_compiler.cache.set_max_bytes``."""
    text = (_state.get("limit") or os.environ.get("AD_COMPILER_CACHE_SIZE") or "256M").strip()
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:].upper(), 1)
    try:
        return int(float(text[:-1] if scale > 1 else text) * scale)
    except ValueError:
        warnings.warn(f"AD_COMPILER_CACHE_SIZE={text!r} is not a size; using 256M", CacheWarning)
        return 256 << 20


def set_limit(value):
    _state["limit"] = None if value is None else str(value)


def reset():
    """Forget the checks and the warning (tests; a changed environment)."""
    _state.update(warned=False, degraded=False, checked={}, limit=None)
