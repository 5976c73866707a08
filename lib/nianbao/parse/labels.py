"""Matching printed labels to template keys, tolerant of numbering, notes, variants and damage.

A printed label is reduced to its *core*: enumerators (一、 (三) 2.) and bracketed notes removed,
punctuation dropped. The core is scored against every label of the template: an exact core scores 1,
a label contained in the core scores by how much of the core it covers, and a damaged label
("其他法律行政止公开") is accepted by similarity only when it is very close. Group labels
(不予公开, 本年度办理结果 …) are candidates too, so that they win over a loose match to a row.

>>> core("(二)部分公开(区分处理的,只计这一情形,不计其他情形)")
(None, '部分公开')
>>> core("3.危及“三安全一稳定”")
('3', '危及三安全一稳定')
>>> m = Matcher.for_table3(template_named(2021))
>>> [m.match(s) for s in ("2.其他法律行政止公开", "3.其他", "(六)其他处理", "其他", "不予公开", "开")]
['denied_prohibited_by_law', 'other_reasons', 'other_processing', None, '', None]
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from nianbao.templates import Template, template_named

__all__ = ["GROUP", "Matcher", "core"]

GROUP = ""  # key returned for a group/header label: it carries no numbers of its own

_ENUM = re.compile(  # matched at a position (``match(s, pos)``): a run of enumerators is read in one pass
    r"(?:[(]?[一二三四五六七八九十]+[)]|[一二三四五六七八九十]+[、.,]|[(]\d+[)]|(\d+)[.、),](?!\d))"
)
_NOTE = re.compile(r"[(][^()]*[)]")
_PUNCT = re.compile(r"[\W_]+")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def core(label: str) -> tuple[str | None, str]:
    """(arabic enumerator or None, core text) of a printed label."""
    s = _SPACE.sub("", label)
    number = None
    at = 0
    while (m := _ENUM.match(s, at)) and m.end() > at:  # (no re-slicing: a line of 一、一、… is linear)
        if m.group(1):
            number = m.group(1)
        at = m.end()
    s = _NOTE.sub("", s[at:] if at else s)
    return number, _PUNCT.sub("", s)


@dataclass(frozen=True, slots=True)
class _Candidate:
    key: str
    core: str
    needs_number: bool = False


def _similarity(text: str, candidate: str, at_least: float) -> float:
    """``SequenceMatcher(None, text, candidate).ratio()`` when it can reach ``at_least``, else 0.

    The cheap upper bounds (``real_quick_ratio`` ≥ ``quick_ratio`` ≥ ``ratio``) rule most
    candidates out before the full comparison.
    """
    sm = _matcher_for(candidate)
    sm.set_seq1(text)
    if sm.real_quick_ratio() < at_least or sm.quick_ratio() < at_least:
        return 0.0
    return sm.ratio()


# A SequenceMatcher is stateful: one set per thread (dask workers run tasks in threads).
_PER_THREAD = threading.local()


def _matcher_for(candidate: str) -> SequenceMatcher:
    """A SequenceMatcher holding a candidate label as its second sequence (its index built once)."""
    made: dict[str, SequenceMatcher] | None = getattr(_PER_THREAD, "matchers", None)
    if made is None:
        made = _PER_THREAD.matchers = {}
    sm = made.get(candidate)
    if sm is None:
        sm = made[candidate] = SequenceMatcher(None, "", candidate, autojunk=False)
    return sm


class _Keys(dict[str, str | None]):
    """label → :meth:`Matcher.match` of it, worked out on first sight, then a dict lookup in C."""

    def __init__(self, matcher: Matcher) -> None:
        super().__init__()
        self.matcher = matcher

    def __missing__(self, label: str) -> str | None:
        s, key = self.matcher.score(label)
        out = self[label] = key if s >= self.matcher.threshold else None
        return out


class Matcher:
    """Scores a printed label against a fixed set of candidate labels; results are cached."""

    def __init__(self, candidates: list[_Candidate], threshold: float = 0.6, fuzzy: float = 0.8) -> None:
        self.candidates = candidates
        self.threshold = threshold
        self.fuzzy = fuzzy
        self.keys = _Keys(self)  # label → match(label)
        self._scores: dict[str, tuple[float, str | None]] = {}
        self._longest = _longest_match(candidates, threshold)

    @classmethod
    def for_table3(cls, t: Template) -> Matcher:
        cands = [
            _Candidate(r.key, core(v)[1], r.needs_number)
            for r in t.table3_rows
            for v in (r.label, *r.variants)
        ]
        cands += [_Candidate(m.key, core(m.label)[1]) for m in t.table3_merged_rows]
        cands += [_Candidate(GROUP, core(g)[1]) for g in t.table3_group_labels]
        cands += [_Candidate(GROUP, core(c.label)[1]) for c in t.table3_columns if c.label != "其他"]
        return cls(cands)

    @classmethod
    def for_table2(cls, t: Template) -> Matcher:
        cands = [_Candidate(i.key, core(v)[1]) for i in t.table2_items for v in (i.label, *i.variants)]
        cands += [_Candidate(GROUP, core(m.label)[1]) for m in t.table2_measures]
        cands += [_Candidate(GROUP, "信息内容")]
        return cls(cands)

    def score(self, label: str) -> tuple[float, str | None]:
        """(score, key) of the best candidate for a printed label (cached: labels repeat across reports)."""
        hit = self._scores.get(label)
        if hit is None:
            hit = self._scores[label] = self._score(label)
        return hit

    def _score(self, label: str) -> tuple[float, str | None]:
        number, text = core(label)
        if not text or len(text) > self._longest:  # (no candidate can reach the threshold)
            return 0.0, None
        best, best_key = 0.0, None
        for c in self.candidates:
            if c.needs_number and number is None:
                continue
            if text == c.core:
                s = 1.0
            elif c.core in text:
                s = 0.5 + 0.5 * len(c.core) / len(text)
            elif len(text) >= 3 and abs(len(text) - len(c.core)) <= max(3, len(c.core) // 3):
                r = _similarity(text, c.core, self.fuzzy)
                s = 0.9 * r if r >= self.fuzzy else 0.0
            else:
                s = 0.0
            if s > best:
                best, best_key = s, c.key
        return best, best_key

    def match(self, label: str) -> str | None:
        """The key of the best candidate, GROUP for a header label, None when nothing fits."""
        return self.keys[label]


def _longest_match(candidates: list[_Candidate], threshold: float) -> float:
    """The longest core that can score ``threshold`` against some candidate (see ``Matcher._score``).

    A contained candidate scores 0.5 + 0.5 × its share of the core, a similar one needs a length
    within a third of its own: a longer core scores below the threshold against every candidate,
    and is ruled out before the per-candidate work (a hostile line of a megabyte would otherwise be
    searched once per candidate).
    """
    if threshold <= 0.5 or not candidates:
        return float("inf")
    longest = max(len(c.core) for c in candidates)
    return max(longest + max(3, longest // 3), 0.5 * longest / (threshold - 0.5)) + 1


@lru_cache(maxsize=8)
def table3_matcher(year: int) -> Matcher:
    return Matcher.for_table3(template_named(year))


@lru_cache(maxsize=8)
def table2_matcher(year: int) -> Matcher:
    return Matcher.for_table2(template_named(year))
