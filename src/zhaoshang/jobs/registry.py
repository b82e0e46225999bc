"""The kinds of job: each a function run with the job's arguments, registered by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    title: str  # what the job page calls it, in Chinese
    func: Callable  # func(run: JobRun, **arguments) -> dict (the result reference) or None
    # Called when the job is given up (failed for good), to mark what it was building.
    on_failed: Callable | None = None
    # A periodic job: a second one is not started while one is still running.
    singleton: bool = False


KINDS: dict[str, Kind] = {}


def register(name: str, title: str, *, on_failed=None, singleton: bool = False):
    def wrap(func):
        KINDS[name] = Kind(name, title, func, on_failed, singleton)
        return func

    return wrap


def get(name: str) -> Kind:
    return KINDS[name]
