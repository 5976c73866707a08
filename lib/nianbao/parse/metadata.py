"""Who published the report, for which year, on which template, and what its narrative states.

>>> title_of(["深州市人民政府办公室", "2021年政府信息公开工作年度报告", "(2022年1月12日)"])
('深州市人民政府办公室', 2021)
>>> title_of(["卫辉市上乐村镇 2023 年政府信息公开工作年度报告"])
('卫辉市上乐村镇', 2023)
>>> title_of(["2019年上海市人民政府办公厅政府信息公开工作年度报告"])
('上海市人民政府办公厅', 2019)
>>> narrative_figures("2024年,坪寨乡主动公开政府信息为63条,其中工作动态35条、乡镇建设28条。通过微信公众号共发布了44条工作信息。")
{'proactive_items': 63, 'proactive_breakdown_sum': 63, 'wechat_posts': 44}
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

from nianbao.parse.places import Place
from nianbao.parse.tables import Finding
from nianbao.templates import Template, all_templates, template_for_year

__all__ = [
    "Title",
    "detect_template",
    "mend_organ",
    "narrative_figures",
    "organ_kind",
    "read_title",
    "title_of",
    "year_from_text",
]

_YEAR = r"(?P<year>(?:19|20)\d{2})"
_TITLE = re.compile(
    r"(?P<organ>[^\s,，。:：;；()（）《》]{0,60}?)\s*" + _YEAR + r"\s*年\s*度?\s*(?:的)?\s*"
    r"(?:政府|政务)?\s*信\s*息\s*公\s*开\s*(?:工\s*作)?\s*(?:年\s*度)?\s*(?:报\s*告|年\s*报)"
)
_TITLE_YEAR_FIRST = re.compile(
    r"^\s*" + _YEAR + r"\s*年\s*度?\s*(?P<organ>[^\s,，。:：;；()（）《》]{2,40}?)\s*"
    r"(?:政府|政务)?\s*信\s*息\s*公\s*开\s*(?:工\s*作)?\s*(?:年\s*度)?\s*(?:报\s*告|年\s*报)"
)
# A title is read from the first characters of a line: the organ pattern is tried at every position,
# so a hostile megabyte line would cost that many tries per line (a title line is far shorter).
TITLE_SPAN = 1000
_ORGAN_TAIL = re.compile(r"(?:关于|的|发布|公布)+$")
_PERIOD = re.compile(r"统计期限自\s*" + _YEAR + r"\s*年\s*1\s*月\s*1\s*日")


class Title(NamedTuple):
    """A title as read: the organ as titled, the report year, and ``before``: the organ-like text
    that stands just before the organ with only a break between them (a stray ``|``, a tab, a space
    in the middle of the name), when there is one — :func:`mend_organ` decides whether it belongs."""

    organ: str | None
    year: int | None
    before: str | None = None


def title_of(lines: Sequence[str], declared: str | None = None) -> tuple[str | None, int | None]:
    """(organ as titled, report year) from the first lines, or a container's declared title.

    >>> title_of(["首页 > 政务公开"], declared="某县人民政府2022年度政府信息公开工作年度报告")
    ('某县人民政府', 2022)
    """
    title = read_title(lines, declared)
    return title.organ, title.year


# The organ-like text just before a break (the text reader's cells of "民权县褚庙乡|人民政府…" are
# joined by a space): what a damaged title cut off the organ's start.
_BEFORE_BREAK = re.compile(r"([^\s,，。:：;；()（）《》|>]{1,40})\s+$")


def read_title(lines: Sequence[str], declared: str | None = None) -> Title:
    """The title from the first lines, or a container's declared title.

    Titles are often split over two lines (organ, then "2021年…年度报告"); the organ is then the
    line before. Navigation text before the title is skipped because it holds no title pattern.

    >>> read_title(["首页 > 政务公开", "测试县城关镇", "2021年政府信息公开工作年度报告"])
    Title(organ='测试县城关镇', year=2021, before=None)
    >>> read_title(["民权县褚庙乡 人民政府2023年政府信息公开工作年度报告"])
    Title(organ='人民政府', year=2023, before='民权县褚庙乡')
    """
    candidates = [*lines[:80]] + ([declared] if declared else [])
    for i, line in enumerate(candidates):
        m = _TITLE.search(line, 0, TITLE_SPAN)
        first = _TITLE_YEAR_FIRST.search(line, 0, TITLE_SPAN)
        if first and first.group("organ").startswith(("政府", "政务")):
            first = None
        if not m and not first:
            continue
        organ = _ORGAN_TAIL.sub("", m.group("organ")) if m else ""
        before = None
        if organ and m is not None and m.start("organ") > 0:
            cut = _BEFORE_BREAK.search(line, max(0, m.start("organ") - 80), m.start("organ"))
            before = cut.group(1) if cut else None
        if not organ and first:
            organ, m = first.group("organ"), first
        assert m is not None
        if not organ and 0 < i <= len(lines):
            prev = candidates[i - 1].strip()
            if 2 <= len(prev) <= 40 and not re.search(r"[。,，:：;；]", prev) and not re.search(r"\d", prev):
                organ = prev
        return Title(organ or None, int(m.group("year")), before)
    return Title(None, None)


# Characters that are no part of an organ's name: what damage leaves inside one (a stray |, the
# replacement character, zero-width and control characters).
_STRAY = re.compile("[|丨¦\ufffd*#/\\\u200b-\u200f\u2060\ufeff\x00-\x1f\x7f]")
# A break inside a name (an organ line before the title line may hold one: 测试县城关镇|人民政府).
_CJK_BREAK = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
# An organ name without its place: what is left when a damaged title cut the start off.
_BARE = re.compile(r"^(?:[乡镇区县市省]?(?:人民)?政府|民政府|府|办公室|办公厅|管委会|管理委员会)$")


def mend_organ(
    title: Title, locate: Callable[[str], Place]
) -> tuple[str | None, Place | None, Finding | None]:
    """(organ, its place, a warning) for a title whose organ damage may have cut or soiled.

    Stray characters and breaks inside the name are dropped. When organ-like text stands just before the
    organ (``Title.before``) and the name with it names a more specific place than the name alone
    (民权县褚庙乡 | 人民政府: nothing alone, a county joined), the two are one name broken by damage.
    A name left without any place (人民政府) is kept but flagged. Each repair or loss is an
    ``organ_unreadable`` warning: never a silent ok. The place is None when it is still to be found.

    >>> from nianbao.parse.places import locate_place
    >>> organ, place, warning = mend_organ(Title("人民政府", 2023, "民权县褚庙乡"), locate_place)
    >>> organ, place.county, warning.message
    ('民权县褚庙乡人民政府', '民权县', '标题中的机关名称受损(印为「民权县褚庙乡 人民政府」)：已读作「民权县褚庙乡人民政府」，请人工核对')
    >>> mend_organ(Title("测试县城关镇", 2021), locate_place)
    ('测试县城关镇', None, None)
    """
    organ = title.organ
    if organ is None:
        return None, None, None
    printed = f"{title.before} {organ}" if title.before else organ
    cleaned = _CJK_BREAK.sub("", _STRAY.sub("", organ))
    damaged = cleaned != organ
    organ, place = cleaned, None
    if title.before and organ:
        place = locate(organ)
        joined = _STRAY.sub("", title.before) + organ
        joined_place = locate(joined)
        if _levels(joined_place) > _levels(place):
            organ, place, damaged = joined, joined_place, True
    if not organ or (_BARE.match(organ) and (place or locate(organ)).province is None):
        return organ or None, place, _unreadable(printed, organ, lost=True)
    return organ, place, _unreadable(printed, organ, lost=False) if damaged else None


def _levels(place: Place) -> int:
    return sum(x is not None for x in (place.province, place.city, place.county))


def _unreadable(printed: str, organ: str, lost: bool) -> Finding:
    return Finding(
        "organ_unreadable",
        "warning",
        "title",
        f"标题中的机关名称受损(印为「{printed}」)："
        + ("无法读出完整的机关名称，请人工核对" if lost else f"已读作「{organ}」，请人工核对"),
    )


def year_from_text(text: str) -> int | None:
    """The report year from the statistics period sentence, when the title gives none.

    >>> year_from_text("本报告统计期限自2022年1月1日起至2022年12月31日止。"), year_from_text("2022年工作要点")
    (2022, None)
    """
    m = _PERIOD.search(text)
    return int(m.group("year")) if m else None


def detect_template(text: str, year: int | None) -> Template:
    """The template whose distinctive labels the report prints; the year decides a tie.

    >>> detect_template("规章\\t本年制发件数\\t本年废止件数", 2019).year, detect_template("无表格", 2020).year
    (2021, 2019)
    """
    scores = {t.year: sum(1 for mk in t.markers if mk in text) for t in all_templates()}
    best = max(scores.values())
    if best > 0 and list(scores.values()).count(best) == 1:
        return next(t for t in all_templates() if scores[t.year] == best)
    return template_for_year(year) if year else all_templates()[-1]


# --- narrative ------------------------------------------------------------------------------------

_APPROX_BEFORE = re.compile(r"(?:近|约|超过|逾|达)\s*$")
# Sentences stating the whole proactive total, most specific first; the last two name no 主动
# ("共公布政府信息N条", "公开政府信息N条") and are tried only when no 主动公开 sentence states the whole.
_PROACTIVE = [
    re.compile(r"主动公开(?:各类)?(?:政府)?信息(?:共计|共|为|总计)?\s*(\d+)\s*(余|多)?\s*条"),
    re.compile(r"主动(?:公开|发布)[^,，。;；、\d]{0,14}?(?:共计|共|为|总计)?\s*(\d+)\s*(余|多)?\s*条"),
    re.compile(r"发布(?:各类)?(?:政府)?信息(?:共计|共|总计)\s*(\d+)\s*(余|多)?\s*条"),
    re.compile(
        r"(?:共|累计)(?:公布|公开|发布)(?:各类)?(?:政府)?信息(?:共计|共|为|总计)?\s*(\d+)\s*(余|多)?\s*条"
    ),
    re.compile(r"(?:公布|公开)(?:各类)?政府信息(?:共计|共|为|总计)?\s*(\d+)\s*(余|多)?\s*条"),
]
_CLAUSE_START = re.compile(r"[。;；,，:：、]")
# A clause naming a category of a breakdown ("其中…", "其他应主动公开政府信息N条"), or another
# kind of disclosure (依申请公开), states a part, not the whole.
_PART_CLAUSE = re.compile(r"其中|(?:其他|其它)[应需]?(?:主动)?$|申请$")
_COUNT = re.compile(r"(\d+)\s*(?:条|篇|件)")
_SOCIAL = {
    "wechat_posts": re.compile(
        r"微信公众号[^。;；]{0,30}?(?:发布|推送|更新|公开)[^。;；\d]{0,12}?(\d+)\s*(?:余|多)?\s*(?:条|篇|期)"
    ),
    "weibo_posts": re.compile(
        r"微博[^。;；]{0,30}?(?:发布|推送|更新|公开)[^。;；\d]{0,12}?(\d+)\s*(?:余|多)?\s*(?:条|篇|期)"
    ),
}


def _exact(text: str, m: re.Match[str]) -> bool:
    """A figure stated approximately (近4200余条) is not a count to compare."""
    return not m.group(2) and not _APPROX_BEFORE.search(text[max(0, m.start(1) - 3) : m.start(1)])


def _is_part(text: str, m: re.Match[str]) -> bool:
    """Does the match sit in a clause that names a part of the total (a breakdown item)?

    >>> _is_part("其中工作动态5条、其他应主动公开政府信息3条", _PROACTIVE[0].search("其中工作动态5条、其他应主动公开政府信息3条"))
    True
    """
    head = text[max(0, m.start() - 40) : m.start()]
    clause = _CLAUSE_START.split(head)[-1]
    return bool(_PART_CLAUSE.search(clause))


def _whole(text: str) -> re.Match[str] | None:
    """The sentence stating the whole proactive total: the first match of the most specific
    pattern that is not a breakdown item; None when it is stated approximately or not at all."""
    for pat in _PROACTIVE:
        m = next((m for m in pat.finditer(text) if not _is_part(text, m)), None)
        if m and _exact(text, m):
            return m
    return None


def _int(digits: str) -> int:
    """A stated count. Digits past the 20th are dropped: such a figure is out of range either way
    (the parser reports it as such), and ``int`` refuses a run of over 4300 digits."""
    return int(digits[:20])


def narrative_figures(text: str) -> dict[str, int]:
    """Figures the narrative states: proactive items, its breakdown's sum, WeChat/Weibo posts.

    The total comes only from a sentence stating the whole, never from a breakdown item:

    >>> narrative_figures("全年共公布政府信息120条,其中工作动态50条、其他应主动公开政府信息20条。")
    {'proactive_items': 120, 'proactive_breakdown_sum': 70}
    >>> narrative_figures("其中工作动态50条、其他应主动公开政府信息20条。")
    {}
    """
    text = "".join(text.split())  # what re.sub(r"\s+", "", …) gives, for a third of the cost
    out: dict[str, int] = {}
    m = _whole(text)
    if m:
        out["proactive_items"] = _int(m.group(1))
        rest = text[m.end() : m.end() + 600]
        if rest.startswith("。其中"):  # "…共149条。其中…": the breakdown opens the next sentence
            rest = rest[1:]
        sentence = re.split(r"。", rest, maxsplit=1)[0]
        lead = re.match(r"^[,，;；:：]?\s*(?:其中|包括|主要有|分别为|涵盖)[:：,，]?", sentence)
        if lead:
            parts = [_int(x) for x in _COUNT.findall(sentence[lead.end() :])]
            if len(parts) >= 2:
                out["proactive_breakdown_sum"] = sum(parts)
    for key, pat in _SOCIAL.items():
        m2 = pat.search(text)
        if m2:
            out[key] = _int(m2.group(1))
    return out


# --- organ ------------------------------------------------------------------------------------------

_TOWNSHIP = re.compile(r"(?:乡|镇|街道|街道办事处|苏木|民族乡)(?:人民政府|政府)?$")
_GOVERNMENT = re.compile(r"(?:人民政府|政府|管理委员会|管委会|实验区|新区|开发区|行政公署)$")


def organ_kind(organ: str) -> str:
    """'township', 'government' (of its place) or 'department' (of its place's government).

    >>> [organ_kind(o) for o in ("民权县褚庙乡人民政府", "淮安市洪泽区人民政府", "深州市人民政府办公室")]
    ['township', 'government', 'department']
    """
    if _TOWNSHIP.search(organ):
        return "township"
    if _GOVERNMENT.search(organ):
        return "government"
    return "department"
