"""Optimizers that update tape tensors in place, following ``torch.optim``.

Example (PyTorch's SGD rule, lr=0.1, momentum=0.9, grad g each step)::

    step 1: buf = g                          p -= 0.1 * buf
    step 2: buf = 0.9 * buf + (1 - dampening) * g;  p -= 0.1 * buf
    nesterov: p -= 0.1 * (g + 0.9 * buf);  weight_decay: g += wd * p first
"""
from __future__ import annotations

import numpy as np

from .grad_mode import no_grad

__all__ = ["Optimizer", "SGD"]


class Optimizer:
    """Parameter groups (lists of tensors or dicts with per-group options)
    and per-parameter ``state``, as in ``torch.optim.Optimizer``."""

    def __init__(self, params, defaults):
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(params[0], dict):
            params = [{"params": params}]
        self.defaults = defaults
        self.param_groups = []
        self.state = {}
        for group in params:
            group = dict(group)
            group["params"] = list(group["params"])
            for key, value in defaults.items():
                group.setdefault(key, value)
            self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        """Clear ``.grad`` of every parameter (``None`` by default, like PyTorch 2)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.zero_()


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening, Nesterov and
    weight decay; parameters whose ``.grad`` is None (frozen) are skipped."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    @no_grad()
    def step(self):
        for group in self.param_groups:
            lr, momentum = group["lr"], group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                d_p = p.grad.data
                if group["maximize"]:
                    d_p = -d_p
                if group["weight_decay"]:
                    d_p = d_p + group["weight_decay"] * p.data
                if momentum:
                    state = self.state.setdefault(p, {})
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = np.array(d_p, copy=True)
                    else:
                        buf *= momentum
                        buf += (1 - group["dampening"]) * d_p
                    d_p = d_p + momentum * buf if group["nesterov"] else buf
                p -= lr * d_p
