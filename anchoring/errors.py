"""Chain errors of the anchoring package: both are ``ChainError`` (node.errors) subclasses."""

from __future__ import annotations

from node.errors import ChainError, ChainUnavailable

__all__ = ["ChainUnavailable", "ContractRejected"]


class ContractRejected(ChainError):
    """The anchor contract reverted (or would revert) a call, with its decoded custom error.

    ``error`` is the Solidity error name (e.g. ``TreeSizeNotLarger``), ``args`` its arguments.
    """

    def __init__(self, message: str, *, error: str, args: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.error = error
        self.error_args = args
