"""Many files → the five frames: walk the inputs, read, cache, parse in parallel, assemble, write.

``sources`` (what a folder or archive holds) → ``parallel`` (the per-file work on a pool or dask)
→ ``cache`` (results keyed by content) → ``run`` (assembly, cross-report checks, outputs) → ``cli``.
"""

from nianbao.corpus.run import Corpus, CorpusScan, RunStats, read_corpus, scan

__all__ = ["Corpus", "CorpusScan", "RunStats", "read_corpus", "scan"]
