"""Bounds on a pool worker from outside the parser: time (kill and replace), memory, the worker's life.

The parsing process itself stops a file that runs past its limit (:mod:`nianbao.parse.timelimit`),
but only between Python bytecodes. The coordinating process
(:class:`nianbao.corpus.parallel.Dispatcher`) watches what each worker parses
(:mod:`nianbao.corpus.workers`) and kills a worker still on a file :func:`grace` seconds past the
limit: that stops native code too. Besides:

- :func:`limit_memory` caps a pool worker's private writable memory (``RLIMIT_DATA``, Linux), so a
  file that would take all of the machine's memory gets ``MemoryError`` (a ``failed`` row) or, from
  native code, ends its worker (the file's row says so), instead of the machine swapping.
- :func:`die_with_parent` makes a pool worker end when the process that started it ends, even by
  ``kill -9``: the kernel's parent-death signal (Linux ``prctl``), and a thread that checks the
  parent once a second (other systems, or a parent replaced before the first was set).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

__all__ = ["crash_message", "die_with_parent", "grace", "limit_memory"]


def crash_message(limit: int | None) -> str:
    """The ``error`` of a file whose worker process ended while parsing it.

    >>> crash_message(3 * 2**29)  # doctest: +ELLIPSIS
    '... out of memory (over the 1.5 GiB limit, see --max-memory); the file was not parsed; ...'
    """
    cap = f" (over the {limit / 2**30:g} GiB limit, see --max-memory)" if limit else ""
    return (
        "the worker process parsing this file stopped abruptly: a crash in a native library or "
        f"out of memory{cap}; the file was not parsed; run again to retry, or please report the file"
    )


def grace(seconds: float) -> float:
    """How long past its limit a file's worker may run before it is killed (time for the soft stop).

    >>> grace(5), grace(60)
    (1.0, 6.0)
    """
    return max(1.0, 0.1 * seconds)


def limit_memory(limit: int | None) -> None:
    """Cap this process's private writable memory at ``limit`` bytes (Linux; elsewhere a no-op).

    >>> import resource
    >>> before = resource.getrlimit(resource.RLIMIT_DATA)
    >>> limit_memory(2**40)  # 1 TiB: harmless, and undone at once (doctests share one process)
    >>> capped = resource.getrlimit(resource.RLIMIT_DATA)[0]; resource.setrlimit(resource.RLIMIT_DATA, before)
    >>> capped / 2**30
    1024.0
    """
    if not limit or limit <= 0 or not sys.platform.startswith("linux"):
        return
    import resource  # noqa: PLC0415 (POSIX only)

    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    cap = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent: int) -> None:
    """End this process when ``parent`` (the pid that started it) ends, however it ends.

    A child process that names a pid other than its parent's ends at once (exit status 1):

    >>> import subprocess
    >>> code = f"import os, runpy; w = runpy.run_path({__file__!r}); w['die_with_parent'](os.getppid());"
    >>> code += " print('watching', flush=True); w['die_with_parent'](os.getpid()); print('not reached')"
    >>> done = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True)
    >>> done.returncode, done.stdout
    (1, 'watching\\n')
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the thread below still watches
            pass
    if os.getppid() != parent:  # the parent ended before the signal was set up
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="nianbao-parent-watch", daemon=True).start()
