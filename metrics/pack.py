"""The board pack the One Bromley Executive takes away: a PDF (fpdf2) or PowerPoint file (python-pptx).

Layout (one rule for both formats): the first page is the cover — organisation, review month, figures
as at, a "Demonstration data" label when the store holds the demo — with the summary table of every
headline metric beneath it (value, target, gap, RAG in words, SPC icons as letters); then one page per
headline metric with its trajectory chart and SPC chart side by side, the tile figures, the icons in
words and the latest commentary. So a pack has 1 + (number of headline metrics) pages or slides.

Charts are the dashboard's own Plotly figures (`metrics.charts`), drawn to PNG by kaleido through
Chromium. Chromium starts once per pack: every figure is rendered in one kaleido session.

No streamlit import: the Overview page and `python -m metrics pack` both call `build_pack`, passing
the store to read (like `metrics.views`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from data.store import Store
from metrics import compute, views
from metrics.charts import build_spc_chart, build_trajectory_chart, readable_text_on
from metrics.config import Config, Metric
from metrics.months import format_month, format_month_long, format_uk_time, to_month
from metrics.review import ASSURANCE_NAMES, VARIATION_NAMES
from metrics.sources import PACK_STATEMENT

FORMATS = ("pdf", "pptx")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
# Debian's Chromium; kaleido cannot download its own browser here. BROWSER_PATH overrides it (the
# variable choreographer, kaleido's browser driver, reads).
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# fpdf2's core fonts are Latin-1 only; DejaVu Sans (Debian's fonts-dejavu-core) has "–", "−", "→",
# "≥" and "£", which the figures and commentary use.
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_REGULAR, FONT_BOLD = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
# Chart images: drawn at this size in CSS pixels and doubled for print sharpness.
# A narrower canvas than the page makes the charts' text larger once scaled to the page's width.
CHART_WIDTH_PX, CHART_HEIGHT_PX, CHART_SCALE = 620, 430, 2
# Seconds kaleido may take over one chart before giving up (Chromium's first start included).
RENDER_TIMEOUT_S = 60
# About three lines of 11 pt text across a slide: what fits between the charts and the footer.
PPTX_COMMENTARY_CHARS = 420

NHS_BLUE = (0, 94, 184)
NHS_DARK_BLUE = (0, 48, 135)
NHS_TEXT = (33, 43, 50)
NHS_GREY = (66, 85, 99)
NHS_PALE_GREY = (232, 237, 238)
DEMO_FILL = (255, 235, 156)

Progress = Callable[[float, str], None]


class PackError(RuntimeError):
    """The pack could not be built; the message says why and what to do."""


@dataclass(frozen=True)
class MetricPage:
    """Everything one metric's page shows."""

    metric: Metric
    tile: dict
    series: pd.DataFrame
    spc: views.SpcView
    commentary: dict | None


@dataclass(frozen=True)
class PackContent:
    """What the pack says, before any layout."""

    organisation: str
    month: dt.date
    figures_as_at: str
    is_demo: bool
    pages: list[MetricPage]

    @property
    def page_count(self) -> int:
        """Cover with the summary, then one page per headline metric."""
        return 1 + len(self.pages)


# --- content ---------------------------------------------------------------------------------------


def collect_pack(store: Store, cfg: Config, month: dt.date) -> PackContent:
    """Read every headline metric for the month: tile, series, SPC and the latest commentary."""
    month = to_month(month)
    overview = views.load_overview(store, cfg, month)
    if overview is None:
        raise PackError("The store holds no figures yet, so a board pack would be empty: load a month first.")
    if month not in overview.months_available:
        available = ", ".join(format_month(m) for m in overview.months_available[-3:])
        raise PackError(
            f"The store has no figures for {format_month(month)}; choose a month that has them (latest: {available})."
        )
    spc = views.spc_for_metrics(cfg, overview.series)
    commentary = views.load_commentary(store, cfg, month)
    tiles = {row["metric"]: row for row in overview.tiles.to_dict("records")}
    pages = [
        MetricPage(cfg.metric(mid), tiles[mid], overview.series[mid], spc[mid], commentary.get(mid))
        for mid in overview.series
    ]
    figures_as_at = format_uk_time(overview.figures_as_at, missing="no uploads yet")
    return PackContent(cfg.organisation, month, figures_as_at, overview.is_demo, pages)


def summary_rows(content: PackContent) -> list[dict]:
    """One row per headline metric for the summary table, as text."""
    rows = []
    for page in content.pages:
        tile = page.tile
        rows.append({
            "label": page.metric.label,
            "value": tile["value_text"],
            "target": tile["target_text"],
            "gap": tile["gap_text"],
            "status": tile["status"],
            "rag": f"{compute.STATUS_ICONS.get(tile['status'], '')} {compute.STATUS_WORDS.get(tile['status'], '')}",
            "variation": icon_text(page.spc.variation, VARIATION_NAMES),
            "assurance": icon_text(page.spc.assurance, ASSURANCE_NAMES),
            "variation_colour": page.spc.variation["colour"] if page.spc.variation else None,
            "assurance_colour": page.spc.assurance["colour"] if page.spc.assurance else None,
        })
    return rows


def icon_text(icon: dict | None, names: dict[str, str]) -> str:
    """ "H improvement", "? hit and miss"; "–" for no icon."""
    return f"{icon['letter']} {names.get(icon['name'], icon['name'])}" if icon else "–"


def cover_line(content: PackContent) -> str:
    return f"Review month {format_month_long(content.month)} · Figures as at {content.figures_as_at} (UK time)"


def tile_line(content: PackContent, page: MetricPage) -> str:
    """The tile's figures in one line: "October 2020: 83.0% · target 90.0% · gap −7.0 pts · ✖ Red: …"
    (no target or gap for a metric without a target)."""
    tile = page.tile
    parts = [f"{format_month_long(content.month)}: {tile['value_text']}"]
    if tile["target_text"] != "–":
        parts += [f"target {tile['target_text']}", f"gap {tile['gap_text']}"]
    parts.append(f"{compute.STATUS_ICONS.get(tile['status'], '')} {tile['status_text']}")
    return " · ".join(parts)


def icon_lines(page: MetricPage) -> list[tuple[dict | None, str]]:
    """(icon, "Variation: Special cause improvement: higher than expected"), then the same for assurance;
    the icon (letter on its colour) is drawn beside the words."""
    return [
        (icon, f"{heading}: {icon['text']}" if icon
         else f"{heading}: {page.spc.note}" if page.spc.note else f"{heading}: no icon (no target, or too few points)")
        for heading, icon in (("Variation", page.spc.variation), ("Assurance", page.spc.assurance))
    ]


def commentary_text(page: MetricPage, month: dt.date) -> tuple[str, str]:
    """(body, byline) of the latest commentary, or a sentence saying there is none."""
    note = page.commentary
    if not note:
        return f"No commentary has been written for {format_month_long(month)}.", ""
    versions = int(note.get("versions", 1) or 1)
    earlier = f" ({versions - 1} earlier version{'s' if versions > 2 else ''} kept)" if versions > 1 else ""
    return str(note["body"]), f"{note['written_by']}, {format_uk_time(note['written_at'])}{earlier}"


# --- charts ----------------------------------------------------------------------------------------


def build_pack_figures(content: PackContent) -> list[go.Figure]:
    """Two figures per metric page, in page order: trajectory, then SPC."""
    figures = []
    for page in content.pages:
        figures.append(build_trajectory_chart(page.series, page.metric, title="Against the trajectory"))
        figures.append(build_spc_chart(page.series, page.spc.frame, page.metric, title="Statistical process control"))
    return figures


def chromium_path() -> str | None:
    """BROWSER_PATH if set, else Debian's Chromium if installed, else None (kaleido searches PATH)."""
    if os.environ.get("BROWSER_PATH"):
        return os.environ["BROWSER_PATH"]
    return DEFAULT_CHROMIUM if Path(DEFAULT_CHROMIUM).exists() else None


async def _render_all(figures: list[go.Figure], progress: Progress) -> list[bytes]:
    import kaleido
    from choreographer.errors import ChromeNotFoundError

    opts = {"format": "png", "width": CHART_WIDTH_PX, "height": CHART_HEIGHT_PX, "scale": CHART_SCALE}
    options = {"mathjax": False, "timeout": RENDER_TIMEOUT_S}
    if path := chromium_path():
        options["path"] = path
    images = []
    try:
        # One browser for the whole pack: starting Chromium costs about two seconds, a chart a fifth.
        async with kaleido.Kaleido(**options) as renderer:
            for position, figure in enumerate(figures, start=1):
                images.append(await renderer.calc_fig(figure, opts=opts))
                progress(position / len(figures), f"Drawing chart {position} of {len(figures)}")
    except ChromeNotFoundError:
        raise PackError(
            "The board pack needs Chromium to draw its charts and none was found: install it "
            "(apt-get install -y chromium) or set BROWSER_PATH to the browser's path."
        ) from None
    return images


def render_figures(figures: list[go.Figure], progress: Progress | None = None) -> list[bytes]:
    """PNG bytes for each figure, drawn in one kaleido (Chromium) session."""
    report = progress or (lambda fraction, text: None)
    # kaleido and choreographer log each browser step at INFO; the pack's progress is enough.
    for name in ("kaleido", "choreographer", "logistro"):
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_render_all(figures, report))
    # Called from inside an event loop (a notebook, say): render on a thread with a loop of its own.
    result: dict[str, object] = {}

    def work() -> None:
        try:
            result["images"] = asyncio.run(_render_all(figures, report))
        except BaseException as exc:  # handed back to the caller's thread below
            result["error"] = exc

    thread = threading.Thread(target=work, name="board-pack-charts")
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return result["images"]  # type: ignore[return-value]


# --- PDF -------------------------------------------------------------------------------------------


def _hex_to_rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def _text_on(colour: str) -> tuple[int, int, int]:
    return _hex_to_rgb(readable_text_on(colour))


def write_pdf(content: PackContent, images: list[bytes]) -> bytes:
    """The pack as an A4 landscape PDF."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    if not FONT_REGULAR.exists() or not FONT_BOLD.exists():
        raise PackError(
            f"The board pack needs the DejaVu Sans font ({FONT_REGULAR}); install it with "
            "apt-get install -y fonts-dejavu-core."
        )

    class Pack(FPDF):
        def footer(self) -> None:
            self.set_y(-10)
            self.set_font("DejaVu", "", 8)
            self.set_text_color(*NHS_GREY)
            left = f"{content.organisation} · executive review · {format_month_long(content.month)}"
            if content.is_demo:
                left += " · Demonstration data"
            self.cell(0, 5, left, align="L")
            self.set_x(self.l_margin)
            self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    pdf = Pack(orientation="L", unit="mm", format="A4")
    pdf.set_title(f"{content.organisation} board pack, {format_month_long(content.month)}")
    pdf.set_author(content.organisation)
    pdf.add_font("DejaVu", "", str(FONT_REGULAR))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD))
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(False)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    down = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}

    # Cover and summary.
    pdf.add_page()
    pdf.set_fill_color(*NHS_BLUE)
    pdf.rect(0, 0, pdf.w, 44, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(pdf.l_margin, 9)
    pdf.set_font("DejaVu", "B", 22)
    pdf.cell(width, 10, f"{content.organisation} Recovery Dashboard", **down)
    pdf.set_font("DejaVu", "", 14)
    pdf.cell(width, 8, f"Executive review board pack: {format_month_long(content.month)}", **down)
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(width, 7, cover_line(content), **down)
    pdf.set_y(50)
    if content.is_demo:
        pdf.set_fill_color(*DEMO_FILL)
        pdf.set_text_color(*NHS_TEXT)
        pdf.set_font("DejaVu", "B", 10)
        pdf.multi_cell(width, 6, f"⚠ {PACK_STATEMENT}", border=0, fill=True, **down)
        pdf.ln(3)
    pdf.set_text_color(*NHS_TEXT)
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(width, 9, "Summary: every headline metric", **down)
    columns = [("Metric", 86), ("Value", 24), ("Target", 24), ("Gap", 26), ("RAG", 30),
               ("Variation", 40), ("Assurance", 43)]
    pdf.set_font("DejaVu", "B", 9)
    pdf.set_fill_color(*NHS_PALE_GREY)
    for name, w in columns:
        pdf.cell(w, 8, name, border=1, fill=True)
    pdf.ln(8)
    pdf.set_font("DejaVu", "", 9)
    for row in summary_rows(content):
        status_fill, status_text = compute.STATUS_COLOURS.get(row["status"], compute.STATUS_COLOURS["no_data"])
        cells = [
            (row["label"], None, None), (row["value"], None, None), (row["target"], None, None),
            (row["gap"], None, None), (row["rag"], status_fill, status_text),
            (row["variation"], row["variation_colour"], None), (row["assurance"], row["assurance_colour"], None),
        ]
        for (text, fill, ink), (_, w) in zip(cells, columns, strict=True):
            if fill:
                pdf.set_fill_color(*_hex_to_rgb(fill))
                pdf.set_text_color(*(_hex_to_rgb(ink) if ink else _text_on(fill)))
            pdf.cell(w, 8, text, border=1, fill=bool(fill))
            pdf.set_text_color(*NHS_TEXT)
        pdf.ln(8)
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 8)
    pdf.set_text_color(*NHS_GREY)
    pdf.multi_cell(
        width, 4.2,
        "RAG: ✔ Green (target met), ▲ Amber (short by no more than the margin), ✖ Red (short by more). "
        "Variation (Making Data Count): ~ common cause; H or L special cause, higher or lower than expected "
        "(blue improvement, orange concern, purple neither). Assurance: P the target will be met consistently, "
        "F it will not be met without a change, ? hit and miss (the target lies inside the process limits).",
        **down,
    )

    # One page per headline metric.
    for position, page in enumerate(content.pages):
        _pdf_metric_page(pdf, content, page, images[2 * position], images[2 * position + 1], width, down)
    return bytes(pdf.output())


def _pdf_metric_page(pdf, content: PackContent, page: MetricPage, trajectory: bytes, spc: bytes,
                     width: float, down: dict) -> None:
    tile, metric = page.tile, page.metric
    pdf.add_page()
    pdf.set_text_color(*NHS_DARK_BLUE)
    pdf.set_font("DejaVu", "B", 18)
    pdf.cell(width, 10, metric.label, **down)
    pdf.set_text_color(*NHS_GREY)
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(width, 4.5, f"{metric.description} Source: {metric.source}.", **down)
    pdf.ln(2)
    pdf.set_text_color(*NHS_TEXT)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(width, 7, tile_line(content, page), **down)
    pdf.set_font("DejaVu", "", 9.5)
    if tile.get("context_text"):
        pdf.cell(width, 5, tile["context_text"], **down)
    for icon, text in icon_lines(page):
        y = pdf.get_y() + 0.6
        if icon:
            pdf.set_fill_color(*_hex_to_rgb(icon["colour"]))
            pdf.circle(x=pdf.l_margin + 2.4, y=y + 2.4, radius=2.4, style="F")
            pdf.set_text_color(*_text_on(icon["colour"]))
            pdf.set_font("DejaVu", "B", 8)
            pdf.set_xy(pdf.l_margin, y)
            pdf.cell(4.8, 4.8, icon["letter"], align="C")
            pdf.set_text_color(*NHS_TEXT)
            pdf.set_font("DejaVu", "", 9.5)
        pdf.set_xy(pdf.l_margin + 6.5, y)
        pdf.cell(width - 6.5, 4.8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(0.8)
    top = pdf.get_y() + 2
    chart_w = (width - 6) / 2
    chart_h = chart_w * CHART_HEIGHT_PX / CHART_WIDTH_PX
    pdf.image(io.BytesIO(trajectory), x=pdf.l_margin, y=top, w=chart_w, h=chart_h,
              alt_text=f"{metric.label} against its trajectory")
    pdf.image(io.BytesIO(spc), x=pdf.l_margin + chart_w + 6, y=top, w=chart_w, h=chart_h,
              alt_text=f"{metric.label}: statistical process control chart")
    pdf.set_y(top + chart_h + 3)
    body, byline = commentary_text(page, content.month)
    pdf.set_font("DejaVu", "B", 10.5)
    pdf.cell(width, 6, "Commentary", **down)
    pdf.set_font("DejaVu", "", 9.5)
    room = pdf.h - 14 - pdf.get_y() - (5 if byline else 0)
    lines = pdf.multi_cell(width, 4.6, body, dry_run=True, output="LINES")
    if len(lines) * 4.6 > room:  # never spill onto a page of its own: the page count is part of the contract
        keep = max(1, int(room // 4.6))
        body = " ".join(lines[:keep]).rstrip()[:-1] + "… (shortened; the full text is on the dashboard)"
    pdf.multi_cell(width, 4.6, body, **down)
    if byline:
        pdf.set_text_color(*NHS_GREY)
        pdf.set_font("DejaVu", "", 8.5)
        pdf.cell(width, 5, f"— {byline}", **down)


# --- PowerPoint ------------------------------------------------------------------------------------


def write_pptx(content: PackContent, images: list[bytes]) -> bytes:
    """The pack as a 16:9 PowerPoint deck with the same slides as the PDF's pages."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Emu, Inches, Pt

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    blank = deck.slide_layouts[6]

    def rgb(colour: tuple[int, int, int] | str) -> RGBColor:
        return RGBColor(*(_hex_to_rgb(colour) if isinstance(colour, str) else colour))

    def text_box(slide, left, top, width, height, text, size=12, bold=False, colour=NHS_TEXT):
        box = slide.shapes.add_textbox(left, top, width, height)
        frame = box.text_frame
        frame.word_wrap = True
        for number, line in enumerate(text.split("\n")):
            paragraph = frame.paragraphs[0] if number == 0 else frame.add_paragraph()
            run = paragraph.add_run()
            run.text = line
            run.font.size, run.font.bold, run.font.name = Pt(size), bold, "Arial"
            run.font.color.rgb = rgb(colour)
        return box

    def footer(slide, number: int) -> None:
        left = f"{content.organisation} · executive review · {format_month_long(content.month)}"
        if content.is_demo:
            left += " · Demonstration data"
        text_box(slide, Inches(0.4), Inches(7.05), Inches(10), Inches(0.35), left, size=9, colour=NHS_GREY)
        text_box(slide, Inches(11.4), Inches(7.05), Inches(1.6), Inches(0.35),
                 f"Slide {number} of {content.page_count}", size=9, colour=NHS_GREY)

    # Cover and summary.
    slide = deck.slides.add_slide(blank)
    band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, deck.slide_width, Inches(1.5))
    band.fill.solid()
    band.fill.fore_color.rgb = rgb(NHS_BLUE)
    band.line.fill.background()
    text_box(slide, Inches(0.4), Inches(0.15), Inches(12.5), Inches(0.6),
             f"{content.organisation} Recovery Dashboard", size=26, bold=True, colour=(255, 255, 255))
    text_box(slide, Inches(0.4), Inches(0.75), Inches(12.5), Inches(0.7),
             f"Executive review board pack: {format_month_long(content.month)}\n{cover_line(content)}",
             size=13, colour=(255, 255, 255))
    top = Inches(1.65)
    if content.is_demo:
        label = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(0.4), top, Inches(12.5), Inches(0.55))
        label.fill.solid()
        label.fill.fore_color.rgb = rgb(DEMO_FILL)
        label.line.fill.background()
        label.text_frame.word_wrap = True
        label.text_frame.text = f"⚠ {PACK_STATEMENT}"
        run = label.text_frame.paragraphs[0].runs[0]
        run.font.size, run.font.bold, run.font.color.rgb = Pt(10), True, rgb(NHS_TEXT)
        top = Inches(2.3)
    rows = summary_rows(content)
    headers = ["Metric", "Value", "Target", "Gap", "RAG", "Variation", "Assurance"]
    widths = [4.1, 1.1, 1.1, 1.2, 1.4, 1.7, 1.9]
    table = slide.shapes.add_table(len(rows) + 1, len(headers), Inches(0.4), top, Inches(12.5),
                                   Inches(0.34) * (len(rows) + 1)).table
    for column, (name, w) in enumerate(zip(headers, widths, strict=True)):
        table.columns[column].width = Emu(int(Inches(w)))
        table.cell(0, column).text = name
    for number, row in enumerate(rows, start=1):
        values = [row["label"], row["value"], row["target"], row["gap"], row["rag"], row["variation"], row["assurance"]]
        fills = [None, None, None, None, compute.STATUS_COLOURS.get(row["status"], compute.STATUS_COLOURS["no_data"]),
                 (row["variation_colour"], None), (row["assurance_colour"], None)]
        for column, (value, fill) in enumerate(zip(values, fills, strict=True)):
            cell = table.cell(number, column)
            cell.text = value
            run = cell.text_frame.paragraphs[0].runs[0]
            run.font.size = Pt(11)
            if fill and fill[0]:
                cell.fill.solid()
                cell.fill.fore_color.rgb = rgb(fill[0])
                run.font.color.rgb = rgb(fill[1]) if fill[1] else rgb(_text_on(fill[0]))
            else:
                cell.fill.solid()
                cell.fill.fore_color.rgb = rgb((255, 255, 255))
                run.font.color.rgb = rgb(NHS_TEXT)
    for column in range(len(headers)):
        run = table.cell(0, column).text_frame.paragraphs[0].runs[0]
        run.font.size, run.font.bold = Pt(11), True
    footer(slide, 1)

    # One slide per headline metric.
    for position, page in enumerate(content.pages):
        slide = deck.slides.add_slide(blank)
        tile = page.tile
        text_box(slide, Inches(0.4), Inches(0.2), Inches(12.5), Inches(0.6), page.metric.label, size=24, bold=True,
                 colour=NHS_DARK_BLUE)
        lines = [tile_line(content, page), *([tile["context_text"]] if tile.get("context_text") else [])]
        text_box(slide, Inches(0.4), Inches(0.8), Inches(12.5), Inches(0.6), "\n".join(lines), size=14, bold=True)
        for row, (icon, text) in enumerate(icon_lines(page)):
            top = Inches(1.45 + 0.3 * row)
            if icon:
                badge = slide.shapes.add_shape(MSO_SHAPE.OVAL, Inches(0.45), top + Inches(0.03), Inches(0.24),
                                               Inches(0.24))
                badge.fill.solid()
                badge.fill.fore_color.rgb = rgb(icon["colour"])
                badge.line.fill.background()
                badge.text_frame.text = icon["letter"]
                for side in ("margin_left", "margin_right", "margin_top", "margin_bottom"):
                    setattr(badge.text_frame, side, 0)
                letter = badge.text_frame.paragraphs[0].runs[0]
                letter.font.size, letter.font.bold, letter.font.color.rgb = Pt(10), True, rgb(_text_on(icon["colour"]))
            text_box(slide, Inches(0.75), top - Inches(0.03), Inches(12.1), Inches(0.3), text, size=12)
        chart_w = Inches(5.9)
        chart_h = Emu(int(chart_w * CHART_HEIGHT_PX / CHART_WIDTH_PX))
        slide.shapes.add_picture(io.BytesIO(images[2 * position]), Inches(0.4), Inches(2.15), width=chart_w,
                                 height=chart_h)
        slide.shapes.add_picture(io.BytesIO(images[2 * position + 1]), Inches(7.0), Inches(2.15), width=chart_w,
                                 height=chart_h)
        body, byline = commentary_text(page, content.month)
        if len(body) > PPTX_COMMENTARY_CHARS:  # a slide has room for a short paragraph under the charts
            body = body[:PPTX_COMMENTARY_CHARS].rsplit(" ", 1)[0] + "… (shortened; the full text is on the dashboard)"
        text = f"Commentary\n{body}" + (f"\n— {byline}" if byline else "")
        text_box(slide, Inches(0.4), Inches(2.25) + chart_h, Inches(12.5), Inches(0.68), text, size=11)
        footer(slide, position + 2)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


# --- the whole pack --------------------------------------------------------------------------------


def build_pack(
    store: Store,
    cfg: Config,
    month: dt.date,
    fmt: str = "pdf",
    progress: Progress | None = None,
    render: Callable[[list[go.Figure], Progress | None], list[bytes]] | None = None,
) -> bytes:
    """The board pack for a month as PDF or PPTX bytes.

    `progress(fraction, text)` is called as the pack builds (the Overview drives a progress bar with
    it). `render` draws the figures to PNG (default: kaleido through Chromium, started once).
    """
    if fmt not in FORMATS:
        raise PackError(f"'{fmt}' is not a board pack format; choose pdf or pptx.")
    report = progress or (lambda fraction, text: None)
    report(0.02, "Reading the figures")
    content = collect_pack(store, cfg, month)
    figures = build_pack_figures(content)
    report(0.08, "Starting the chart renderer (Chromium)")
    draw = render or render_figures
    images = draw(figures, lambda fraction, text: report(0.08 + 0.82 * fraction, text))
    report(0.92, "Laying out the pages")
    data = write_pdf(content, images) if fmt == "pdf" else write_pptx(content, images)
    report(1.0, "Board pack ready")
    return data


def pack_file_name(cfg: Config, month: dt.date, fmt: str) -> str:
    """ "one-bromley-board-pack-2020-10.pdf"."""
    slug = "-".join(cfg.organisation.lower().split())
    return f"{slug}-board-pack-{to_month(month).strftime('%Y-%m')}.{fmt}"

