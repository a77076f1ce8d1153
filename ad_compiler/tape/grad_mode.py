"""Switching recording on and off: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

Example::

    with no_grad():          # or @no_grad() on a function
        y = x * 2            # y.requires_grad is False, y.grad_fn is None
    is_grad_enabled()        # True again here

The switch is per thread, like PyTorch's.
"""
from __future__ import annotations

import contextlib
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]

_state = threading.local()


def is_grad_enabled() -> bool:
    """Whether operations on tensors that require grad are recorded now."""
    return getattr(_state, "enabled", True)


def _set(mode: bool):
    _state.enabled = bool(mode)


class set_grad_enabled(contextlib.ContextDecorator):
    """Set recording on or off: at once when constructed (like PyTorch's
    ``torch.set_grad_enabled(False)`` used as a statement), and restored to
    the previous mode when a ``with`` block or decorated function exits."""

    def __init__(self, mode: bool):
        self.prev = is_grad_enabled()
        self.mode = bool(mode)
        _set(self.mode)

    def __enter__(self):
        _set(self.mode)
        return self

    def __exit__(self, *exc):
        _set(self.prev)
        return False


class _GradMode(contextlib.ContextDecorator):
    mode = True

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        return self if fn is None else self(fn)     # bare ``@no_grad`` decorates fn

    def __init__(self, fn=None):
        pass

    def __enter__(self):
        self.prev = is_grad_enabled()
        _set(self.mode)
        return self

    def __exit__(self, *exc):
        _set(self.prev)
        return False


class no_grad(_GradMode):
    """Context manager and decorator: results computed inside do not require
    grad and record no ``grad_fn`` (inference, parameter updates)."""

    mode = False


class enable_grad(_GradMode):
    """Context manager and decorator that turns recording back on inside ``no_grad``."""

    mode = True
