"""Exceptions raised by ad_compiler.  Every compile-time error names the
function, the file and the line it concerns.

Example::

    UnsupportedSyntaxError: f (model.py:12): 'try' statements are not supported
        try:
"""
from __future__ import annotations

__all__ = ["ADError", "UnsupportedSyntaxError", "NoRuleError", "SourceUnavailableError",
           "WrtError", "NonScalarOutputError", "SeedShapeError", "NotDifferentiableError",
           "BackendError", "MutationError", "UndefinedNameError"]


class ADError(Exception):
    """Base class.  ``where`` is ``"fn (file:line)"`` when known."""

    def __init__(self, message, *, fn_name=None, filename=None, lineno=None, source_line=None):
        self.fn_name, self.filename, self.lineno = fn_name, filename, lineno
        self.source_line = source_line
        self.message = message
        super().__init__(self._format())

    def _format(self):
        head = ""
        if self.fn_name or self.filename:
            where = f"{self.filename}:{self.lineno}" if self.lineno else (self.filename or "")
            head = f"{self.fn_name or '?'} ({where}): " if where else f"{self.fn_name}: "
        text = head + self.message
        if self.source_line:
            text += "\n    " + self.source_line.strip()
        return text


class UnsupportedSyntaxError(ADError):
    """A construct the compiler does not handle (``try``, ``with``, ``yield``...)."""


class NoRuleError(ADError):
    """A call to a callable with no derivative rule on the path from ``wrt`` to the output."""


class SourceUnavailableError(ADError):
    """``inspect`` cannot find the source (REPL, lambda, builtin, C extension)."""


class WrtError(ADError, ValueError):
    """``wrt`` names an argument that does not exist or cannot be differentiated."""


class NonScalarOutputError(ADError, ValueError):
    """The output is not a scalar and no ``seed`` was given."""


class SeedShapeError(ADError, ValueError):
    """The ``seed`` does not have the output's shape."""


class NotDifferentiableError(ADError, TypeError):
    """Differentiating with respect to an integer, a bool, or a complex value."""


class BackendError(ADError):
    """A backend is missing, or a construct cannot be lowered to it."""


class MutationError(ADError):
    """In-place mutation the compiler cannot differentiate safely."""


class UndefinedNameError(ADError, NameError):
    """A free name the function reads is not defined (Python's NameError)."""


def add_note(exc, note):
    """Attach ``note`` to an exception from generated code: PEP 678's
    ``add_note`` on Python 3.11+; on 3.10, which does not print notes, the
    note goes into ``__notes__`` and onto the end of the message."""
    if hasattr(exc, "add_note"):
        exc.add_note(note)
        return
    exc.__notes__ = list(getattr(exc, "__notes__", [])) + [note]
    if exc.args and isinstance(exc.args[0], str):
        exc.args = (f"{exc.args[0]}\n{note}",) + exc.args[1:]
    else:
        exc.args = exc.args + (note,)
