"""Array constructors whose values depend on their arguments: ``full``,
``full_like``, ``arange``, ``linspace``, ``logspace``, ``geomspace``.

Example: ``y = np.linspace(a, b, 5)`` is ``a + t * (b - a)`` with
``t = [0, 1/4, 1/2, 3/4, 1]``, so its rules are
    linspace_start(g, ans, start, stop, num=5, ...) -> sum(g * (1 - t))
    linspace_stop(g, ans, start, stop, num=5, ...)  -> sum(g * t)
(summed back to the shapes of ``start`` and ``stop`` when they are arrays).
Shapes, sizes and counts (``num``, ``shape``, ``stop`` of ``arange``) are
piecewise constant and get no gradient; an integer ``dtype`` result has
zero gradient.  ``retstep=True`` gives the step its cotangent too.
"""
import numpy as np

from ..runtime import zero_like
from ..runtime import unbroadcast
from .adjoints import cast_cotangent, float_dtype
from .registry import declare, defvjp, like, static_argument


def fill_cotangent(g, ans, fill_value):
    """Cotangent of the fill value of ``full``/``full_like``: every element's
    ``g`` summed back to its shape (0 for an integer result)."""
    return unbroadcast(cast_cotangent(g, ans, ans), fill_value)


def full_fill_value(g, ans, shape, fill_value, dtype=None, order="C", *, device=None, like=None):
    return fill_cotangent(g, ans, fill_value)


def full_like_a(g, ans, a, fill_value, dtype=None, order="K", subok=True, shape=None, *,
                device=None):
    return zero_like(a)


def full_like_fill_value(g, ans, a, fill_value, dtype=None, order="K", subok=True, shape=None,
                         *, device=None):
    return fill_cotangent(g, ans, fill_value)


def _fractions(num, endpoint, axis, ndim):
    """``t`` of ``linspace``: the fraction of the way from start to stop of
    each sample, shaped to broadcast along ``axis`` of an ``ndim`` result."""
    div = num - 1 if endpoint else num
    t = np.arange(num) / div if div > 0 else np.zeros(num)
    shape = [1] * ndim
    shape[axis % ndim] = num
    return t.reshape(shape)


def _spaced_cotangent(g, ans, x, weights, axis=0):
    """``sum(g * weights)`` over the sample axis, summed back to ``x``'s shape
    (0 for an integer result)."""
    if not np.issubdtype(np.result_type(ans), np.inexact):
        return zero_like(np.asarray(x, dtype=float_dtype(x)) if np.ndim(x) else 0.0)
    return cast_cotangent(unbroadcast(np.sum(g * weights, axis=axis), x), x)


def linspace_cotangent(g, ans, x, num, endpoint, retstep, axis, which):
    """Cotangent of ``start`` (which=0) or ``stop`` (1) of ``np.linspace``;
    with ``retstep=True`` the step ``(stop - start) / div`` gets its share."""
    g_step = None
    if retstep:
        (g, g_step), ans = g, ans[0]
    out = 0.0
    if g is not None:
        t = _fractions(num, endpoint, axis, np.ndim(ans))
        out = _spaced_cotangent(g, ans, x, t if which else 1.0 - t, axis)
    div = num - 1 if endpoint else num
    if g_step is not None and div > 0:
        out = out + _spaced_cotangent(np.expand_dims(g_step, axis), ans, x,
                                      (1.0 if which else -1.0) / div, axis)
    return out if np.ndim(out) or np.ndim(x) == 0 else zero_like(np.asarray(x, float))


def linspace_start(g, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None,
                   axis=0, *, device=None):
    return linspace_cotangent(g, ans, start, num, endpoint, retstep, axis, 0)


def linspace_stop(g, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None,
                  axis=0, *, device=None):
    return linspace_cotangent(g, ans, stop, num, endpoint, retstep, axis, 1)


def linspace_returns_tuple(start, stop, num=50, endpoint=True, retstep=False, dtype=None,
                           axis=0, *, device=None):
    return bool(static_argument(retstep, "retstep"))


def logspace_start(g, ans, start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    t = _fractions(num, endpoint, axis, np.ndim(ans))
    return _spaced_cotangent(g, ans, start, ans * np.log(base) * (1.0 - t), axis)


def logspace_stop(g, ans, start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    t = _fractions(num, endpoint, axis, np.ndim(ans))
    return _spaced_cotangent(g, ans, stop, ans * np.log(base) * t, axis)


def logspace_base(g, ans, start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    t = _fractions(num, endpoint, axis, np.ndim(ans))
    start, stop = np.expand_dims(start, axis), np.expand_dims(stop, axis)
    exponent = start + t * (stop - start)                 # ans = base ** exponent
    return _spaced_cotangent(g, ans, base, exponent * ans / np.expand_dims(base, axis), axis)


def geomspace_start(g, ans, start, stop, num=50, endpoint=True, dtype=None, axis=0):
    t = _fractions(num, endpoint, axis, np.ndim(ans))
    return _spaced_cotangent(g, ans, start, ans * (1.0 - t) / np.expand_dims(start, axis), axis)


def geomspace_stop(g, ans, start, stop, num=50, endpoint=True, dtype=None, axis=0):
    t = _fractions(num, endpoint, axis, np.ndim(ans))
    return _spaced_cotangent(g, ans, stop, ans * t / np.expand_dims(stop, axis), axis)


def arange_start(g, ans, *args, dtype=None, device=None, like=None):
    """``arange(start, stop, step)`` is ``start + i * step``: ``start`` gets
    ``sum(g)``; ``arange(stop)`` alone starts at 0, and ``stop`` only sets
    the length."""
    if len(args) < 2:
        return zero_like(args[0])
    return _spaced_cotangent(g, ans, args[0], 1.0)


def arange_stop(g, ans, *args, dtype=None, device=None, like=None):
    return zero_like(args[1])


def arange_step(g, ans, *args, dtype=None, device=None, like=None):
    return _spaced_cotangent(g, ans, args[2], np.arange(np.size(ans)))


defvjp(np.full, None, full_fill_value, doc="fill_value gets sum(g) (per broadcast element)")
defvjp(np.full_like, full_like_a, full_like_fill_value,
       doc="a only gives the shape (0); fill_value gets sum(g)")
defvjp(np.linspace, linspace_start, linspace_stop, multiple_results=linspace_returns_tuple,
       doc="start + t (stop - start): array start/stop, axis, retstep=True")
defvjp(np.logspace, logspace_start, logspace_stop, None, None, logspace_base,
       doc="base ** linspace(start, stop): start, stop and base")
defvjp(np.geomspace, geomspace_start, geomspace_stop, doc="start (stop/start) ** t")
defvjp(np.arange, arange_start, arange_stop, arange_step,
       doc="start + i step (start and step positional); stop only sets the length")
# a new array per call, which the function may then change in place: never shared (CSE)
declare(np.full, np.full_like, np.linspace, np.logspace, np.geomspace, np.arange, pure=False)
declare(np.full, rank="sized", zero_d=True)
declare(np.full_like, rank=like(0, shape_at=5), zero_d=True)
