"""Every worked example with printed numbers in the five seed tutorials
(shared/seeds/*.txt), run through the tape.

Each example is written ONCE as a plain Python/NumPy function below; the
tests feed it tape Tensors.  The same functions also go through the
compiler's ``adc.grad`` (the ``*_compiled`` tests at the end of each seed's
section): the compiled twin of every worked example must give the SAME
numbers as the tape, with ``seed=`` wherever the tape used
``backward(gradient=...)``.

Seeds: 000 Sovit Ranjan Rath, "Basics of Autograd in PyTorch";
001 Ayoosh Kathuria, "Getting started with PyTorch part 1";
002 Cloud Academy, "Autograd" lecture; 003 PyTorch, "A Gentle Introduction
to torch.autograd"; 004 "PyTorch Gradients" course notes.
"""
import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler import tape


# -- the examples, as plain functions -----------------------------------------------
def add_five(x):                        # seed 000: y = x + 5
    return x + 5


def times_two(x):                       # seed 000: y = x * 2
    return x * 2


def shifted_square(x):                  # seed 000: z = (x + 3)**2 (elementwise)
    y = x + 3
    return y ** 2


def mean_shifted_square(x):             # seed 000: res = ((x + 3)**2).mean()
    y = x + 3
    z = y ** 2
    return np.mean(z)


def add(x, y):                          # seed 000 and 003: z = x + y
    return x + y


def square_minus_five(x):               # seed 002: loss = x**2 - 5
    return x ** 2 - 5


def q(a, b):                            # seed 003: Q = 3a^3 - b^2
    return 3 * a ** 3 - b ** 2


def summed_error(prediction, labels):   # seed 003: loss = (prediction - labels).sum()
    return np.sum(prediction - labels)


def linear(data, w, bias):              # seed 003: a tiny "model" (a classifier layer)
    return data @ w + bias


def poly(x):                            # seed 004: y = 2x^4 + x^3 + 3x^2 + 5x + 1
    return 2 * x ** 4 + x ** 3 + 3 * x ** 2 + 5 * x + 1


def two_layers(x):                      # seed 004: y = 3x + 2; z = 2y^2; out = z.mean()
    y = 3 * x + 2
    z = 2 * y ** 2
    return np.mean(z)


def kathuria(a, w1, w2, w3, w4):        # seed 001: b = w1*a; c = w2*a; d = w3*b + w4*c; L = 10 - d
    b = w1 * a
    c = w2 * a
    d = w3 * b + w4 * c
    return 10 - d


# -- seed 000 ------------------------------------------------------------------------
def test_000_rand_with_and_without_autograd():
    x = tape.rand(3, 3)
    assert x.shape == (3, 3) and not x.requires_grad
    assert np.all((x.data >= 0) & (x.data < 1))
    x = tape.rand(3, 3, requires_grad=True)
    assert repr(x).endswith("requires_grad=True)")


def test_000_tracking_addition():
    x = tape.ones(3, 3, requires_grad=True)
    y = add_five(x)
    np.testing.assert_array_equal(y.data, np.full((3, 3), 6.0))
    assert repr(y) == ("tensor([[6., 6., 6.],\n        [6., 6., 6.],\n        [6., 6., 6.]], "
                       "grad_fn=<AddBackward0>)")
    assert y.grad_fn.name() == "AddBackward0"
    assert repr(y.grad_fn).startswith("<AddBackward0 object at 0x")
    assert x.grad_fn is None


def test_000_tracking_multiplication():
    x = tape.ones(3, 3, requires_grad=True)
    y = times_two(x)
    np.testing.assert_array_equal(y.data, np.full((3, 3), 2.0))
    assert y.grad_fn.name() == "MulBackward0"
    assert y.requires_grad is True


def test_000_gradients_and_backpropagation():
    x = tape.ones(2, 2, requires_grad=True)
    z = shifted_square(x)
    res = mean_shifted_square(x)
    assert repr(z) == "tensor([[16., 16.],\n        [16., 16.]], grad_fn=<PowBackward0>)"
    assert repr(res) == "tensor(16., grad_fn=<MeanBackward0>)"
    res.backward()
    np.testing.assert_array_equal(x.grad.data, [[2.0, 2.0], [2.0, 2.0]])
    assert repr(x.grad) == "tensor([[2., 2.],\n        [2., 2.]])"


def test_000_leaves_without_gradients():
    x = tape.ones(1, 1)
    y = tape.ones(1, 1)
    assert (x.requires_grad, x.grad_fn, x.is_leaf) == (False, None, True)
    assert (y.requires_grad, y.grad_fn, y.is_leaf) == (False, None, True)
    z = add(x, y)
    assert repr(z) == "tensor([[2.]])"
    assert (z.requires_grad, z.grad_fn, z.is_leaf) == (False, None, True)
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        z.backward()


def test_000_leaves_with_gradients():
    x = tape.ones(1, 1, requires_grad=True)
    y = tape.ones(1, 1, requires_grad=True)
    assert (x.requires_grad, x.grad_fn, x.is_leaf) == (True, None, True)
    z = add(x, y)
    assert repr(z) == "tensor([[2.]], grad_fn=<AddBackward0>)"
    assert z.requires_grad and z.grad_fn.name() == "AddBackward0" and not z.is_leaf
    z.backward()                                  # one element: no gradient argument needed
    assert repr(z) == "tensor([[2.]], grad_fn=<AddBackward0>)"
    np.testing.assert_array_equal(x.grad.data, [[1.0]])
    np.testing.assert_array_equal(y.grad.data, [[1.0]])


def test_000_compiled_twins():
    x = np.ones((3, 3))
    np.testing.assert_array_equal(adc.grad(add_five)(x, seed=np.ones((3, 3))), np.ones((3, 3)))
    np.testing.assert_array_equal(adc.grad(times_two)(x, seed=np.ones((3, 3))),
                                  np.full((3, 3), 2.0))
    x = np.ones((2, 2))
    np.testing.assert_array_equal(adc.grad(mean_shifted_square)(x), [[2.0, 2.0], [2.0, 2.0]])
    # z = (x + 3)**2 seeded with ones: 2 (x + 3) = 8, four times the mean's 2
    np.testing.assert_array_equal(adc.grad(shifted_square)(x, seed=np.ones((2, 2))),
                                  np.full((2, 2), 8.0))
    gx, gy = adc.grad(add, wrt=(0, 1))(np.ones((1, 1)), np.ones((1, 1)), seed=np.ones((1, 1)))
    np.testing.assert_array_equal(gx, [[1.0]])
    np.testing.assert_array_equal(gy, [[1.0]])


# -- seed 001 ------------------------------------------------------------------------
KATHURIA = dict(a=2.0, w1=0.5, w2=-1.0, w3=3.0, w4=4.0)
# b = 1, c = -2, d = 3*1 + 4*(-2) = -5, L = 15; dL/dd = -1
KATHURIA_GRADS = dict(a=-(3.0 * 0.5 + 4.0 * -1.0), w1=-3.0 * 2.0, w2=-4.0 * 2.0,
                      w3=-1.0, w4=2.0)


def test_001_computation_graph_gradients():
    leaves = {k: tape.tensor(v, requires_grad=True) for k, v in KATHURIA.items()}
    L = kathuria(**leaves)
    assert L.item() == 15.0
    L.backward()
    for name, expected in KATHURIA_GRADS.items():
        assert leaves[name].grad.item() == pytest.approx(expected), name


def test_001_graph_of_functions():
    """The nodes are grad_fns: 10 - d is a minus, d is two multiplications and an add."""
    leaves = {k: tape.tensor(v, requires_grad=True) for k, v in KATHURIA.items()}
    L = kathuria(**leaves)
    assert L.grad_fn.name() == "RsubBackward1"
    (none, _), (add_fn, _) = L.grad_fn.next_functions
    assert none is None and add_fn.name() == "AddBackward0"
    (m3, _), (m4, _) = add_fn.next_functions
    assert m3.name() == m4.name() == "MulBackward0"
    acc_w3 = m3.next_functions[0][0]
    assert acc_w3.name() == "AccumulateGrad" and acc_w3.variable is leaves["w3"]
    assert m3.next_functions[1][0].name() == "MulBackward0"      # b = w1 * a


def test_001_retain_grad_on_non_leaf_and_second_backward():
    leaves = {k: tape.tensor(v, requires_grad=True) for k, v in KATHURIA.items()}
    a, w1, w2, w3, w4 = leaves.values()
    b = w1 * a
    c = w2 * a
    d = w3 * b + w4 * c
    d.retain_grad()
    L = 10 - d
    L.backward()
    assert d.grad.item() == -1.0
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert b.grad is None
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        L.backward()


def test_001_gradient_descent_update():
    leaves = {k: tape.tensor(v, requires_grad=True) for k, v in KATHURIA.items()}
    kathuria(**leaves).backward()
    lr = 0.1
    w1 = leaves["w1"]
    w1 = w1 - lr * w1.grad                       # w1 = w1 - (learning_rate) * w1.grad
    assert w1.item() == pytest.approx(0.5 - 0.1 * -6.0)


def test_001_requires_grad_false_cuts_the_path():
    """b is not in the graph: a gets gradient through c only, w1 gets none."""
    leaves = {k: tape.tensor(v, requires_grad=True) for k, v in KATHURIA.items()}
    a, w1, w2, w3, w4 = leaves.values()
    b = (w1 * a).detach()
    assert not b.requires_grad
    c = w2 * a
    L = 10 - (w3 * b + w4 * c)
    L.backward()
    assert w1.grad is None
    assert a.grad.item() == pytest.approx(-4.0 * -1.0)         # -w4 * w2 only
    assert w3.grad.item() == pytest.approx(-1.0)


def test_001_no_grad_is_the_new_volatile():
    x = tape.ones(2, requires_grad=True)
    with tape.no_grad():
        b = x * 2
    assert not b.requires_grad and b.grad_fn is None
    assert (b + x * 0).grad_fn is not None      # only b's history is missing


def test_001_dynamic_graph_is_rebuilt_by_every_forward_call():
    leaves = {k: tape.tensor(v, requires_grad=True) for k, v in KATHURIA.items()}
    first, second = kathuria(**leaves), kathuria(**leaves)
    assert first.grad_fn is not second.grad_fn
    first.backward()
    second.backward()                            # a new graph: no "second time" error
    assert leaves["a"].grad.item() == pytest.approx(2 * KATHURIA_GRADS["a"])


def control_flow(x, n):                  # seed 001: graphs follow the Python control flow
    for _ in range(n):
        x = x * 2 if np.sum(x) < 10 else x - 1
    return np.sum(x)


def test_001_control_flow_decides_the_graph():
    x = tape.tensor([1.0, 2.0], requires_grad=True)
    y = control_flow(x, 4)                       # [1,2] -> [2,4] -> [4,8] -> [3,7] -> [2,6]
    assert y.item() == 8.0
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [4.0, 4.0])


def kathuria_detached(a, w1, w2, w3, w4):   # seed 001 with b = (w1 * a).detach()
    b = adc.stop_gradient(w1 * a)
    c = w2 * a
    return 10 - (w3 * b + w4 * c)


def test_001_compiled_twins():
    g = adc.grad(kathuria, wrt=(0, 1, 2, 3, 4))
    grads = g(*KATHURIA.values())
    assert grads == pytest.approx(tuple(KATHURIA_GRADS[k] for k in KATHURIA))
    assert adc.value_and_grad(kathuria)(*KATHURIA.values())[0] == 15.0
    # w1 = w1 - lr * w1.grad
    assert KATHURIA["w1"] - 0.1 * grads[1] == pytest.approx(0.5 - 0.1 * -6.0)
    # the compiled gradient is reusable: a second call is no "second backward"
    assert g(*KATHURIA.values()) == grads


def test_001_requires_grad_false_cuts_the_path_compiled():
    leaves = {k: tape.tensor(v, requires_grad=True) for k, v in KATHURIA.items()}
    kathuria_detached(**leaves).backward()       # the same function on the tape
    assert leaves["w1"].grad is None and leaves["a"].grad.item() == pytest.approx(4.0)
    ga, gw1, gw2, gw3, gw4 = adc.grad(kathuria_detached, wrt=(0, 1, 2, 3, 4))(
        *KATHURIA.values())
    assert gw1 == 0.0                            # the tape's None: no path to w1
    assert ga == pytest.approx(-4.0 * -1.0)
    assert gw3 == pytest.approx(-1.0)
    assert (ga, gw2, gw3, gw4) == pytest.approx(
        tuple(leaves[k].grad.item() for k in ("a", "w2", "w3", "w4")))


def test_001_control_flow_decides_the_graph_compiled():
    g = adc.grad(control_flow)
    np.testing.assert_array_equal(g(np.array([1.0, 2.0]), 4), [4.0, 4.0])
    # another input takes other branches; the compiled gradient follows it, like the tape
    x = np.array([3.0, 5.0])
    np.testing.assert_array_equal(g(x, 4), tape.grad_of(control_flow)(x, 4))


# -- seed 002 ------------------------------------------------------------------------
def test_002_loss_gradient_is_two_x():
    values = [1.0, 2.0, 3.0, 4.0, 5.0]
    x = tape.tensor(values)
    np.testing.assert_array_equal(square_minus_five(x).data, np.array(values) ** 2 - 5)
    x = tape.tensor(values, requires_grad=True)
    loss = square_minus_five(x)
    assert loss.grad_fn.name() == "SubBackward0"
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        loss.backward()
    loss.backward(gradient=tape.ones(5))
    np.testing.assert_array_equal(x.grad.data, 2 * np.array(values))
    np.testing.assert_array_equal((2 * x).data, x.grad.data)


def test_002_detach_and_no_grad():
    a = tape.rand(2, 2, requires_grad=True)
    b = a.detach()
    assert a.requires_grad and not b.requires_grad
    np.testing.assert_array_equal(a.data, b.data)
    c = tape.rand(2, 2, requires_grad=True)
    with tape.no_grad():
        c2 = c ** 2
    assert c2.requires_grad is False


def test_002_compiled_twin():
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    g = adc.grad(square_minus_five)
    np.testing.assert_array_equal(g(values, seed=np.ones(5)), 2 * values)
    with pytest.raises(adc.ADError, match="seed"):   # non-scalar output, no seed: an error
        g(values)


# -- seed 003 ------------------------------------------------------------------------
def test_003_differentiation_in_autograd():
    a = tape.tensor([2.0, 3.0], requires_grad=True)
    b = tape.tensor([6.0, 4.0], requires_grad=True)
    Q = q(a, b)
    np.testing.assert_array_equal(Q.data, [-12.0, 65.0])
    external_grad = tape.tensor([1.0, 1.0])
    Q.backward(gradient=external_grad)
    assert repr(9 * a ** 2 == a.grad) == "tensor([True, True])"
    assert repr(-2 * b == b.grad) == "tensor([True, True])"
    np.testing.assert_array_equal(a.grad.data, [36.0, 81.0])
    np.testing.assert_array_equal(b.grad.data, [-12.0, -8.0])


def test_003_sum_then_backward_is_the_same():
    a = tape.tensor([2.0, 3.0], requires_grad=True)
    b = tape.tensor([6.0, 4.0], requires_grad=True)
    q(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [36.0, 81.0])
    np.testing.assert_array_equal(b.grad.data, [-12.0, -8.0])


def test_003_exclusion_from_the_dag():
    x = tape.rand(5, 5)
    y = tape.rand(5, 5)
    z = tape.rand((5, 5), requires_grad=True)
    assert add(x, y).requires_grad is False
    assert add(x, z).requires_grad is True


def _model(seed=0):
    tape.manual_seed(seed)
    return {"w": tape.randn(4, 3, requires_grad=True), "bias": tape.zeros(3, requires_grad=True)}


def test_003_training_step_with_sgd_momentum():
    params = _model()
    data, labels = tape.rand(1, 4), tape.rand(1, 3)
    w0, b0 = params["w"].data.copy(), params["bias"].data.copy()
    prediction = linear(data, params["w"], params["bias"])       # forward pass
    loss = summed_error(prediction, labels)
    loss.backward()                                              # backward pass
    np.testing.assert_allclose(params["w"].grad.data, np.repeat(data.data.T, 3, axis=1))
    np.testing.assert_array_equal(params["bias"].grad.data, np.ones(3))
    optim = tape.optim.SGD(params.values(), lr=1e-2, momentum=0.9)
    optim.step()                                                 # first step: buf = grad
    np.testing.assert_allclose(params["w"].data, w0 - 1e-2 * np.repeat(data.data.T, 3, axis=1))
    np.testing.assert_allclose(params["bias"].data, b0 - 1e-2)


def test_003_finetuning_frozen_parameters():
    params = _model()
    for p in params.values():                    # freeze all the parameters
        p.requires_grad = False
    fc = {"w": tape.randn(3, 2, requires_grad=True), "bias": tape.zeros(2, requires_grad=True)}
    frozen = {k: v.data.copy() for k, v in params.items()}
    data, labels = tape.rand(1, 4), tape.rand(1, 2)
    features = linear(data, params["w"], params["bias"])
    assert not features.requires_grad
    loss = summed_error(linear(features, fc["w"], fc["bias"]), labels)
    loss.backward()
    assert params["w"].grad is None and params["bias"].grad is None
    optimizer = tape.optim.SGD([*params.values(), *fc.values()], lr=1e-2, momentum=0.9)
    before = fc["w"].data.copy()
    optimizer.step()
    for k, v in params.items():
        np.testing.assert_array_equal(v.data, frozen[k])
    np.testing.assert_allclose(fc["w"].data, before - 1e-2 * np.repeat(features.data.T, 2, 1))


def test_003_compiled_twins():
    a, b = np.array([2.0, 3.0]), np.array([6.0, 4.0])
    ga, gb = adc.grad(q, wrt=(0, 1))(a, b, seed=np.array([1.0, 1.0]))
    np.testing.assert_array_equal(ga, 9 * a ** 2)
    np.testing.assert_array_equal(gb, -2 * b)
    np.testing.assert_array_equal(ga, [36.0, 81.0])
    np.testing.assert_array_equal(gb, [-12.0, -8.0])

    def q_sum(a, b):                              # Q.sum().backward()
        return np.sum(q(a, b))
    ga2, gb2 = adc.grad(q_sum, wrt=(0, 1))(a, b)
    np.testing.assert_array_equal(ga2, ga)
    np.testing.assert_array_equal(gb2, gb)


def model_loss(data, w, bias, labels):           # seed 003: summed_error(linear(...), labels)
    return summed_error(linear(data, w, bias), labels)


def test_003_training_step_compiled():
    params = _model()
    data, labels = tape.rand(1, 4), tape.rand(1, 3)
    args = (data.data, params["w"].data, params["bias"].data, labels.data)
    gw, gbias = adc.grad(model_loss, wrt=("w", "bias"))(*args)
    np.testing.assert_allclose(gw, np.repeat(data.data.T, 3, axis=1))
    np.testing.assert_array_equal(gbias, np.ones(3))
    model_loss(data, params["w"], params["bias"], labels).backward()
    np.testing.assert_array_equal(gw, params["w"].grad.data)
    np.testing.assert_array_equal(gbias, params["bias"].grad.data)
    # the classifier layer alone, seeded like backward(gradient=ones)
    gw, gbias = adc.grad(linear, wrt=(1, 2))(*args[:3], seed=np.ones((1, 3)))
    np.testing.assert_allclose(gw, np.repeat(data.data.T, 3, axis=1))
    np.testing.assert_array_equal(gbias, np.ones(3))


def test_003_finetuning_compiled():
    """Frozen parameters are just arguments not in ``wrt``."""
    params = _model()
    fc = {"w": tape.randn(3, 2), "bias": tape.zeros(2)}
    data, labels = tape.rand(1, 4), tape.rand(1, 2)
    features = linear(data, params["w"], params["bias"]).data

    def head_loss(features, w, bias, labels):
        return summed_error(linear(features, w, bias), labels)
    gw, gbias = adc.grad(head_loss, wrt=(1, 2))(features, fc["w"].data, fc["bias"].data,
                                                labels.data)
    np.testing.assert_allclose(gw, np.repeat(features.T, 2, 1))
    np.testing.assert_array_equal(gbias, np.ones(2))


# -- seed 004 ------------------------------------------------------------------------
def test_004_back_propagation_on_one_step():
    x = tape.tensor(2.0, requires_grad=True)
    y = poly(x)
    assert repr(y) == "tensor(63., grad_fn=<AddBackward0>)"
    y.backward()
    assert repr(x.grad) == "tensor(93.)"
    assert x.grad.item() == 93.0


def test_004_back_propagation_on_multiple_steps():
    x = tape.tensor([[1.0, 2, 3], [3, 2, 1]], requires_grad=True)
    assert repr(x) == "tensor([[1., 2., 3.],\n        [3., 2., 1.]], requires_grad=True)"
    y = 3 * x + 2
    assert repr(y) == "tensor([[ 5.,  8., 11.],\n        [11.,  8.,  5.]], grad_fn=<AddBackward0>)"
    z = 2 * y ** 2
    assert repr(z) == ("tensor([[ 50., 128., 242.],\n        [242., 128.,  50.]], "
                       "grad_fn=<MulBackward0>)")
    out = two_layers(x)
    # the seed printed MeanBackward1 (PyTorch < 1.13 numbering); today's name is MeanBackward0
    assert repr(out) == "tensor(140., grad_fn=<MeanBackward0>)"
    out.backward()
    assert repr(x.grad) == "tensor([[10., 16., 22.],\n        [22., 16., 10.]])"


def test_004_turn_off_tracking():
    x = tape.tensor([1.0, 2.0])
    x.requires_grad_(True)
    assert poly(x).requires_grad
    x.requires_grad_(False)
    assert not poly(x).requires_grad
    x.requires_grad_()
    with tape.no_grad():
        assert not poly(x).requires_grad
    assert poly(x.detach()).grad_fn is None


def test_004_compiled_twins():
    g = adc.grad(poly)
    assert g(2.0) == 93.0 and isinstance(g(2.0), float)
    value, grad = adc.value_and_grad(poly)(2.0)
    assert (value, grad) == (63.0, 93.0)
    x = np.array([[1.0, 2, 3], [3, 2, 1]])
    value, grad = adc.value_and_grad(two_layers)(x)
    assert value == 140.0
    np.testing.assert_array_equal(grad, [[10, 16, 22], [22, 16, 10]])
    # on a vector, seeded like y.backward(gradient=ones): dy/dx = 8x^3 + 3x^2 + 6x + 5
    v = np.array([1.0, 2.0])
    np.testing.assert_array_equal(g(v, seed=np.ones(2)), 8 * v ** 3 + 3 * v ** 2 + 6 * v + 5)
    np.testing.assert_array_equal(g(v, seed=np.ones(2)),
                                  tape.grad_of(poly)(v, seed=np.ones(2)))


# -- the compiler's calling convention, computed by the tape ------------------------------
def test_grad_of_follows_the_compiler_contract():
    assert tape.grad_of(poly)(2.0) == 93.0 and isinstance(tape.grad_of(poly)(2.0), float)
    x = np.array([[1.0, 2, 3], [3, 2, 1]])
    np.testing.assert_array_equal(tape.grad_of(two_layers)(x), [[10, 16, 22], [22, 16, 10]])
    ga, gb = tape.grad_of(q, wrt=("a", "b"))(np.array([2.0, 3.0]), np.array([6.0, 4.0]),
                                             seed=np.ones(2))
    np.testing.assert_array_equal(ga, [36.0, 81.0])
    np.testing.assert_array_equal(gb, [-12.0, -8.0])
    g32 = tape.grad_of(mean_shifted_square)(np.ones((2, 2), dtype=np.float32))
    assert g32.dtype == np.float32 and np.all(g32 == 2.0)
    grads = tape.grad_of(kathuria, wrt=(0, 1, 2, 3, 4))(*KATHURIA.values())
    assert grads == pytest.approx(tuple(KATHURIA_GRADS[k] for k in KATHURIA))
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        tape.grad_of(square_minus_five)(np.ones(5))


def repeated_add(x, n):
    s = 0.0
    for _ in range(n):
        s = s + x
    return s


def test_grad_of_gives_zeros_where_the_output_does_not_depend_on_the_input():
    assert tape.grad_of(repeated_add)(2.0, 3) == adc.grad(repeated_add)(2.0, 3) == 3.0
    assert tape.grad_of(repeated_add)(2.0, 0) == adc.grad(repeated_add)(2.0, 0) == 0.0
    np.testing.assert_array_equal(tape.grad_of(repeated_add)(np.ones(2), 0), np.zeros(2))
    np.testing.assert_array_equal(adc.grad(repeated_add)(np.ones(2), 0), np.zeros(2))
