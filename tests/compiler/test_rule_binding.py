"""The fast binder of rule parameters agrees with ``inspect.Signature.bind``
(it replaced it for plain signatures, where a fifth of the reverse pass
went), and leaves every other case, errors included, to ``bind``."""
import inspect
import itertools

import pytest

from ad_compiler.transforms.rule_inline import bind_operands


def plain(g, ans, x, y=2, z=None):
    return g


def starred(g, *xs, axis=None):
    return g


def kwonly(g, x, *, keepdims=False):
    return g


def posonly(g, x, /, y=1):
    return g


CALLS = [((1, 2, 3), ()), ((1, 2, 3, 4), ()), ((1, 2, 3, 4, 5), ()), ((1, 2), (("x", 3),)),
         ((1, 2, 3), (("z", 5),)), ((1, 2, 3), (("z", 5), ("y", 4))), ((1,), (("x", 3), ("ans", 2))),
         ((1, 2, 3, 4, 5, 6), ()), ((1, 2), ()), ((1, 2, 3), (("y", 1), ("y", 2))),
         ((1, 2, 3), (("q", 1),)), ((1, 2, 3, 4), (("y", 9),)), ((1, 2), (("x", 1), ("x", 2)))]


def _reference(fn, args, kwargs):
    try:
        b = inspect.signature(fn).bind(*args, **dict(kwargs))
    except TypeError as e:
        return TypeError, str(e)
    b.apply_defaults()
    return dict(b.arguments)


def _fast(fn, args, kwargs):
    try:
        return bind_operands(fn, args, kwargs)
    except TypeError as e:
        return TypeError, str(e)


@pytest.mark.parametrize("fn", [plain, starred, kwonly, posonly])
@pytest.mark.parametrize("call", CALLS + [((1, 2), (("keepdims", True),)),
                                          ((1, 2, 3), (("axis", 0),))])
def test_binding_matches_inspect(fn, call):
    args, kwargs = call
    want, got = _reference(fn, args, kwargs), _fast(fn, args, kwargs)
    assert got == want
    if isinstance(want, dict):                 # the same order of parameters, too
        assert list(got) == list(want)


def test_every_arity_of_a_plain_rule():
    for n in range(7):
        for kw in itertools.chain.from_iterable(
                itertools.combinations(["g", "ans", "x", "y", "z", "w"], k) for k in range(3)):
            args = tuple(range(n))
            kwargs = tuple((k, 10 + i) for i, k in enumerate(kw))
            assert _fast(plain, args, kwargs) == _reference(plain, args, kwargs)
