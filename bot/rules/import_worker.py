"""Reading an uploaded unit list in a child process, so that no file can freeze the bot for others.

openpyxl and the csv module are pure Python and hold the interpreter while they work: run on the
event loop, one large file left everyone else unanswered. :func:`read_table_apart` runs
:func:`bot.rules.unit_import.read_table` in a fresh ``python -m bot.rules.import_worker``, the
file on its stdin, under an address-space limit, and kills it when the time limit passes (a thread
could not be stopped). The child answers with one JSON object: the rows, or the refusal in
Chinese. It gets no secrets (a short list of environment variables) and costs about 0.3 s to
start, which an import, a rare act of a leader, can afford.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from pathlib import Path

from bot.rules.unit_import import MAX_FILE_BYTES, UnreadableFile, read_table, too_big_message
from bot.texts import plain

TIME_LIMIT_SECONDS = 20.0
MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024
_PROJECT_ROOT = Path(__file__).resolve().parents[2]
_PASSED_ENVIRONMENT = ("PATH", "PYTHONPATH", "PYTHONHOME", "LANG", "LC_ALL", "SYSTEMROOT")

log = logging.getLogger(__name__)


async def read_table_apart(content: bytes, file_name: str, time_limit: float = TIME_LIMIT_SECONDS) -> list[list[str]]:
    """The file's rows as :func:`read_table` gives them, read in a child process; ``UnreadableFile``
    for every refusal, a timeout and a crashed child included."""
    if len(content) > MAX_FILE_BYTES:
        raise UnreadableFile(too_big_message())
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", __name__, file_name,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        cwd=_PROJECT_ROOT, env={key: os.environ[key] for key in _PASSED_ENVIRONMENT if key in os.environ},
    )
    try:
        output, errors = await asyncio.wait_for(process.communicate(content), time_limit)
    except TimeoutError:
        raise UnreadableFile(plain("rules", "import_timeout", seconds=round(time_limit))) from None
    finally:
        if process.returncode is None:  # timed out, or the import was cancelled: stop the parse
            process.kill()
            await process.wait()
    try:
        answer = json.loads(output)
    except ValueError:
        log.error("the import reader failed (exit %s): %s", process.returncode, errors.decode(errors="replace")[-2000:])
        raise UnreadableFile(plain("rules", "import_reader_failed")) from None
    if "refusal" in answer:
        raise UnreadableFile(answer["refusal"])
    return answer["rows"]


def main() -> None:
    """The child: the file on stdin, its name as the argument, one JSON object on stdout."""
    import resource

    # What the declared sizes cannot foresee (openpyxl's own appetite) still ends in a refusal.
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    content = sys.stdin.buffer.read()
    try:
        answer: dict[str, object] = {"rows": read_table(content, sys.argv[1])}
    except UnreadableFile as refusal:
        answer = {"refusal": str(refusal)}
    except MemoryError:
        answer = {"refusal": plain("rules", "import_reader_failed")}
    sys.stdout.buffer.write(json.dumps(answer, ensure_ascii=False).encode())


if __name__ == "__main__":
    main()
