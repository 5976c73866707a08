"""nianbao (年报): parse and compare annual reports on open government information.

>>> import nianbao
>>> sorted(nianbao.FRAME_NAMES)
['applications', 'checks', 'litigation', 'proactive', 'reports']
"""

from nianbao.corpus import read_corpus, scan
from nianbao.errors import NianbaoError, NotAReport, TemplateMismatch, UnreadableFile
from nianbao.fields import FRAME_NAMES, FRAME_SCHEMAS

__version__ = "0.1.0"

__all__ = [
    "FRAME_NAMES",
    "FRAME_SCHEMAS",
    "NianbaoError",
    "NotAReport",
    "TemplateMismatch",
    "UnreadableFile",
    "__version__",
    "read_corpus",
    "scan",
]
