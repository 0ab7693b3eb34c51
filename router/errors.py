"""Errors the router raises itself."""

from __future__ import annotations


class UnroutableEventError(Exception):
    """No route takes this event. The message describes its shape only, never its contents."""

    def __init__(self, shape: dict[str, object]) -> None:
        self.shape = shape
        super().__init__(f"no route takes an event of this shape: {shape}")
