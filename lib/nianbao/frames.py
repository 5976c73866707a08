"""The one container of the contract's frames: one report, a corpus, or a selection of one.

``read_report`` returns :class:`Frames`; a corpus run returns :class:`nianbao.corpus.run.Corpus`, which
is :class:`Frames` with how the run went; the notebooks' selections are :class:`Frames` too.

>>> from nianbao.fields import empty_frame
>>> f = Frames(*(empty_frame(n) for n in FRAME_NAMES))
>>> f
Frames(reports=0, proactive=0, applications=0, litigation=0, checks=0, corrections=0)
>>> list(f.frames)
['reports', 'proactive', 'applications', 'litigation', 'checks']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from nianbao.fields import FRAME_NAMES, empty_frame

__all__ = ["Frames"]


def _no_corrections() -> pl.DataFrame:
    return empty_frame("corrections")


@dataclass(frozen=True)
class Frames:
    """The five contract frames (``fields.FRAME_SCHEMAS``) and the corrections applied to them."""

    reports: pl.DataFrame
    proactive: pl.DataFrame
    applications: pl.DataFrame
    litigation: pl.DataFrame
    checks: pl.DataFrame
    # one row per correction applied (nianbao.corpus.corrections); not one of the contract's five
    corrections: pl.DataFrame = field(default_factory=_no_corrections)

    @property
    def frames(self) -> dict[str, pl.DataFrame]:
        """The five contract frames by name."""
        return {name: getattr(self, name) for name in FRAME_NAMES}

    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}={getattr(self, n).height}" for n in (*FRAME_NAMES, "corrections"))
        return f"{type(self).__name__}({sizes})"
