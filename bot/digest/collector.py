"""Holding Python's cycle collector while the 小结 is put together.

A county's 小结 makes a few hundred thousand short-lived tuples and records (rows, counts,
commitments). Each 700 new objects wake the cycle collector, which walks the young objects and,
now and then, every object the bot holds: about a tenth of the request's time, spent finding no
cycles (the digest makes none; reference counting frees what it leaves). The collector is held
while the 小结 is read and built and released afterwards — once the reading function has
returned and its rows and records are freed, so that only its result is left for the collector
to look at; overlapping requests share one hold.
"""
from __future__ import annotations

import functools
import gc
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

_holds = 0
_was_enabled = False


@contextmanager
def collector_held() -> Iterator[None]:
    """Run the block without automatic cycle collection (as it was before, once every block ends)."""
    global _holds, _was_enabled
    if _holds == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _holds += 1
    try:
        yield
    finally:
        _holds -= 1
        if _holds == 0 and _was_enabled:
            gc.enable()


P = ParamSpec("P")
R = TypeVar("R")


def holding_collector(read: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """``read`` run with the collector held (:func:`collector_held`), let go after it returned."""

    @functools.wraps(read)
    async def held(*args: P.args, **kwargs: P.kwargs) -> R:
        with collector_held():
            return await read(*args, **kwargs)

    return held
