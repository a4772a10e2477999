"""The cycle collector is held while the 小结 is read and built, and always let go afterwards."""
from __future__ import annotations

import asyncio
import gc

import pytest

from bot.digest.collector import holding_collector


async def test_a_read_runs_without_the_collector_and_gives_it_back() -> None:
    seen = []

    @holding_collector
    async def read(value: int) -> int:
        seen.append(gc.isenabled())
        return value

    assert gc.isenabled()
    assert await read(3) == 3
    assert seen == [False]
    assert gc.isenabled()


async def test_overlapping_reads_share_one_hold_and_a_failing_one_lets_go() -> None:
    started, finish = asyncio.Event(), asyncio.Event()

    @holding_collector
    async def slow() -> bool:
        started.set()
        await finish.wait()
        return gc.isenabled()

    @holding_collector
    async def quick() -> bool:
        return gc.isenabled()

    @holding_collector
    async def failing() -> None:
        raise RuntimeError("磁盘故障")

    first = asyncio.ensure_future(slow())
    await started.wait()
    assert await quick() is False
    assert not gc.isenabled()  # the first read still holds it
    finish.set()
    assert await first is False
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        await failing()
    assert gc.isenabled()
