"""Neural networks from first principles: NumPy exercises graded against PyTorch autograd."""

__version__ = "0.2.0"
