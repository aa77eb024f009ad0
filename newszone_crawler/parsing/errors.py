"""Errors raised when a page stops looking like the board's markup."""


class PageLayoutError(ValueError):
    """The page lacks a structure the contract promises (e.g. no post content, no listing)."""
