"""The board pack the One Bromley Executive takes away: a PDF (fpdf2) or PowerPoint file (python-pptx).

Layout (one rule for both formats): the first page is the cover — organisation, review month, figures
as at, a "Demonstration data" label when the store holds the demo — with the summary table of every
headline metric beneath it (value, target, gap, RAG in words, SPC icons as letters); then one page per
headline metric with its trajectory chart and SPC chart side by side, the tile figures, the icons in
words and the latest commentary. So a pack has 1 + (number of headline metrics) pages or slides.

Charts are read from the dashboard's own Plotly figures (`metrics.charts`) and drawn for print by
`metrics.print_charts`: vector lines and real text in the PDF (every tick label and month can be read,
searched and copied), native charts in PowerPoint. Each chart is followed by a sentence saying what it
shows against its target. No browser is started, so a pack builds in about a second.

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
from metrics.charts import TRIAL_LIMITS_NOTE, readable_text_on
from metrics.config import Config, Metric
from metrics.months import format_month, format_month_long, format_uk_time, to_month
from metrics.print_charts import PrintChart, add_pptx_chart, draw_pdf_chart, spc_chart, trajectory_chart
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
# The board pack's charts in the PDF: this tall (mm) in a half-page column (metrics.print_charts draws them).
PDF_CHART_HEIGHT_MM = 96
# Seconds kaleido may take over one chart before giving up (Chromium's first start included).
RENDER_TIMEOUT_S = 60
# About two lines of 10 pt text across a slide: what fits between the charts and the footer.
PPTX_COMMENTARY_CHARS = 300

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


def y_title(metric: Metric) -> str:
    """The value axis title: "Per cent" for percentages, else the unit ("Patients")."""
    return "Per cent" if metric.is_percent else metric.unit[:1].upper() + metric.unit[1:]


def trajectory_summary(content: PackContent, page: MetricPage) -> str:
    """One sentence: what the line shows against its target (NHS and NICE chart guidance)."""
    metric, tile = page.metric, page.tile
    known = page.series[page.series["value"].notna()]
    month = format_month_long(content.month)
    start = ""
    if len(known) > 1:
        first = known.iloc[0]
        start = f" from {compute.format_value(first['value'], metric)} in {format_month(first['month'])}"
    sentence = f"The blue line shows {metric.label} moving{start} to {tile['value_text']} in {month}"
    if tile["target_text"] == "–":
        return sentence + "; this metric has no target."
    word = "trajectory" if metric.trajectory else "target"
    return sentence + f", against a {word} of {tile['target_text']} (red dashed line): {tile['status_text']}."


def spc_summary(content: PackContent, page: MetricPage) -> str:
    """One sentence: the month against the mean and process limits, and the variation icon in words."""
    metric, frame = page.metric, page.spc.frame
    rows = frame[[to_month(m) == content.month for m in frame["month"]]] if len(frame) else frame
    icon = page.spc.variation
    reading = f"{icon['text']}" if icon else (page.spc.note or "no variation icon (too few complete months)")
    if not len(rows) or pd.isna(rows.iloc[-1]["mean"]):
        month = format_month_long(content.month)
        return f"The SPC chart shows each month against its process limits; for {month}: {reading}."
    row = rows.iloc[-1]
    return (
        f"The SPC chart puts {format_month_long(content.month)} at {compute.format_value(row['value'], metric)} "
        f"against a mean of {compute.format_value(row['mean'], metric)} (process limits "
        f"{compute.format_value(row['lpl'], metric)} to {compute.format_value(row['upl'], metric)}): {reading}."
    )


def build_pack_charts(content: PackContent) -> list[PrintChart]:
    """Two charts per metric page, in page order: trajectory, then SPC; each with its one-line summary."""
    drawn = []
    for page in content.pages:
        metric = page.metric
        has_target = bool(page.series["target"].notna().any())
        title = "Against the trajectory" if metric.trajectory else "Against the target"
        if not has_target:
            title = "Month by month"
        if metric.improvement == "decrease":
            title += " (▼ lower is better)"
        drawn.append(trajectory_chart(page.series, metric, title=title, y_title=y_title(metric),
                                      summary=trajectory_summary(content, page)))
        frame = page.spc.frame
        trial = bool(frame["trial_limits"].any()) if "trial_limits" in frame.columns and len(frame) else False
        drawn.append(spc_chart(page.series, frame, metric, title="Statistical process control", y_title=y_title(metric),
                               summary=spc_summary(content, page), note=TRIAL_LIMITS_NOTE if trial else ""))
    return drawn


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
        # One browser for all the figures: starting Chromium costs about two seconds, a chart a fifth.
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
    """PNG bytes for each figure, drawn in one kaleido (Chromium) session (the capacity page's PDF uses
    it; the board pack draws its own charts, see `metrics.print_charts`)."""
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


def write_pdf(content: PackContent, charts: list[PrintChart]) -> bytes:
    """The pack as an A4 landscape PDF: title and language set, a bookmark (heading) per page, the summary
    as a table, and charts drawn as vector lines and text, each followed by a sentence saying what it shows."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos
    from fpdf.fonts import FontFace

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
    pdf.set_subject("Executive review board pack")
    pdf.set_lang("en-GB")
    pdf.set_display_mode("fullwidth")
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
    pdf.start_section("Summary: every headline metric")
    pdf.cell(width, 9, "Summary: every headline metric", **down)
    columns = [("Metric", 86), ("Value", 24), ("Target", 24), ("Gap", 26), ("RAG", 30),
               ("Variation", 40), ("Assurance", 43)]
    pdf.set_font("DejaVu", "", 9)
    pdf.set_fill_color(255, 255, 255)  # the demonstration label's fill must not carry into the table
    heading_style = FontFace(emphasis="BOLD", color=NHS_TEXT, fill_color=NHS_PALE_GREY)
    with pdf.table(col_widths=[w for _, w in columns], width=sum(w for _, w in columns), align="LEFT",
                   text_align="LEFT", line_height=4.6, padding=1.1, headings_style=heading_style,
                   borders_layout="ALL", first_row_as_headings=True) as table:
        header = table.row()
        for name, _ in columns:
            header.cell(name)
        for row in summary_rows(content):
            status_fill, status_text = compute.STATUS_COLOURS.get(row["status"], compute.STATUS_COLOURS["no_data"])
            cells = [
                (row["label"], None, None), (row["value"], None, None), (row["target"], None, None),
                (row["gap"], None, None), (row["rag"], status_fill, status_text),
                (row["variation"], row["variation_colour"], None), (row["assurance"], row["assurance_colour"], None),
            ]
            line = table.row()
            for text, fill, ink in cells:
                if fill:
                    colour = _hex_to_rgb(ink) if ink else _text_on(fill)
                    line.cell(text, style=FontFace(color=colour, fill_color=_hex_to_rgb(fill)))
                else:
                    line.cell(text)
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
        _pdf_metric_page(pdf, content, page, charts[2 * position], charts[2 * position + 1], width, down)
    return bytes(pdf.output())


def _pdf_metric_page(pdf, content: PackContent, page: MetricPage, trajectory: PrintChart, spc: PrintChart,
                     width: float, down: dict) -> None:
    tile, metric = page.tile, page.metric
    pdf.add_page()
    pdf.set_text_color(*NHS_DARK_BLUE)
    pdf.set_font("DejaVu", "B", 18)
    pdf.start_section(metric.label)
    pdf.cell(width, 10, metric.label, **down)
    pdf.set_text_color(*NHS_GREY)
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(width, 4.5, f"{metric.description} Source: {metric.source}.", **down)
    pdf.ln(1)
    pdf.set_text_color(*NHS_TEXT)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(width, 7, tile_line(content, page), **down)
    pdf.set_font("DejaVu", "", 9.5)
    if tile.get("context_text"):
        pdf.cell(width, 5, tile["context_text"], **down)
    for icon, text in icon_lines(page):
        y = pdf.get_y() + 0.4
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
        pdf.ln(0.4)
    top = pdf.get_y() + 2
    chart_w = (width - 8) / 2
    under = top
    for column, chart in enumerate((trajectory, spc)):
        left = pdf.l_margin + column * (chart_w + 8)
        bottom = draw_pdf_chart(pdf, chart, left, top, chart_w, PDF_CHART_HEIGHT_MM)
        # The sentence saying what the chart shows, straight after it in reading order.
        pdf.set_xy(left, bottom + 1)
        pdf.set_text_color(*NHS_TEXT)
        pdf.set_font("DejaVu", "", 8.5)
        pdf.multi_cell(chart_w, 3.9, chart.summary, new_x="LEFT", new_y="NEXT")
        under = max(under, pdf.get_y())
    pdf.set_y(under + 2)
    body, byline = commentary_text(page, content.month)
    pdf.set_text_color(*NHS_TEXT)
    pdf.set_font("DejaVu", "B", 10.5)
    pdf.cell(width, 6, "Commentary", **down)
    pdf.set_font("DejaVu", "", 9.5)
    room = pdf.h - 14 - pdf.get_y() - (5 if byline else 0)
    # Line breaking costs time per character: measure no more text than the room could ever hold.
    budget = int(room // 4.6 + 1) * int(width / pdf.get_string_width("n"))
    if len(body) > budget:
        body = body[:budget].rsplit(" ", 1)[0] + " …"
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


def write_pptx(content: PackContent, charts: list[PrintChart]) -> bytes:
    """The pack as a 16:9 PowerPoint deck with the same slides as the PDF's pages; charts are native
    PowerPoint charts (month categories, value axis with number format and title), each with its sentence."""
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
        chart_w, chart_h, chart_top = Inches(6.15), Inches(3.55), Inches(2.05)
        for column, chart in enumerate(charts[2 * position : 2 * position + 2]):
            left = Inches(0.4) + column * Inches(6.4)
            add_pptx_chart(slide, chart, left, chart_top, chart_w, chart_h)
            text_box(slide, left, chart_top + chart_h + Inches(0.02), chart_w, Inches(0.5), chart.summary, size=9.5)
        body, byline = commentary_text(page, content.month)
        if len(body) > PPTX_COMMENTARY_CHARS:  # a slide has room for a short paragraph under the charts
            body = body[:PPTX_COMMENTARY_CHARS].rsplit(" ", 1)[0] + "… (shortened; the full text is on the dashboard)"
        text = f"Commentary\n{body}" + (f"\n— {byline}" if byline else "")
        text_box(slide, Inches(0.4), chart_top + chart_h + Inches(0.55), Inches(12.5), Inches(0.85), text, size=10)
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
) -> bytes:
    """The board pack for a month as PDF or PPTX bytes.

    `progress(fraction, text)` is called as the pack builds (a step per chart). No browser: the charts
    are drawn by `metrics.print_charts`, as vector text and lines (PDF) or native charts (PowerPoint).
    """
    if fmt not in FORMATS:
        raise PackError(f"'{fmt}' is not a board pack format; choose pdf or pptx.")
    report = progress or (lambda fraction, text: None)
    report(0.02, "Reading the figures")
    content = collect_pack(store, cfg, month)
    charts = build_pack_charts(content)
    for position in range(1, len(charts) + 1):
        report(0.05 + 0.05 * position / len(charts), f"Chart {position} of {len(charts)} ready")
    report(0.2, "Laying out the pages")
    data = write_pdf(content, charts) if fmt == "pdf" else write_pptx(content, charts)
    report(1.0, "Board pack ready")
    return data


def pack_file_name(cfg: Config, month: dt.date, fmt: str) -> str:
    """ "one-bromley-board-pack-2020-10.pdf"."""
    slug = "-".join(cfg.organisation.lower().split())
    return f"{slug}-board-pack-{to_month(month).strftime('%Y-%m')}.{fmt}"

