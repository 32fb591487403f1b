"""Build: TinyTorch, a small deep-learning framework on NumPy that a learner can read in
an afternoon and still train real models with.

    from mlsysbook.tinytorch import Tensor
    x = Tensor([[1.0, 2.0]], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # [[2., 4.]]
"""

from mlsysbook.tinytorch.autograd import Function, is_grad_enabled, no_grad
from mlsysbook.tinytorch.tensor import Tensor, cat, stack

__all__ = ["Function", "Tensor", "cat", "is_grad_enabled", "no_grad", "stack"]
