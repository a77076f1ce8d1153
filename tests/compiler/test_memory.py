"""Compiled gradients live as long as their function: closures made in a
loop (a new loss per batch) are not pinned by a global cache."""
import gc
import weakref

import pytest

import ad_compiler as adc
from . import memory_examples as ex


def test_gradient_is_cached_on_the_function_and_freed_with_it():
    refs = []
    for k in range(20):
        loss = ex.make_loss(float(k))
        g = adc.grad(loss)
        assert adc.grad(loss) is g                       # the same object while it lives
        assert g(0.5) == pytest.approx(2 * (0.5 * k - 1.0) * k)
        refs.append((weakref.ref(loss), weakref.ref(g)))
    del loss, g
    gc.collect()
    assert all(r() is None for pair in refs for r in pair)


def test_different_options_give_different_objects():
    loss = ex.make_loss(2.0)
    assert adc.grad(loss) is not adc.value_and_grad(loss)
    assert adc.grad(loss, wrt=0) is adc.grad(loss, wrt=0)
