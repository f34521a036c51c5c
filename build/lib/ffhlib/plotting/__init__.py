"""Plotting functions (ax=None, compute nothing)."""
