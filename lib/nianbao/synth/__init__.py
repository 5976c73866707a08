"""``nianbao synth``: a synthetic corpus of annual reports whose truth is known.

Real reports are few and mostly zeros; the generator gives demos, tests and benchmarks as many
reports as they need, in every format and template, with injected damage recorded in the truth.
Everything it writes is labelled synthetic; every organ and place name is invented.

>>> from nianbao.synth import FORMATS
>>> FORMATS  # the formats it writes (scans: ``synth.render_scan``)
('txt', 'html', 'pdf', 'docx')
"""

from nianbao.synth.generate import FORMATS, generate
from nianbao.synth.truth import compare, truth_json

__all__ = ["FORMATS", "compare", "generate", "truth_json"]
