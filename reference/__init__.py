"""The oracle: the seed's formulas in torch ops (float64); gradients come from torch.autograd."""
