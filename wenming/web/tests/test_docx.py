import datetime as dt
import io

from docx import Document

from wenming.web import docx as gw


def test_it_lays_out_a_gongwen_page_with_a_table():
    doc = gw.gongwen_document()
    gw.title(doc, "关于创建工作的报告")
    gw.heading(doc, "一、基本情况")
    gw.paragraph(doc, "正文内容", indent=True)
    gw.table(doc, ["序号", "名称"], [[1, "测评项目"], [2, None]], widths_mm=[20, 136])
    gw.signature(doc, "某某单位", dt.date(2026, 5, 1))
    back = Document(io.BytesIO(gw.docx_bytes(doc)))
    s = back.sections[0]
    assert [round(x.mm) for x in (s.top_margin, s.left_margin, s.page_width)] == [37, 28, 210]
    texts = [p.text for p in back.paragraphs]
    assert "关于创建工作的报告" in texts and "2026年5月1日" in texts
    title_run = back.paragraphs[0].runs[0]
    assert title_run.font.size.pt == 22
    assert (
        title_run._element.rPr.rFonts.get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
        )
        == gw.TITLE_FONT
    )
    rows = back.tables[0].rows
    assert [c.text for c in rows[1].cells] == ["1", "测评项目"] and rows[2].cells[1].text == ""


def test_it_turns_the_page_for_wide_tables():
    s = gw.gongwen_document(landscape=True).sections[0]
    assert s.page_width > s.page_height
