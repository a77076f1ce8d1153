"""tape.optim.SGD against hand-computed PyTorch updates.

Every test minimises loss = sum(p**2) from p = [1, 2] (so grad = 2p) with lr = 0.1."""
import numpy as np
import pytest

from ad_compiler import tape


def run(steps, **options):
    p = tape.tensor([1.0, 2.0], requires_grad=True)
    opt = tape.optim.SGD([p], lr=0.1, **options)
    for _ in range(steps):
        opt.zero_grad()
        (p ** 2).sum().backward()
        opt.step()
    return p, opt


def test_plain_sgd():
    p, _ = run(1)                                    # p - 0.1 * [2, 4]
    np.testing.assert_allclose(p.data, [0.8, 1.6])
    p, _ = run(2)                                    # [0.8, 1.6] - 0.1 * [1.6, 3.2]
    np.testing.assert_allclose(p.data, [0.64, 1.28])
    assert p.is_leaf and p.requires_grad             # updated in place


def test_momentum_first_step_uses_the_gradient_as_buffer():
    p, opt = run(1, momentum=0.9)
    np.testing.assert_allclose(p.data, [0.8, 1.6])
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"], [2.0, 4.0])


def test_momentum_second_step():
    # buf = 0.9 * [2, 4] + [1.6, 3.2] = [3.4, 6.8];  p = [0.8, 1.6] - 0.1 * buf
    p, opt = run(2, momentum=0.9)
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"], [3.4, 6.8])
    np.testing.assert_allclose(p.data, [0.46, 0.92])


def test_dampening():
    # buf = 0.9 * [2, 4] + (1 - 0.5) * [1.6, 3.2] = [2.6, 5.2]
    p, _ = run(2, momentum=0.9, dampening=0.5)
    np.testing.assert_allclose(p.data, [0.54, 1.08])


def test_nesterov():
    # step 1: buf = [2, 4];  d = g + 0.9 * buf = [3.8, 7.6]
    p, _ = run(1, momentum=0.9, nesterov=True)
    np.testing.assert_allclose(p.data, [0.62, 1.24])


def test_weight_decay():
    # d = [2, 4] + 0.1 * [1, 2] = [2.1, 4.2]
    p, _ = run(1, weight_decay=0.1)
    np.testing.assert_allclose(p.data, [0.79, 1.58])


def test_maximize():
    p, _ = run(1, maximize=True)
    np.testing.assert_allclose(p.data, [1.2, 2.4])


def test_zero_grad_sets_none_or_zeros():
    p, opt = run(1)
    (p ** 2).sum().backward()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad.data, [0.0, 0.0])
    opt.zero_grad()
    assert p.grad is None


def test_without_zero_grad_gradients_accumulate():
    p = tape.tensor([1.0, 2.0], requires_grad=True)
    opt = tape.optim.SGD([p], lr=0.1)
    (p ** 2).sum().backward()
    (p ** 2).sum().backward()                         # grad = [4, 8]
    opt.step()
    np.testing.assert_allclose(p.data, [0.6, 1.2])


def test_frozen_and_gradless_parameters_are_skipped():
    frozen = tape.tensor([1.0, 2.0])
    unused = tape.tensor([5.0], requires_grad=True)
    p = tape.tensor([1.0, 2.0], requires_grad=True)
    opt = tape.optim.SGD([frozen, unused, p], lr=0.1, momentum=0.9)
    (frozen * p).sum().backward()
    opt.step()
    np.testing.assert_array_equal(frozen.data, [1.0, 2.0])
    np.testing.assert_array_equal(unused.data, [5.0])
    np.testing.assert_allclose(p.data, [0.9, 1.8])
    assert unused not in opt.state


def test_parameter_groups_with_their_own_lr():
    a = tape.tensor([1.0], requires_grad=True)
    b = tape.tensor([1.0], requires_grad=True)
    opt = tape.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    (a * 3 + b * 3).sum().backward()
    opt.step()
    np.testing.assert_allclose([a.item(), b.item()], [0.7, -0.5])
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]


def test_invalid_options():
    p = tape.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        tape.optim.SGD([p], lr=-1)
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero "
                                         "dampening"):
        tape.optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        tape.optim.SGD([], lr=0.1)


def test_training_loop_converges():
    """Fit y = 2x + 1 with a training loop written the PyTorch way."""
    tape.manual_seed(0)
    x = tape.rand(32, 1)
    y = 2 * x + 1
    w = tape.zeros(1, 1, requires_grad=True)
    b = tape.zeros(1, requires_grad=True)
    opt = tape.optim.SGD([w, b], lr=0.5, momentum=0.9)
    for _ in range(200):
        opt.zero_grad()
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        opt.step()
    assert loss.item() < 1e-6
    np.testing.assert_allclose([w.item(), b.item()], [2.0, 1.0], atol=1e-3)
