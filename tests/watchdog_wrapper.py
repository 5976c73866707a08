"""Run ``nianbao`` with a stand-in parser that misbehaves on purpose (tests of corpus.watchdog).

Pool workers start by importing the main script, so the patch below applies in them too. A file
whose bytes start with

- ``HANG``: loops forever in Python (stopped in-process by the time limit);
- ``STUCK``: sleeps with SIGALRM blocked, as a parse stuck in native code would (only killing the
  worker stops it);
- ``DIE``: ends its process at once, as a crash in a native library would;
- ``MEM``: asks for 8 GiB (a MemoryError under the worker's memory limit; never run it without one);

anything else goes to the real parser. Each call appends the file's path to ``$PARSE_LOG`` (when
set) and first sleeps ``$PARSE_DELAY`` seconds.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any

from nianbao.parse import report

_parse = report.parse_bytes


def misbehaving(data: bytes, path: str, **kw: Any) -> Any:
    if log := os.environ.get("PARSE_LOG"):
        with open(log, "a", encoding="utf-8") as f:
            f.write(path + "\n")
    time.sleep(float(os.environ.get("PARSE_DELAY", "0")))
    if data.startswith(b"HANG"):
        while True:
            pass
    if data.startswith(b"STUCK"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(3600)
    if data.startswith(b"DIE"):
        os._exit(3)
    if data.startswith(b"MEM"):
        bytearray(8 * 2**30)
    return _parse(data, path, **kw)


report.parse_bytes = misbehaving

if __name__ == "__main__":
    from nianbao.cli import cli

    cli(sys.argv[1:])
