"""The settings of a run: one frozen, hashable object, resolved once and passed explicitly.

Every way in — ``nianbao parse`` flags (``--set pdf.max_pages=5``, ``--config FILE.toml``),
``read_corpus(options=...)`` / ``read_report(options=...)``, a notebook parameter — ends as one
:class:`RunOptions`, which the corpus run ships with every chunk of work to the workers and
``parse_bytes`` hands to the reader of each format (:data:`nianbao.read.READERS` names the settings a
reader takes). Nothing is kept in module globals, so two runs with different settings in one process
(or one long-lived dask worker) cannot see each other's.

Part of every cache key is :meth:`RunOptions.digest` of the file's format: only the settings that
format's reader takes (and the place aliases, which every report resolves its organ with), so a
changed PDF setting parses the PDFs again and nothing else.

>>> o = RunOptions.resolve({"pdf": {"max_pages": 5}})
>>> o.pdf.max_pages, o.digest("txt") == "", o.digest("pdf") != ""
(5, True, True)
>>> RunOptions.resolve({"pdf_max_pages": 5})
Traceback (most recent call last):
...
nianbao.options.OptionsError: unknown run option(s) ['pdf_max_pages']; known: file_timeout, max_file_bytes, max_memory, ocr, pdf, places
"""

from __future__ import annotations

import dataclasses
import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from nianbao.errors import NianbaoError
from nianbao.read import READERS
from nianbao.read.ocr_settings import OcrSettings
from nianbao.read.pdf_settings import PdfSettings

__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "DEFAULT_MAX_MEMORY",
    "OptionsError",
    "RunOptions",
    "merge_options",
    "parse_assignment",
]

DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024  # larger files are refused unread (a report is well under 10 MB)
DEFAULT_MAX_MEMORY = 4 * 1024**3  # bytes per pool worker; a real report needs well under 500 MB
_SETTINGS_TYPES: dict[str, Any] = {
    "pdf": PdfSettings,
    "ocr": OcrSettings,
}  # option name → the reader settings type it holds


class OptionsError(NianbaoError, ValueError):
    """A run option is unknown or has a value it cannot take."""


@dataclass(frozen=True)
class RunOptions:
    """What a run is told: reader settings, limits per file, place aliases.

    Attributes
    ----------
    pdf
        :class:`nianbao.read.pdf.PdfSettings` for the PDF reader.
    ocr
        :class:`nianbao.read.ocr_settings.OcrSettings` for scans (images, PDFs without a text layer).
    places
        Texts of places files (columns name, province, city, county, level), later ones overriding
        earlier ones; a corpus folder's ``places.csv`` is added by the run. See :mod:`nianbao.parse.places`.
    max_file_bytes
        Files larger than this are refused unread (a ``failed`` row).
    file_timeout
        Wall-clock seconds one file may take before the run stops its work (a ``failed`` row).
    max_memory
        Bytes of memory each local pool worker may use (Linux); 0: no limit. A file that needs
        more gets a ``failed`` row (see :mod:`nianbao.corpus.watchdog`).
    """

    pdf: PdfSettings = field(default_factory=PdfSettings)
    ocr: OcrSettings = field(default_factory=OcrSettings)
    places: tuple[str, ...] = ()
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    file_timeout: float = 120.0
    max_memory: int = DEFAULT_MAX_MEMORY

    def __post_init__(self) -> None:
        if not isinstance(self.places, tuple) or not all(isinstance(t, str) for t in self.places):
            raise OptionsError("run option places must be a tuple of places-file texts")
        if isinstance(self.max_file_bytes, bool) or not isinstance(self.max_file_bytes, int):
            raise OptionsError(
                f"run option max_file_bytes must be a whole number, not {self.max_file_bytes!r}"
            )
        if self.max_file_bytes <= 0:
            raise OptionsError(f"run option max_file_bytes must be positive, not {self.max_file_bytes!r}")
        memory = self.max_memory
        if isinstance(memory, bool) or not isinstance(memory, int) or memory < 0:
            raise OptionsError(
                f"run option max_memory must be a whole number of bytes (0: no limit), not {memory!r}"
            )
        timeout = self.file_timeout
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
            raise OptionsError(
                f"run option file_timeout must be a positive number of seconds, not {timeout!r}"
            )

    @classmethod
    def resolve(cls, value: RunOptions | Mapping[str, Any] | None = None) -> RunOptions:
        """Options from None (defaults), a plain mapping (nested for reader settings) or an instance.

        >>> RunOptions.resolve({"file_timeout": 30, "pdf": {"max_seconds": 5}}).pdf.max_seconds
        5
        """
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if not isinstance(value, Mapping):
            raise OptionsError(f"run options must be a mapping or RunOptions, not {type(value).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise OptionsError(f"unknown run option(s) {unknown}; known: {', '.join(sorted(known))}")
        given = dict(value)
        for name, settings_type in _SETTINGS_TYPES.items():
            if name in given:
                try:
                    given[name] = settings_type.resolve(given[name])
                except (TypeError, ValueError) as e:
                    raise OptionsError(str(e)) from e
        if "places" in given:
            given["places"] = tuple(given["places"])
        return cls(**given)

    @classmethod
    def from_toml(cls, path: str | Path, overrides: Mapping[str, Any] | None = None) -> RunOptions:
        """Options from a TOML file (``file_timeout = 60`` / ``[pdf]`` ``max_pages = 20``), then ``overrides``.

        ``places`` in the file are paths of places files, relative to the file.
        """
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise OptionsError(f"cannot read the options file {p}: {e}") from e
        if "places" in data:
            data["places"] = tuple(_read_places_file(p.parent / f) for f in data["places"])
        return cls.resolve(merge_options(data, overrides or {}))

    def with_changes(self, changes: Mapping[str, Any]) -> RunOptions:
        """These options with ``changes`` (as :meth:`resolve` takes them) applied on top."""
        current = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in _SETTINGS_TYPES:
            current[name] = dataclasses.asdict(current[name])
        return RunOptions.resolve(merge_options(current, changes))

    def digest(self, fmt: str) -> str:
        """What a cache key adds for a file of format ``fmt``: '' with the defaults, else 16 hex digits.

        Only the settings the format's reader takes count (:data:`nianbao.read.READERS`), plus the
        place aliases; limits that decide whether a file is parsed at all (size, time) are not part
        of it, since a refused or stopped file is never cached.
        """
        parts = []
        reader = READERS.get(fmt)
        for name in reader.options if reader else tuple(_SETTINGS_TYPES):
            value = getattr(self, name)
            if value != _DEFAULTS[name]:
                parts.append(f"{name}={value!r}")
        if any(text.strip() for text in self.places):
            parts.append("places=" + "\0".join(self.places))
        if not parts:
            return ""
        return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


_DEFAULTS = {name: settings_type() for name, settings_type in _SETTINGS_TYPES.items()}


def merge_options(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` on top; nested mappings (reader settings) merged key by key.

    >>> merge_options({"pdf": {"max_pages": 5}}, {"pdf": {"max_seconds": 2}})
    {'pdf': {'max_pages': 5, 'max_seconds': 2}}
    """
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge_options(out[key], value)
        else:
            out[key] = value
    return out


def _read_places_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise OptionsError(f"cannot read the places file {path}: {e}") from e


def parse_assignment(text: str) -> dict[str, Any]:
    """``"pdf.max_pages=5"`` → ``{"pdf": {"max_pages": 5}}``; the value is read as TOML (a number,
    true/false, a quoted string), or taken as a string when it is not TOML.

    >>> parse_assignment("pdf.max_seconds=2.5"), parse_assignment("file_timeout=60")
    ({'pdf': {'max_seconds': 2.5}}, {'file_timeout': 60})
    """
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise OptionsError(f"expected NAME=VALUE (e.g. pdf.max_pages=5), not {text!r}")
    try:
        value: Any = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    out: dict[str, Any] = {}
    node = out
    *parents, leaf = [part.strip() for part in key.split(".")]
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value
    return out
