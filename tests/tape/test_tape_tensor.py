"""Tape tensors as arrays: constructors, printing, operators and the NumPy protocol."""
import operator

import numpy as np
import pytest

from ad_compiler import tape


# -- constructors -------------------------------------------------------------------
@pytest.mark.parametrize("make, fill", [(tape.ones, 1.0), (tape.zeros, 0.0)])
def test_shapes_as_ints_or_a_tuple(make, fill):
    for t in (make(2, 3), make((2, 3)), make([2, 3])):
        assert t.shape == (2, 3) and t.dtype == np.float64 and np.all(t.data == fill)
    assert make(()).shape == () and make(4).shape == (4,)
    t = make(2, dtype=np.float32, requires_grad=True)
    assert t.dtype == np.float32 and t.requires_grad and t.is_leaf


def test_tensor_copies_its_data_and_keeps_dtypes():
    a = np.array([1.0, 2.0])
    t = tape.tensor(a)
    a[0] = 99.0
    assert t.data[0] == 1.0
    assert tape.tensor([1, 2]).dtype == np.int64
    assert tape.tensor([1, 2], dtype=np.float32).dtype == np.float32
    assert tape.tensor(2.0).shape == () and tape.tensor(2.0).item() == 2.0
    assert tape.tensor(t).data is not t.data
    shared = tape.from_numpy(a)
    assert shared.data is a


def test_random_constructors_are_seeded():
    tape.manual_seed(3)
    a, b = tape.rand(3, 3), tape.randn((2, 4), requires_grad=True)
    tape.manual_seed(3)
    np.testing.assert_array_equal(a.data, tape.rand(3, 3).data)
    np.testing.assert_array_equal(b.data, tape.randn(2, 4).data)
    assert b.requires_grad and np.all((a.data >= 0) & (a.data < 1))


def test_like_constructors():
    x = tape.tensor([[1.0, 2.0]], requires_grad=True)
    o, z = tape.ones_like(x), tape.zeros_like(x.data)
    assert o.shape == z.shape == (1, 2) and not o.requires_grad
    assert np.all(o.data == 1) and np.all(z.data == 0)
    assert tape.full_like(x, 7.0).data.tolist() == [[7.0, 7.0]]
    assert tape.full((2,), 3.0).data.tolist() == [3.0, 3.0]
    assert tape.arange(3).data.tolist() == [0, 1, 2]
    assert tape.eye(2).data.tolist() == [[1.0, 0.0], [0.0, 1.0]]


# -- printing ---------------------------------------------------------------------------
@pytest.mark.parametrize("t, text", [
    (tape.tensor([[1.0, 2.0]], requires_grad=True), "tensor([[1., 2.]], requires_grad=True)"),
    (tape.tensor(93.0), "tensor(93.)"),
    (tape.tensor([0.5592, 0.4282, 0.04370]), "tensor([0.5592, 0.4282, 0.0437])"),
    (tape.tensor([0.906, 0.5601]), "tensor([0.9060, 0.5601])"),
    (tape.tensor([1, 2]), "tensor([1, 2])"),
    (tape.tensor([True, False]), "tensor([True, False])"),
    (tape.tensor([1.0], dtype=np.float32), "tensor([1.], dtype=float32)"),
    (tape.tensor([[1.0, 2.0], [3.0, 4.0]]), "tensor([[1., 2.],\n        [3., 4.]])"),
])
def test_repr_follows_pytorch(t, text):
    assert repr(t) == text


def test_repr_with_grad_fn():
    x = tape.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward0>)"


# -- array facts -------------------------------------------------------------------------
def test_array_facts_and_conversions():
    x = tape.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert x.shape == (2, 3) and x.size() == (2, 3) and x.size(1) == 3
    assert x.ndim == x.dim() == 2 and x.numel() == 6 and len(x) == 2
    assert x.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert [row.shape for row in x] == [(3,), (3,)]
    assert float(x[1, 2]) == 6.0 and int(x[0, 0]) == 1 and bool(x[0, 0])
    with pytest.raises(RuntimeError, match="a Tensor with 6 elements cannot be converted"):
        x.item()
    assert np.shape(x) == (2, 3) and np.ndim(x) == 2 and np.size(x) == 6
    assert isinstance(np.argmax(x), tape.Tensor) and np.argmax(x).item() == 5
    assert np.asarray(x.detach()) is x.data


def test_tensors_are_hashable_by_identity():
    a, b = tape.tensor([1.0]), tape.tensor([1.0])
    assert len({a, b}) == 2 and {a: 1}[a] == 1


# -- operators and the NumPy protocol ---------------------------------------------------
A = np.array([[1.0, 2.0], [3.0, 4.0]])
B = np.array([[0.5, -1.0], [2.0, 0.25]])


@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv,
                                operator.pow, operator.matmul, operator.lt, operator.eq])
def test_binary_operators_match_numpy_on_both_sides(op):
    ta, tb = tape.tensor(A), tape.tensor(B)
    expected = op(A, np.abs(B))
    for left, right in ((ta, np.abs(B)), (A, tape.tensor(np.abs(B))),
                        (ta, tape.tensor(np.abs(B)))):
        result = op(left, right)
        assert isinstance(result, tape.Tensor)
        np.testing.assert_array_equal(result.data, expected)


def test_python_and_numpy_scalars_on_either_side():
    x = tape.tensor([1.0, 2.0], requires_grad=True)
    for y in (2 + x, x + 2, 2 - x, 2 * x, 2 / x, 2 ** x, np.float64(2) * x, x * np.float64(2)):
        assert isinstance(y, tape.Tensor) and y.requires_grad
    np.testing.assert_array_equal((2 - x).data, [1.0, 0.0])
    np.testing.assert_array_equal((2 / x).data, [2.0, 1.0])


def test_numpy_functions_record_on_the_tape():
    x = tape.tensor(A, requires_grad=True)
    for y, expected in [(np.exp(x), np.exp(A)), (np.sum(x), np.sum(A)),
                        (np.sum(x, axis=0, keepdims=True), np.sum(A, 0, keepdims=True)),
                        (np.mean(x, 1), np.mean(A, 1)), (np.dot(x, x), A @ A),
                        (np.transpose(x), A.T), (np.reshape(x, 4), A.reshape(4)),
                        (np.where(A > 2, x, 0.0), np.where(A > 2, A, 0.0)),
                        (np.matmul(A, x), A @ A), (np.maximum(x, 2.5), np.maximum(A, 2.5))]:
        assert isinstance(y, tape.Tensor) and y.requires_grad
        np.testing.assert_allclose(y.data, expected)


def test_methods_match_numpy():
    x = tape.tensor(A)
    checks = [(x.sum(), A.sum()), (x.sum(dim=1, keepdim=True), A.sum(1, keepdims=True)),
              (x.sum(axis=(0, 1)), A.sum()), (x.mean(dim=[0, 1]), A.mean()),
              (x.exp(), np.exp(A)), (x.log(), np.log(A)), (x.sqrt(), np.sqrt(A)),
              (x.pow(2), A ** 2), (x.matmul(x), A @ A), (x.mm(x), A @ A),
              (x.t(), A.T), (x.T, A.T), (x.view(4), A.reshape(4)),
              (x.reshape((1, 4)), A.reshape(1, 4)), (x.transpose(0, 1), A.T),
              (x.permute(1, 0), A.T), (x.unsqueeze(-1), A[..., None]),
              (x.unsqueeze(0).squeeze(), A), (x.flatten(), A.ravel()),
              ((x - 2.5).relu(), np.maximum(A - 2.5, 0)), (x.sigmoid(), 1 / (1 + np.exp(-A))),
              (x.softmax(dim=1), np.exp(A) / np.exp(A).sum(1, keepdims=True)),
              (x.clone(), A), (x.neg(), -A), (abs(-x), A), (x[:, 0], A[:, 0]),
              (tape.exp(x), np.exp(A)), (tape.mean(x, 0), A.mean(0))]
    for y, expected in checks:
        np.testing.assert_allclose(y.data, expected, err_msg=repr(y))


def test_out_argument_is_refused():
    x = tape.tensor([1.0, 2.0])
    with pytest.raises(TypeError):
        np.exp(x, out=np.empty(2))


# -- in-place operations outside the graph ----------------------------------------------
def test_in_place_operations_on_tensors_without_grad():
    x = tape.tensor([1.0, 2.0])
    data = x.data
    x += 1
    x *= 2
    x.sub_(1.0)
    x.add_(tape.tensor([1.0, 1.0]), alpha=2)
    x[0] = 0.0
    assert x.data is data and x.data.tolist() == [0.0, 7.0]
    x.fill_(3.0)
    assert x.data.tolist() == [3.0, 3.0]
    assert x.zero_() is x and x.data.tolist() == [0.0, 0.0]


def test_dtype_conversions_keep_the_graph():
    x = tape.tensor([1.5, 2.5], requires_grad=True)
    y = x.float()
    assert y.dtype == np.float32 and y.grad_fn.name() == "ToCopyBackward0"
    (y * 2).sum().backward()
    assert x.grad.dtype == np.float64 and x.grad.data.tolist() == [2.0, 2.0]
    assert x.to(np.float32).double().dtype == np.float64
    assert x.detach().astype(np.int64).data.tolist() == [1, 2]
