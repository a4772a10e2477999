"""Holding Python's cycle collector while the 小结 is put together.

A county's 小结 makes a few hundred thousand short-lived tuples and records (rows, counts,
commitments). Each 700 new objects wake the cycle collector, which walks the young objects and,
now and then, every object the bot holds: about a tenth of the request's time, spent finding no
cycles (the digest makes none; reference counting frees what it leaves). The collector is held
while the 小结 is read and built and released afterwards; overlapping requests share one hold.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

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
