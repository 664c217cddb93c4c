"""The response notice (响应通知) of a level decision: its text, and PDF / DOCX renderings.

PDF uses reportlab's built-in CJK CID font STSong-Light (no font file needed); DOCX uses
python-docx with the East Asian font set so Word shows 宋体/仿宋."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from disaster.rules.levels import level_zh

if TYPE_CHECKING:
    from disaster.models import LevelChange

CLAUSE = {"IV": "5.1", "III": "5.2", "II": "5.3", "I": "5.4"}
ISSUER = {
    "IV": "驻马店市减灾委员会办公室",
    "III": "驻马店市减灾委员会办公室",
    "II": "驻马店市减灾委员会",
    "I": "驻马店市减灾委员会",
}
ROLE_TITLE = {
    "dr_office_deputy": "市减灾委办公室副主任",
    "dr_deputy": "市减灾委副主任",
    "dr_executive_deputy": "市减灾委常务副主任",
    "dr_director": "市减灾委主任",
    "city_admin": "市政府",
}


def notice_title(change: LevelChange) -> str:
    if change.to_level is None:
        return f"关于终止驻马店市自然灾害救助{level_zh(change.from_level)}应急响应的通知"
    if change.action == "upgrade":
        return f"关于将驻马店市自然灾害救助应急响应提升至{level_zh(change.to_level)}的通知"
    return f"关于启动驻马店市自然灾害救助{level_zh(change.to_level)}应急响应的通知"


def notice_text(change: LevelChange, tasks: list[tuple[str, str, str]] = ()) -> str:  # type: ignore[assignment]
    """The body as plain paragraphs separated by blank lines (rendered to HTML/PDF/DOCX).
    `tasks`: (working group, task, basis) of the level, listed in the notice."""
    event = change.event
    when = timezone.localtime(change.decided_at)
    level = change.to_level or change.from_level or ""
    figures = change.assessment.figures if change.assessment else {}
    role = ROLE_TITLE.get(change.decided_role, change.decided_role)
    deputy = "（代理）" if change.delegated_by_id else ""
    paragraphs = ["各县区减灾委，市减灾委各成员单位："]
    started = timezone.localtime(event.started_at)
    if figures:
        situation = (
            f"{started:%Y年%m月%d日}以来，{event.title}造成我市部分县区受灾。据统计，截至{when:%m月%d日%H时}，"
            f"因灾死亡 {figures.get('deaths', 0)} 人、失踪 {figures.get('missing', 0)} 人，"
            f"紧急转移安置 {figures.get('relocated', 0)} 人，需紧急生活救助 {figures.get('needing_aid', 0)} 人，"
            f"倒塌和严重损坏房屋 {figures.get('collapsed_rooms', 0)} 间（{figures.get('collapsed_households', 0)} 户）"
        )
        if figures.get("drought_needing_aid"):
            situation += f"，因旱需政府救助 {figures['drought_needing_aid']} 人"
        paragraphs.append(situation + "。")
    basis = f"根据《驻马店市自然灾害救助应急预案》（驻政办〔2024〕17号）{CLAUSE.get(level, '5')}条"
    if change.to_level is None:
        paragraphs.append(
            f"鉴于救灾应急救助工作已基本结束，经市减灾委办公室提出建议，{basis}及 5.7 条规定，"
            f"经{role}{deputy}决定，于{when:%Y年%m月%d日%H时%M分}终止市级自然灾害救助{level_zh(change.from_level)}应急响应。"
        )
    else:
        verb = "提升至" if change.action == "upgrade" else "启动"
        paragraphs.append(
            f"经市减灾委办公室分析评估，{basis}规定，经{role}{deputy}决定，"
            f"于{when:%Y年%m月%d日%H时%M分}{verb}市级自然灾害救助{level_zh(change.to_level)}应急响应。"
        )
        if tasks:
            paragraphs.append("请各工作组按照职责分工，迅速做好以下工作：")
            for i, (group, title, clause) in enumerate(tasks, start=1):
                paragraphs.append(f"{i}. {group}：{title}（{clause}）。")
        paragraphs.append(
            "请受灾县区加强灾情统计报送，严格执行24小时零报告制度，县级响应级别与市级响应协同衔接（5.8）。"
        )
    if change.reason:
        paragraphs.append(f"决定意见：{change.reason}")
    return "\n\n".join(paragraphs)


def notice_parts(change: LevelChange) -> dict[str, Any]:
    when = timezone.localtime(change.decided_at)
    level = change.to_level or change.from_level or "IV"
    return {
        "issuer": ISSUER.get(level, "驻马店市减灾委员会办公室"),
        "number": change.notice_no,
        "title": notice_title(change),
        "paragraphs": change.notice_text.split("\n\n"),
        "date": f"{when:%Y年%m月%d日}",
    }


def notice_pdf(change: LevelChange) -> bytes:
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    parts = notice_parts(change)
    red = ParagraphStyle(
        "issuer", fontName=font, fontSize=22, leading=30, alignment=TA_CENTER, textColor="#c00000"
    )
    center = ParagraphStyle("center", fontName=font, fontSize=12, leading=18, alignment=TA_CENTER)
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=24, alignment=TA_CENTER)
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=21, firstLineIndent=24, wordWrap="CJK")
    right = ParagraphStyle("right", fontName=font, fontSize=12, leading=21, alignment=TA_RIGHT)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        topMargin=30 * mm,
        bottomMargin=30 * mm,
        title=str(parts["title"]),
        author=str(parts["issuer"]),
    )
    story = [
        Paragraph(str(parts["issuer"]), red),
        Paragraph(str(parts["number"]), center),
        Spacer(1, 10 * mm),
        Paragraph(str(parts["title"]), title),
        Spacer(1, 6 * mm),
    ]
    for i, text in enumerate(parts["paragraphs"]):
        style = ParagraphStyle("first", parent=body, firstLineIndent=0) if i == 0 else body
        story.append(Paragraph(_escape(text), style))
    story += [
        Spacer(1, 12 * mm),
        Paragraph(str(parts["issuer"]), right),
        Paragraph(str(parts["date"]), right),
    ]
    doc.build(story)
    return buffer.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def notice_docx(change: LevelChange) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    parts = notice_parts(change)
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "仿宋"
    style.font.size = Pt(14)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋")

    def para(
        text: str,
        *,
        size: int = 14,
        align: Any = None,
        bold: bool = False,
        red: bool = False,
        indent: bool = False,
    ) -> None:
        p = document.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        run = p.add_run(text)
        run.font.size = Pt(size)
        run.bold = bold
        run.font.name = "宋体" if bold or red else "仿宋"
        run._element.get_or_add_rPr().get_or_add_rFonts().set(
            qn("w:eastAsia"), "宋体" if bold or red else "仿宋"
        )
        if red:
            run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)

    para(str(parts["issuer"]), size=24, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, red=True)
    para(str(parts["number"]), align=WD_ALIGN_PARAGRAPH.CENTER)
    para(str(parts["title"]), size=18, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    for i, text in enumerate(parts["paragraphs"]):
        para(text, indent=i > 0)
    para(str(parts["issuer"]), align=WD_ALIGN_PARAGRAPH.RIGHT)
    para(str(parts["date"]), align=WD_ALIGN_PARAGRAPH.RIGHT)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
