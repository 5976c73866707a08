"""Words on the charts, in Chinese and English: axis and legend titles, outcome, reason, applicant
and check names. Template names come from the template files, so a new label is a data change.

>>> text("organ", "en"), label("outcome_group", "denied")
('organ', '不予公开')
"""

from __future__ import annotations

import re
from typing import Literal

from nianbao.fields import CHECK_TABLE
from nianbao.templates import all_templates

__all__ = [
    "CHECK_LABELS",
    "GROUP_LABELS",
    "LEVEL_LABELS",
    "TEXT",
    "Lang",
    "check_label",
    "label",
    "level_label",
    "text",
]

Lang = Literal["zh", "en"]

# Group names are printed as sub-headings of table 3 (a test checks each is in the template data).
GROUP_LABELS = {
    "granted": ("予以公开", "granted"),
    "partially_granted": ("部分公开", "partially granted"),
    "denied": ("不予公开", "denied"),
    "unable": ("无法提供", "unable to provide"),
    "not_processed": ("不予处理", "not processed"),
    "other": ("其他处理", "other handling"),
}
TEXT: dict[str, tuple[str, str]] = {
    "organ": ("机关", "organ"),
    "county": ("县（区）", "county"),
    "city": ("市", "city"),
    "province": ("省", "province"),
    "place": ("地区", "place"),
    "organs": ("机关数", "organs"),
    "printed_organ": ("报告所印名称", "name as printed"),
    "year": ("年度", "year"),
    "path": ("来源文件", "source file"),
    "value": ("数值", "value"),
    "flagged": ("勾稽关系不符", "fails an identity"),
    "corrected_cells": ("含人工更正", "includes a reviewer's correction"),
    "small_n": ("样本过少", "too few cases"),
    "reports": ("报告数", "reports"),
    "share": ("占比", "share"),
    "count": ("件数", "count"),
    "handled": ("办理总数", "applications handled"),
    "interval": ("95% 区间", "95% interval"),
    "outcome_group": ("办理结果", "outcome"),
    "reason": ("不予公开理由", "reason for denial"),
    "applicant": ("申请人类型", "applicant"),
    "kind": ("类别", "proceeding"),
    "review": ("行政复议", "administrative review"),
    "litigation": ("行政诉讼", "litigation"),
    "per_100": ("每百件申请的案件数", "cases per 100 applications handled"),
    "cases": ("案件数", "cases"),
    "median": ("中位数", "median"),
    "iqr": ("四分位区间", "interquartile range"),
    "files": ("文件数", "files"),
    "status": ("解析状态", "status"),
    "check": ("检查项", "check"),
    "severity": ("严重程度", "severity"),
    "checks": ("检查数", "checks"),
    "highlight": ("高亮机关 ", "highlight organ "),
    "highlight_place": ("高亮地区 ", "highlight place "),
    "rolled_sum": (
        "机关较多，按{unit}汇总：每格为该地各机关报告数值之和（提示中有报告数、机关数）",
        "many organs: summed by {unit}, each cell the total of its organs' reports (reports and organs in the tooltip)",
    ),
    "rolled_mean": (
        "机关较多，按{unit}汇总：每条线为该地同级机关每份报告的平均值，带为各地之间的分布",
        "many organs: one line per {unit}, the mean per report of its organs of this level; the band spans the places",
    ),
    "coverage_pct": ("有可用报告的机关占比（%）", "organs with a usable report (%)"),
    "rolled_coverage_pct": (
        "机关较多，按{unit}汇总：每格为该地机关中当年有可用报告者的占比（提示中有机关数）",
        "many organs: one row per {unit}, the share of its organs with a usable report that year (organs in the tooltip)",
    ),
    "linear_colour": ("颜色按线性刻度", "colour on a linear scale"),
    "rolled_table": (
        "机关较多，每行为一个{unit}（其各机关报告合计）；各机关的数值见明细表",
        "many organs: one row per {unit} (its organs' reports together); every organ is in the drill-down table",
    ),
    "rolled_pooled": (
        "机关较多，按{unit}合并计算（提示中有报告数）",
        "many organs: pooled by {unit} (reports in the tooltip)",
    ),
    "all": ("（不高亮）", "(none)"),
    "no_data": ("所选范围内没有可用数据", "no usable figures in this selection"),
    "no_denials": ("所选范围内没有不予公开的申请", "no application was denied in this selection"),
    "no_applications": ("所选范围内没有新收申请", "no new applications in this selection"),
    "no_band": (
        "同级机关不足 {n} 个的年度不画中位数带",
        "no median band where fewer than {n} organs reported",
    ),
    "clipped": (
        "样本过少的区间超出图幅部分未画出（见提示）",
        "long intervals of small samples cut at the edge",
    ),
    "absent": ("{organ} 在本图中没有数据", "{organ} has no figure in this chart"),
    "log_colour": (
        "颜色按对数刻度（symlog）：数量级相差大的机关也能区分",
        "colour on a log scale (symlog), so organs of very different size stay apart",
    ),
    "log_axis": ("纵轴为对数刻度（symlog）", "y axis on a log scale (symlog)"),
    "gaps": ("缺报年度处折线断开", "a line breaks at a year without a figure"),
    "sorted_lower": (
        "按 95% 区间下限排序；样本过少者（空心点）排在最后",
        "ordered by the lower end of the 95% interval; too few cases (hollow dots) last",
    ),
    "review_cases": ("行政复议案件数", "administrative review cases"),
    "litigation_cases": ("行政诉讼案件数", "lawsuits"),
    "correction_rate": ("纠错率", "correction rate"),
    "top": ("仅显示数值最大的 {n} 个机关（共 {total} 个）", "showing the largest {n} of {total} organs"),
    "ok": ("正常", "ok"),
    "partial": ("部分缺损", "partial"),
    "flagged_status": ("勾稽关系不符", "fails an identity"),
    "failed": ("解析失败", "failed"),
    "not_a_report": ("非年报", "not a report"),
    "duplicate": ("重复文件", "duplicate"),
    "info": ("提示", "info"),
    "warning": ("警告", "warning"),
    "error": ("错误", "error"),
    "status_title": ("文件解析状态", "Files by parse status"),
    "checks_title": ("检查结果", "Checks raised"),
    "narrative_items": ("主动公开信息条数（正文）", "items disclosed proactively (narrative)"),
    "documents_issued": ("规章和规范性文件制发件数", "rules and normative documents issued"),
    "documents_in_force": ("现行有效件数", "documents in force"),
    "decisions": ("许可、处罚、强制决定数", "licensing, penalty, coercion decisions"),
    "fees_10k_yuan": ("收费金额（万元）", "fees (10k yuan)"),
    "applications": ("申请数（新收+结转）", "applications (new + carried over)"),
    "new_received": ("本年新收申请数", "new applications"),
    # page titles of the report index, one per notebook
    "00_corpus_overview": ("语料概览", "Corpus overview: files, statuses, checks, coverage"),
    "01_proactive_disclosure": ("主动公开", "Proactive disclosure volumes"),
    "02_applications": ("依申请公开", "Applications and how they were handled"),
    "03_review_litigation": ("行政复议与行政诉讼", "Administrative review and litigation"),
    "04_organ_profile": ("机关画像", "One organ across years against its peers"),
}


# Organ levels as a reader says them (fields.ORGAN_LEVEL holds the keys).
LEVEL_LABELS = {
    "township": ("乡镇（街道）", "township"),
    "county": ("县级政府", "county government"),
    "county_department": ("县级部门", "county department"),
    "city": ("市级政府", "city government"),
    "city_department": ("市级部门", "city department"),
    "province": ("省级政府", "provincial government"),
    "province_department": ("省级部门", "provincial department"),
    "other": ("其他", "other"),
}


def level_label(level: str, lang: Lang = "zh") -> str:
    """An organ level as a reader says it; an unknown level keeps its key.

    >>> level_label("county_department"), level_label("township", "en"), level_label("ward")
    ('县级部门', 'township', 'ward')
    """
    zh, en = LEVEL_LABELS.get(level, (level, level))
    return zh if lang == "zh" else en


# Short names of the checks, Chinese and English, from the one check table (fields.CHECK_TABLE).
CHECK_LABELS: dict[str, tuple[str, str]] = {c.name: (c.zh, c.en) for c in CHECK_TABLE}


def check_label(check: str, lang: Lang = "zh") -> str:
    """A check's short name in ``lang`` (fields.CHECK_TABLE); an unknown check keeps its key.

    >>> check_label("merged_rows"), check_label("merged_rows", "en")
    ('多行合并印刷', 'several rows printed as one')
    """
    zh, en = CHECK_LABELS.get(check, (check, check))
    return zh if lang == "zh" else en


def text(key: str, lang: Lang = "zh") -> str:
    """A chart word in the chosen language.

    >>> text("handled"), text("handled", "en")
    ('办理总数', 'applications handled')
    """
    zh, en = TEXT[key]
    return zh if lang == "zh" else en


def _strip_number(label: str) -> str:
    return re.sub(r"^[一二三四五六七八九十]+、|^[(（][一二三四五六七八九十]+[)）]|^\d+\.", "", label)


def label(
    kind: Literal["outcome_group", "reason", "applicant", "outcome"], key: str, lang: Lang = "zh"
) -> str:
    """Printed name of a template key, numbering stripped: ``label("reason", "denied_state_secret")``.

    >>> label("applicant", "natural_person"), label("reason", "denied_state_secret", "en")
    ('自然人', 'state secret')
    """
    if kind == "outcome_group":
        zh, en = GROUP_LABELS[key]
        return zh if lang == "zh" else en
    for t in reversed(all_templates()):
        found = t.table3_columns if kind == "applicant" else t.table3_rows
        for entry in found:
            if entry.key == key:
                if lang == "zh":
                    return _strip_number(entry.label)
                return entry.label_en.split(": ", 1)[-1] if kind == "reason" else entry.label_en
    return key
