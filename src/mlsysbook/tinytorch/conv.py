"""Convolution and pooling without Python loops over pixels or channels.

Forward: `sliding_window_view` exposes every k x k patch as a view (im2col without
building an index table), one batched matmul per channel group does the arithmetic.
Backward: the patch gradients are added back into the input with one vectorised add per
kernel offset (k*k of them), never per pixel."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from mlsysbook.tinytorch.autograd import Function


def _pair(v: int | tuple[int, int]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def out_size(n: int, k: int, stride: int, pad: int, dilation: int = 1) -> int:
    return (n + 2 * pad - dilation * (k - 1) - 1) // stride + 1


def _windows(
    x: np.ndarray, k: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int]
) -> np.ndarray:
    """(N, C, H, W) -> a view (N, C, Ho, Wo, kh, kw) of every patch."""
    span = (dilation[0] * (k[0] - 1) + 1, dilation[1] * (k[1] - 1) + 1)
    w = sliding_window_view(x, span, axis=(2, 3))
    return w[:, :, :: stride[0], :: stride[1], :: dilation[0], :: dilation[1]]


def _scatter(
    grad_windows: np.ndarray,
    shape: tuple[int, ...],
    k: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> np.ndarray:
    """The adjoint of _windows: add each patch gradient back where the patch came from."""
    out = np.zeros(shape, dtype=grad_windows.dtype)
    ho, wo = grad_windows.shape[2], grad_windows.shape[3]
    for i in range(k[0]):
        for j in range(k[1]):
            r, c = i * dilation[0], j * dilation[1]
            out[:, :, r : r + stride[0] * ho : stride[0], c : c + stride[1] * wo : stride[1]] += (
                grad_windows[:, :, :, :, i, j]
            )
    return out


Pair = tuple[int, int]


def _pool_input(
    x: np.ndarray, kernel: Any, stride: Any, padding: Any, fill: float
) -> tuple[Pair, Pair, Pair, np.ndarray]:
    """Window, stride and padding as pairs (stride defaults to the window), checked
    against the input, and the input padded with ``fill``."""
    k = _pair(kernel)
    s, p = _pair(stride if stride is not None else kernel), _pair(padding)
    if x.ndim != 4:
        raise ValueError(f"pooling expects (N, C, H, W) input, got shape {x.shape}")
    if min(out_size(x.shape[2], k[0], s[0], p[0]), out_size(x.shape[3], k[1], s[1], p[1])) < 1:
        raise ValueError(f"pooling: a {k[0]}x{k[1]} window does not fit a {x.shape[2:]} input")
    if any(p):
        x = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=fill)
    return k, s, p, x


class Conv2d(Function):
    """y[n, o] = sum over c, i, j of w[o, c, i, j] * x[n, c, s*h + d*i, s*w + d*j] (zero
    padded), with channels split into ``groups``."""

    def forward(
        self,
        x: np.ndarray,
        w: np.ndarray,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
    ) -> np.ndarray:
        s, p, d = _pair(stride), _pair(padding), _pair(dilation)
        n, c, _, _ = x.shape
        o, cg, kh, kw = w.shape
        if c != cg * groups or o % groups:
            raise ValueError(
                f"conv: {c} input channels and {o} filters of {cg} channels do not "
                f"split into {groups} groups"
            )
        if (
            min(
                out_size(x.shape[2], kh, s[0], p[0], d[0]),
                out_size(x.shape[3], kw, s[1], p[1], d[1]),
            )
            < 1
        ):
            raise ValueError(f"conv: a {kh}x{kw} kernel does not fit a {x.shape[2:]} input")
        xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1]))) if any(p) else x
        win = _windows(xp, (kh, kw), s, d)  # (N, C, Ho, Wo, kh, kw)
        ho, wo = win.shape[2], win.shape[3]
        # (G, N*Ho*Wo, Cg*kh*kw) @ (G, Cg*kh*kw, O/G)
        cols = win.reshape(n, groups, cg, ho, wo, kh, kw).transpose(1, 0, 3, 4, 2, 5, 6)
        cols = cols.reshape(groups, n * ho * wo, cg * kh * kw)
        wmat = w.reshape(groups, o // groups, cg * kh * kw).transpose(0, 2, 1)
        y = cols @ wmat  # (G, N*Ho*Wo, O/G)
        self.saved = (cols, wmat, x.shape, xp.shape, (kh, kw), s, p, d, groups, (ho, wo))
        return (
            y.reshape(groups, n, ho, wo, o // groups).transpose(1, 0, 4, 2, 3).reshape(n, o, ho, wo)
        )

    def backward(self, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cols, wmat, xshape, pshape, k, s, p, d, groups, (ho, wo) = self.saved
        n, o = g.shape[0], g.shape[1]
        cg = xshape[1] // groups
        gmat = g.reshape(n, groups, o // groups, ho, wo).transpose(1, 0, 3, 4, 2)
        gmat = gmat.reshape(groups, n * ho * wo, o // groups)
        dw = (cols.transpose(0, 2, 1) @ gmat).transpose(0, 2, 1).reshape(o, cg, k[0], k[1])
        dcols = gmat @ wmat.transpose(0, 2, 1)  # (G, N*Ho*Wo, Cg*kh*kw)
        dwin = dcols.reshape(groups, n, ho, wo, cg, k[0], k[1]).transpose(1, 0, 4, 2, 3, 5, 6)
        dwin = dwin.reshape(n, groups * cg, ho, wo, k[0], k[1])
        dxp = _scatter(dwin, pshape, k, s, d)
        dx = dxp[:, :, p[0] : p[0] + xshape[2], p[1] : p[1] + xshape[3]]
        return dx, dw


class MaxPool2d(Function):
    """The largest value of each window; its gradient goes to that (first) position."""

    uses_inputs = False

    def forward(
        self, x: np.ndarray, kernel: Any, stride: Any = None, padding: Any = 0
    ) -> np.ndarray:
        k, s, p, xp = _pool_input(x, kernel, stride, padding, fill=-np.inf)
        win = _windows(xp, k, s, (1, 1))
        n, c, ho, wo = win.shape[:4]
        flat = win.reshape(n, c, ho, wo, k[0] * k[1])
        arg = flat.argmax(axis=-1)
        self.saved = (arg, x.shape, xp.shape, k, s, p)
        return np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        arg, xshape, pshape, k, s, p = self.saved
        onehot = (np.arange(k[0] * k[1]) == arg[..., None]) * g[..., None]
        dwin = onehot.reshape(*g.shape, k[0], k[1]).astype(g.dtype)
        dxp = _scatter(dwin, pshape, k, s, (1, 1))
        return (dxp[:, :, p[0] : p[0] + xshape[2], p[1] : p[1] + xshape[3]],)


class AvgPool2d(Function):
    """The mean of each window (zero padding counts, as PyTorch's default)."""

    uses_inputs = False

    def forward(
        self, x: np.ndarray, kernel: Any, stride: Any = None, padding: Any = 0
    ) -> np.ndarray:
        k, s, p, xp = _pool_input(x, kernel, stride, padding, fill=0.0)
        self.saved = (x.shape, xp.shape, k, s, p)
        return _windows(xp, k, s, (1, 1)).mean(axis=(-2, -1))

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        xshape, pshape, k, s, p = self.saved
        share = np.broadcast_to((g / (k[0] * k[1]))[..., None, None], (*g.shape, k[0], k[1]))
        dxp = _scatter(share, pshape, k, s, (1, 1))
        return (dxp[:, :, p[0] : p[0] + xshape[2], p[1] : p[1] + xshape[3]],)
