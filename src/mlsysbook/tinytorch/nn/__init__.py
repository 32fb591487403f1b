"""Layers: a Module knows its parameters, buffers and sub-modules by attribute."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from mlsysbook.tinytorch import ops
from mlsysbook.tinytorch.nn import functional as F
from mlsysbook.tinytorch.random import generator
from mlsysbook.tinytorch.tensor import Tensor


class Parameter(Tensor):
    """A tensor a module learns: always float, always requires_grad."""

    __slots__ = ()

    def __init__(self, data: Any) -> None:
        arr = np.asarray(data)
        super().__init__(
            arr if arr.dtype.kind == "f" else arr.astype(np.float32), requires_grad=True
        )


class Module:
    training: bool = True
    _buffers: dict[str, np.ndarray]

    def __init__(self) -> None:
        object.__setattr__(self, "_buffers", {})
        self.training = True

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def register_buffer(self, name: str, value: np.ndarray) -> None:
        """State saved with the model but not learned (e.g. batch-norm running mean)."""
        self._buffers[name] = value

    def __getattr__(self, name: str) -> Any:
        if "_buffers" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}.__init__ must call super().__init__()")
        if name in self._buffers:
            return self._buffers[name]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, list | tuple):
                for i, v in enumerate(value):
                    if isinstance(v, Module):
                        yield f"{name}.{i}", v

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield prefix + name, value
        for name, child in self.named_children():
            yield from child.named_parameters(f"{prefix}{name}.")

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        for name, value in self._buffers.items():
            yield prefix + name, value
        for name, child in self.named_children():
            yield from child.named_buffers(f"{prefix}{name}.")

    def state_dict(self) -> dict[str, np.ndarray]:
        state = {n: p.data.copy() for n, p in self.named_parameters()}
        state |= {n: b.copy() for n, b in self.named_buffers()}
        return state

    def load_state_dict(self, state: dict[str, np.ndarray], strict: bool = True) -> None:
        own = dict(self.named_parameters())
        buffers = dict(self.named_buffers())
        missing = (set(own) | set(buffers)) - set(state)
        unexpected = set(state) - set(own) - set(buffers)
        if strict and (missing or unexpected):
            raise KeyError(
                f"state does not match the model: missing {sorted(missing)}, "
                f"unexpected {sorted(unexpected)}"
            )
        for name, value in state.items():
            target = own[name].data if name in own else buffers.get(name)
            if target is None:
                continue
            if target.shape != np.shape(value):
                raise ValueError(f"{name}: saved shape {np.shape(value)} != model {target.shape}")
            target[...] = value

    def train(self, mode: bool = True) -> Module:
        self.training = mode
        for _, child in self.named_children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    def num_parameters(self) -> int:
        return sum(p.size for p in self.parameters())


def _uniform(bound: float, shape: tuple[int, ...]) -> Parameter:
    return Parameter(generator().uniform(-bound, bound, shape).astype(np.float32))


class Linear(Module):
    """y = x W^T + b; W and b start uniform in +-1/sqrt(in), as PyTorch's default."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        bound = 1 / math.sqrt(in_features)
        self.weight = _uniform(bound, (out_features, in_features))
        self.bias = _uniform(bound, (out_features,)) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        y = x @ self.weight.T
        return y + self.bias if self.bias is not None else y


class ReLU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class GELU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x)


class SiLU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.silu(x)


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()


class Dropout(Module):
    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"dropout probability must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)


class Embedding(Module):
    def __init__(self, num_embeddings: int, dim: int) -> None:
        super().__init__()
        self.weight = Parameter(
            generator().standard_normal((num_embeddings, dim)).astype(np.float32)
        )

    def forward(self, index: Tensor | np.ndarray) -> Tensor:
        idx = index.data if isinstance(index, Tensor) else np.asarray(index)
        if idx.size and (idx.min() < 0 or idx.max() >= self.weight.shape[0]):
            raise IndexError(f"embedding index out of range [0, {self.weight.shape[0]})")
        return ops.Embedding.apply(self.weight, Tensor._wrap(idx, False))


class LayerNorm(Module):
    """(x - mean) / sqrt(var + eps) * weight + bias over the last axis."""

    def __init__(self, dim: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.weight = Parameter(np.ones(dim, np.float32))
        self.bias = Parameter(np.zeros(dim, np.float32))

    def forward(self, x: Tensor) -> Tensor:
        mu = x.mean(axis=-1, keepdims=True)
        centred = x - mu
        var = (centred * centred).mean(axis=-1, keepdims=True)
        return centred * (var + self.eps) ** -0.5 * self.weight + self.bias


class RMSNorm(Module):
    """x / sqrt(mean(x^2) + eps) * weight over the last axis (no centring, no bias)."""

    def __init__(self, dim: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = eps
        self.weight = Parameter(np.ones(dim, np.float32))

    def forward(self, x: Tensor) -> Tensor:
        return x * ((x * x).mean(axis=-1, keepdims=True) + self.eps) ** -0.5 * self.weight


class _BatchNorm(Module):
    """Normalises each channel by the batch's statistics while training and by running
    averages in eval; the running variance uses the unbiased estimate, as PyTorch."""

    axes: tuple[int, ...] = (0,)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.weight = Parameter(np.ones(num_features, np.float32))
        self.bias = Parameter(np.zeros(num_features, np.float32))
        self.register_buffer("running_mean", np.zeros(num_features, np.float32))
        self.register_buffer("running_var", np.ones(num_features, np.float32))

    def _shape(self, x: Tensor) -> tuple[int, ...]:
        return (1, -1) + (1,) * (x.ndim - 2)

    def forward(self, x: Tensor) -> Tensor:
        shape = self._shape(x)
        axes = (0, *range(2, x.ndim))
        if self.training:
            mu = x.mean(axis=axes, keepdims=True)
            centred = x - mu
            var = (centred * centred).mean(axis=axes, keepdims=True)
            n = x.size // x.shape[1]
            m = self.momentum
            self.running_mean[...] = (1 - m) * self.running_mean + m * mu.data.reshape(-1)
            unbiased = var.data.reshape(-1) * n / max(n - 1, 1)
            self.running_var[...] = (1 - m) * self.running_var + m * unbiased
            normed = centred * (var + self.eps) ** -0.5
        else:
            mean = Tensor._wrap(self.running_mean.reshape(shape).astype(x.dtype), False)
            inv = Tensor._wrap(
                (self.running_var.reshape(shape) + self.eps).astype(x.dtype) ** -0.5, False
            )
            normed = (x - mean) * inv
        return normed * self.weight.reshape(shape) + self.bias.reshape(shape)


class BatchNorm1d(_BatchNorm):
    pass


class BatchNorm2d(_BatchNorm):
    pass


class Conv2d(Module):
    """2-D convolution; weights start uniform in +-1/sqrt(fan_in) as PyTorch's default."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"groups={groups} must divide {in_channels} and {out_channels}")
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        bound = 1 / math.sqrt(in_channels // groups * kh * kw)
        self.weight = _uniform(bound, (out_channels, in_channels // groups, kh, kw))
        self.bias = _uniform(bound, (out_channels,)) if bias else None
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(
            x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )


class MaxPool2d(Module):
    def __init__(self, kernel_size: int, stride: int | None = None, padding: int = 0) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x: Tensor) -> Tensor:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(Module):
    def __init__(self, kernel_size: int, stride: int | None = None, padding: int = 0) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class Flatten(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(1)


class Sequential(Module):
    def __init__(self, *layers: Module) -> None:
        super().__init__()
        self.layers = list(layers)

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)


class ModuleList(Module):
    def __init__(self, modules: list[Module] | None = None) -> None:
        super().__init__()
        self.items = list(modules or [])

    def __iter__(self) -> Iterator[Module]:
        return iter(self.items)

    def __getitem__(self, i: int) -> Module:
        return self.items[i]

    def __len__(self) -> int:
        return len(self.items)

    def append(self, m: Module) -> None:
        self.items.append(m)


from mlsysbook.tinytorch.nn.attention import MultiHeadAttention, TransformerBlock  # noqa: E402

__all__ = [
    "GELU",
    "AvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv2d",
    "Dropout",
    "Embedding",
    "Flatten",
    "LayerNorm",
    "Linear",
    "MaxPool2d",
    "Module",
    "ModuleList",
    "MultiHeadAttention",
    "Parameter",
    "RMSNorm",
    "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Tanh",
    "TransformerBlock",
]
