"""One test per layout, with reports the tests build: every cell must come back exactly."""

from __future__ import annotations

import opencc
import pytest

from builders import correct_truth, report_html, report_lines, report_text
from nianbao.parse.report import parse_bytes
from nianbao.synth.truth import compare as mismatches
from nianbao.templates import template_for_year


@pytest.mark.parametrize("year", [2019, 2023])
@pytest.mark.parametrize("sep", ["\t", " | "], ids=["tabs", "pipes"])
def test_delimited_text(year: int, sep: str) -> None:
    truth = correct_truth(year)
    result = parse_bytes(report_text(truth, sep).encode(), "r.txt")
    assert mismatches(result, truth) == []
    assert result.report["template"] == truth["template"]


def test_one_cell_per_line() -> None:
    truth = correct_truth(2022)
    cells = [c for line in report_lines(truth) for c in line.split("\t") if c]
    result = parse_bytes("\n\n".join(cells).encode(), "r.txt")
    assert mismatches(result, truth) == []


def test_markdown_headings_and_table() -> None:
    truth = correct_truth(2021)
    lines = report_lines(truth, " | ")
    md = [
        "## " + ln if ln[:2] in ("一、", "二、", "三、", "四、", "五、", "六、") else "| " + ln + " |"
        for ln in lines
    ]
    md.insert(md.index("## 三、收到和处理政府信息公开申请情况") + 1, "|---|---|")
    result = parse_bytes("\n".join(md).encode(), "r.md")
    assert mismatches(result, truth) == []


@pytest.mark.parametrize("year", [2020, 2024])
def test_portal_html_with_rowspan_colspan_and_furniture(year: int) -> None:
    truth = correct_truth(year)
    result = parse_bytes(report_html(truth).encode(), "r.html")
    assert result.report["format"] == "html"
    assert mismatches(result, truth) == []


def test_gbk_encoded_text() -> None:
    truth = correct_truth(2023)
    data = report_text(truth).encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert mismatches(parse_bytes(data, "r.txt"), truth) == []


def test_gbk_html_declared_in_meta() -> None:
    truth = correct_truth(2023)
    page = report_html(truth).replace("charset='utf-8'", "charset='gb2312'")
    assert mismatches(parse_bytes(page.encode("gbk"), "r.html"), truth) == []


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_bom_encodings(encoding: str) -> None:
    truth = correct_truth(2023)
    assert mismatches(parse_bytes(report_text(truth).encode(encoding), "r.txt"), truth) == []


def test_traditional_characters_big5() -> None:
    truth = correct_truth(2023)
    traditional = opencc.OpenCC("s2t").convert(report_text(truth))
    assert "資訊" in traditional or "開" in traditional
    result = parse_bytes(traditional.encode("big5", errors="replace"), "r.txt")
    assert mismatches(result, truth) == []


def test_full_width_digits_and_brackets() -> None:
    truth = correct_truth(2023)
    text = report_text(truth).translate(str.maketrans("0123456789()", "０１２３４５６７８９（）"))
    assert mismatches(parse_bytes(text.encode(), "r.txt"), truth) == []


def test_wrong_extension_is_read_by_content() -> None:
    truth = correct_truth(2023)
    result = parse_bytes(report_html(truth).encode(), "report.pdf")
    assert result.report["format"] == "html"
    assert mismatches(result, truth) == []


def test_traditional_decided_for_the_whole_document() -> None:
    """A title line alone holds too few traditional characters; the document decides."""
    from nianbao.grid import Document, Line, to_simplified

    doc = Document("pdf", (Line(("測試縣人民政府2023年度報告",)), Line(("資訊公開開報請務機關處總計結轉",))))
    assert to_simplified(doc).lines[0].cells == ("测试县人民政府2023年度报告",)
    plain = Document("txt", (Line(("乾县人民政府",)),))
    assert to_simplified(plain) is plain


def test_most_specific_place_alias_wins() -> None:
    from nianbao.parse.places import locate_place, resolver

    text = "name,province,city,county,level\n梅安市,菱寨省,梅安市,,city\n碧山县,菱寨省,梅安市,碧山县,county\n"
    assert resolver((text,)).locate("梅安市碧山县自然资源局").county == "碧山县"
    assert locate_place("梅安市碧山县自然资源局").county is None  # the run's aliases are the run's only


@pytest.mark.parametrize("organ", ["权县褚庙乡人民政府", "城县人民政府办公室"])
def test_a_damaged_name_ending_in_a_bare_county_suffix_is_no_place(organ: str) -> None:
    """cpca lists 重庆市's counties under a stand-in city named "县"; a fragment whose place name was
    cut off ("民权县" printed "权县") must not be placed in 重庆市."""
    from nianbao.parse.places import Place, locate_place

    assert locate_place(organ) == Place(None, None, None, None)
    assert locate_place("忠县人民政府") == Place("重庆市", "县", "忠县", "county")
    assert locate_place("重庆市人民政府").level == "province"


@pytest.mark.parametrize("dash", ["-", "—", "/"])
def test_dashes_at_the_edges_of_a_delimited_row_are_blank_cells(dash: str) -> None:
    """A row printed "- - - - 1 - 1": the dashes are blank cells in place, not merged-label padding;
    dropping them would move the 1s into other columns (a wrong number, reported as a repair)."""
    truth = correct_truth(2023)
    row = "denied_third_party_rights"
    assert truth["applications"][row] == [0, 0, 0, 0, 1, 0, 1]
    truth["applications"][row] = [None, None, None, None, 1, None, 1]
    truth["expected_checks"] = ["blank_cells"]
    label = next(r.label for r in template_for_year(2023).table3_rows if r.key == row)
    lines = [
        "\t".join([label, dash, dash, dash, dash, "1", dash, "1"]) if line.startswith(label + "\t") else line
        for line in report_lines(truth)
    ]
    result = parse_bytes(("\n".join(lines) + "\n").encode(), "r.txt")
    assert mismatches(result, truth) == []
    assert [c for c in result.checks if c[1] == "repair"] == []


def test_table4_data_line_beginning_with_dashes() -> None:
    """Table 4's one data line with review cells printed "/": they are blank cells, not padding."""
    truth = correct_truth(2023)
    truth["litigation"]["administrative_review"] = [None] * 5
    truth["expected_checks"] = ["blank_cells"]
    lines = report_lines(truth)
    data = lines.index("四、政府信息公开行政复议、行政诉讼情况") + 3
    assert lines[data].startswith("\t" * 5)  # the builder prints blanks as empty cells
    lines[data] = "\t".join(["/"] * 5) + lines[data][4:]
    result = parse_bytes(("\n".join(lines) + "\n").encode(), "r.txt")
    assert mismatches(result, truth) == []


@pytest.mark.parametrize("blank", ["litigation_direct", "litigation_after_review"])
def test_table4_one_cell_per_line_with_a_proceeding_printed_as_dashes(blank: str) -> None:
    """One cell per line: a proceeding printed "-" five times, in the middle or at the end of the data."""
    truth = correct_truth(2023)
    truth["litigation"][blank] = [None] * 5
    truth["expected_checks"] = ["blank_cells"]
    lines = report_lines(truth)
    data = lines.index("四、政府信息公开行政复议、行政诉讼情况") + 3
    lines[data] = "\t".join(c or "-" for c in lines[data].split("\t"))
    cells = [c for line in lines for c in line.split("\t") if c]
    result = parse_bytes("\n\n".join(cells).encode(), "r.txt")
    assert mismatches(result, truth) == []
