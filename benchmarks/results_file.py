"""What the benchmarks share: the commit they ran on and their own section of ``RESULTS.md``.

Imported by the ``bench_*.py`` scripts beside it (a script's folder is on ``sys.path``).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"


def git_commit() -> str:
    """The short id of the checkout's HEAD, or ``unknown`` outside a git checkout."""
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_section(section: str, lines: list[str], results: Path = RESULTS) -> None:
    """Replace the section headed ``section`` of ``results`` with ``lines`` (or append it), leaving the
    other sections alone."""
    text = results.read_text(encoding="utf-8") if results.is_file() else ""
    block = "\n".join(lines).rstrip("\n") + "\n"
    start = text.find(section)
    if start < 0:
        results.write_text(text.rstrip("\n") + "\n\n" + block, encoding="utf-8")
        return
    end = text.find("\n## ", start + len(section))
    rest = "" if end < 0 else text[end + 1 :]
    results.write_text(text[:start] + block + ("\n" + rest if rest else ""), encoding="utf-8")
