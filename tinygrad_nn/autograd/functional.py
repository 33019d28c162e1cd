"""Jacobians, Hessians and vector products built on autograd.grad (to be written)."""
