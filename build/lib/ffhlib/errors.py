"""Exceptions raised by ffhlib."""


class DivergenceError(RuntimeError):
    """Raised when a simulation or training run diverges."""
