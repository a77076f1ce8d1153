"""Files of the on-disk cache: signed records, generated modules, eviction.

Example::

    write_record(d, "f_grad_1a2b", {"key": k, ...})   # d/f_grad_1a2b.meta, atomically
    read_record(d, "f_grad_1a2b", k)   # -> the dict; None (and the file removed)
                                       #    if truncated, corrupt, foreign or for another key
    write_text(d, "f_grad_1a2b.py", source)            # the generated module
    read_checked(d, "f_grad_1a2b.py", sha)             # its text, only if the hash matches

A record is ``MAGIC, sha256(payload) in hex, newline, payload`` with a
pickled payload: the hash is checked before anything is unpickled, and the
payload names its key, so a file renamed or written for another key is
discarded too.  Every write goes to a temporary file in the same folder and
is moved into place with ``os.replace``: a reader sees the old file or the
new one, never half of one, and two processes writing the same entry agree.
Reading an entry touches its ``.meta`` file; ``evict`` removes the entries
least recently used until the folder fits its bound.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import stat
import time

from . import location

__all__ = ["write_record", "read_record", "write_text", "read_checked", "evict", "entries",
           "remove_entry", "sha256"]

MAGIC = b"ADC-CACHE-1\n"
_SUFFIXES = (".meta", ".py")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def _write_bytes(path, data):
    """Atomically: a temporary file beside ``path``, then ``os.replace``."""
    tmp = f"{path}.{os.getpid()}.{id(data):x}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        touch(tmp)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def touch(path):
    """Mark ``path`` used now, to the nanosecond (a file system's own clock
    may tick every few milliseconds: entries written or read within one
    tick would tie, and the least recently used could not be told)."""
    now = time.time_ns()
    os.utime(path, ns=(now, now))


def _write(path, data):
    """Write, or degrade (one warning) when the disk refuses; True on success."""
    try:
        _write_bytes(path, data)
        return True
    except OSError as e:
        location.degrade(f"cannot write {path} ({e.strerror or e})")
        return False


def _read_own(path):
    """The bytes of a regular file owned by the current user, else None
    (a foreign file is left alone: it is not ours to remove)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None
        if not location.owned(st):
            location.warn(f"{path} belongs to another user (uid {st.st_uid}); not using it")
            return None
        with os.fdopen(fd, "rb") as fh:
            fd = None
            return fh.read()
    finally:
        if fd is not None:
            os.close(fd)


def _discard(path):
    try:
        st = os.lstat(path)
        if location.owned(st):
            os.unlink(path)
    except OSError:
        pass


def write_record(folder, stem, payload):
    data = pickle.dumps(payload, protocol=4)
    return _write(os.path.join(folder, stem + ".meta"),
                  MAGIC + sha256(data).encode() + b"\n" + data)


def read_record(folder, stem, key):
    """The payload of ``stem.meta`` if it is intact and for ``key``."""
    path = os.path.join(folder, stem + ".meta")
    raw = _read_own(path)
    if raw is None:
        return None
    head = len(MAGIC) + 64
    ok = raw.startswith(MAGIC) and len(raw) > head + 1 and raw[head:head + 1] == b"\n"
    if ok:
        data = raw[head + 1:]
        ok = sha256(data).encode() == raw[len(MAGIC):head]
    payload = None
    if ok:
        try:
            payload = pickle.loads(data)
        except Exception:          # an object it names is gone (a renamed module...)
            payload = None
    if not isinstance(payload, dict) or payload.get("key") != key:
        remove_entry(folder, stem)
        return None
    try:
        touch(path)                # recently used (least recently used go first)
    except OSError:
        pass
    return payload


def write_text(folder, name, text):
    return _write(os.path.join(folder, name), text.encode())


def read_checked(folder, name, digest, mark_used=False):
    """The text of ``name`` if its sha256 is ``digest``, else None
    (``mark_used``: mark it recently used)."""
    path = os.path.join(folder, name)
    raw = _read_own(path)
    if raw is None or sha256(raw) != digest:
        return None
    if mark_used:
        try:
            touch(path)
        except OSError:
            pass
    return raw.decode()


def entries(folder):
    """``{stem: (bytes, last used)}`` of the entries (a stem's files: its
    record, its module, Numba's files of that module)."""
    out = {}
    for sub in (folder, os.path.join(folder, "__pycache__")):
        try:
            names = os.listdir(sub)
        except OSError:
            continue
        for name in names:
            stem = name.split(".", 1)[0]
            try:
                st = os.lstat(os.path.join(sub, name))
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            size, used = out.get(stem, (0, 0.0))
            used = max(used, st.st_mtime_ns)
            out[stem] = (size + st.st_size, used)
    return out


def remove_entry(folder, stem):
    for sub in (folder, os.path.join(folder, "__pycache__")):
        try:
            names = os.listdir(sub)
        except OSError:
            continue
        for name in names:
            if name.split(".", 1)[0] == stem:
                _discard(os.path.join(sub, name))


def evict(folder, limit, keep=()):
    """Remove least recently used entries until the folder holds at most
    ``limit`` bytes (``keep``: stems just written)."""
    found = entries(folder)
    total = sum(s for s, _ in found.values())
    if total <= limit:
        return 0
    removed = 0
    for stem, (size, _) in sorted(found.items(), key=lambda kv: kv[1][1]):
        if total <= limit:
            break
        if stem in keep:
            continue
        remove_entry(folder, stem)
        total -= size
        removed += 1
    return removed
