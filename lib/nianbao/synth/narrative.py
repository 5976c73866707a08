"""The running text of a synthetic report: six sections of boilerplate carrying the stated figures.

Sentences are drawn from ``nianbao/data/synth/narrative.toml``. Only these figures are stated, each
in one sentence that a parser can find: the proactive total "主动公开政府信息N条" with its category
breakdown ("其中工作动态35条、…"), the WeChat posts ("微信公众号发布…N条"), Weibo posts, applications
received (= table 3 新收 total) and review/litigation cases (= table 4 totals). Other numbers in the
text (dates, training sessions) are not figures of the contract.

>>> import numpy as np
>>> from nianbao.synth.model import Narrative
>>> n = Narrative(63, [("工作动态", 35), ("政策文件", 28)], 44, "魅力青石", None, 0, 0, 0, 2)
>>> text = proactive_sentence(np.random.default_rng(0), n, year=2024, short="青石镇")
>>> "63" in text and "35条" in text and "28条" in text
True
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from nianbao.synth.model import Block, Narrative, Organ, Para

__all__ = ["closing_blocks", "intro_blocks", "overview_blocks", "proactive_sentence", "texts"]


@cache
def texts() -> dict[str, Any]:
    """The sentence alternatives (``data/synth/narrative.toml``)."""
    raw = (resources.files("nianbao") / "data" / "synth" / "narrative.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


def _pick(rng: np.random.Generator, key: str) -> str:
    options = texts()[key]
    return str(options[int(rng.integers(len(options)))])


def proactive_sentence(rng: np.random.Generator, n: Narrative, *, year: int, short: str) -> str:
    """ "…主动公开政府信息N条，其中A x条、B y条。" — or a sentence without any total.

    >>> n = Narrative(63, [("工作动态", 35), ("政策文件", 28)], 44, "魅力青石", None, 0, 0, 0, 2)
    >>> proactive_sentence(np.random.default_rng(0), n, year=2024, short="青石镇")
    '全年主动公开政府信息63条。其中工作动态信息35条；政策文件信息28条。'
    """
    if n.proactive_items is None:
        return _pick(rng, "no_proactive_total").format(short=short)
    clause = ""
    if n.breakdown:
        item, sep = _pick(rng, "breakdown_item"), _pick(rng, "breakdown_separator")
        clause = _pick(rng, "breakdown_lead") + sep.join(item.format(category=c, n=v) for c, v in n.breakdown)
    return _pick(rng, "proactive").format(
        year=year, short=short, total=n.proactive_items, breakdown_clause=clause
    )


def _channels(rng: np.random.Generator, n: Narrative) -> str:
    out = ""
    if n.wechat_posts is not None:
        out += _pick(rng, "wechat").format(account=n.wechat_account, n=n.wechat_posts)
    if n.weibo_posts is not None:
        out += _pick(rng, "weibo").format(n=n.weibo_posts)
    return out


def intro_blocks(rng: np.random.Generator, organ: Organ, year: int, reference: str) -> list[Block]:
    """The opening paragraph (the year, the leading body, sometimes the template's ``reference``).

    >>> from nianbao.synth.population import build_population
    >>> organ = build_population(np.random.default_rng(0), 1)[0]
    >>> intro_blocks(np.random.default_rng(0), organ, 2024, "国办公开办函〔2021〕30号")[0].text[:25]
    '2024年，在云丰市委、市政府的正确领导下，杉坪市'
    """
    text = _pick(rng, "intro").format(
        reference=reference, year=year, organ=organ.name, parent=organ.parent, short=organ.short
    )
    return [Para(text)]


def overview_blocks(
    rng: np.random.Generator, organ: Organ, year: int, n: Narrative, heading: str, sub: bool
) -> list[Block]:
    """Section 一: overview, then (一)…(五) sub-sections with the stated figures.

    ``sub`` false prints the sub-headings inline at the start of their paragraphs, as many reports do.

    >>> from nianbao.synth.population import build_population
    >>> organ = build_population(np.random.default_rng(0), 1)[0]
    >>> n = Narrative(63, [("工作动态", 35), ("政策文件", 28)], 44, "魅力青石", None, 0, 0, 0, 2)
    >>> blocks = overview_blocks(np.random.default_rng(0), organ, 2024, n, "一、总体情况", sub=True)
    >>> len(blocks), blocks[2].text, blocks[3].text[:32]
    (12, '（一）主动公开政府信息情况', '2024年，杉坪市共主动公开政府信息63条，其中工作动态类35条')
    """
    fill = {"year": year, "short": organ.short, "parent": organ.parent, "training": n.training}
    blocks: list[Block] = [Para(heading, "heading"), Para(_pick(rng, "overview").format(**fill))]
    if n.applications:
        apps = _pick(rng, "applications_some").format(n=n.applications, **fill)
    else:
        apps = _pick(rng, "applications_none").format(**fill)
    if n.review_cases or n.litigation_cases:
        apps += _pick(rng, "review_some").format(review=n.review_cases, litigation=n.litigation_cases)
    else:
        apps += _pick(rng, "review_none")
    parts = [
        ("proactive_heading", proactive_sentence(rng, n, year=year, short=organ.short) + _channels(rng, n)),
        ("application_heading", apps),
        ("management_heading", _pick(rng, "management").format(**fill)),
        ("platform_heading", _pick(rng, "platform").format(**fill)),
        ("oversight_heading", _pick(rng, "oversight").format(**fill)),
    ]
    for head_key, body in parts:
        head = _pick(rng, head_key)
        if sub:
            blocks += [Para(head, "subheading"), Para(body)]
        else:
            blocks.append(Para(head + body))
    return blocks


def closing_blocks(
    rng: np.random.Generator, organ: Organ, year: int, headings: tuple[str, str], signature: bool
) -> list[Block]:
    """Sections 五 and 六, the synthetic-data notice, and sometimes a signature with the date.

    >>> from nianbao.synth.population import build_population
    >>> organ = build_population(np.random.default_rng(0), 1)[0]
    >>> rng = np.random.default_rng(0)
    >>> blocks = closing_blocks(rng, organ, 2024, ("五、问题", "六、其他"), signature=True)
    >>> [b.role for b in blocks][-3:], blocks[-1].text
    (['synthetic', 'signature', 'signature'], '2025年1月11日')
    """
    fill = {"year": year, "short": organ.short}
    blocks: list[Block] = [
        Para(headings[0], "heading"),
        Para(_pick(rng, "problems").format(**fill)),
        Para(_pick(rng, "improvements").format(**fill)),
        Para(headings[1], "heading"),
        Para(_pick(rng, "other_matters").format(**fill)),
        Para(_pick(rng, "synthetic"), "synthetic"),
    ]
    if signature:
        day = int(rng.integers(5, 28))
        blocks += [Para(organ.name, "signature"), Para(f"{year + 1}年1月{day}日", "signature")]
    return blocks
