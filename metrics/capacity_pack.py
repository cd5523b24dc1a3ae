"""The board pack's page for a Demand & capacity scenario: one A4 landscape PDF page.

What the page shows, in the same words: the scenario, the sentence for the chosen services with its RAG
in words and icon, the projection chart (actual, projected, band, 18-week target list), the table by
service, and the backtest's stated error. Charts are drawn by the board pack's Chromium renderer
(`metrics.pack.render_figures`), text in DejaVu Sans, as the rest of the pack.
"""

from __future__ import annotations

import datetime as dt

from metrics import capacity, charts, compute
from metrics.months import format_month, format_month_long
from metrics.pack import FONT_BOLD, FONT_REGULAR, NHS_BLUE, NHS_GREY, NHS_TEXT, PackError, render_figures

TABLE_COLUMNS = ["Service", "Status", "List now", "Projected at target date", "18-week target list",
                 "Removals a month (planned)", "Removals a month needed", "Queue load"]
# Shorter headings for the printed table; the dashboard's CSV keeps the full ones.
TABLE_HEADINGS = ["Service", "Status", "List now", "Projected", "18-week target list", "Removals planned",
                  "Removals needed", "Load"]
TABLE_WIDTHS = [50, 26, 24, 26, 34, 42, 42, 16]


def build_capacity_pdf(page, options, organisation: str, scenario_label: str, generated: dt.date) -> bytes:
    """One PDF page for `page` (a `metrics.views.CapacityPage` with its projection) under `scenario_label`."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    if not FONT_REGULAR.exists() or not FONT_BOLD.exists():
        raise PackError(f"The board pack needs the DejaVu Sans font ({FONT_REGULAR}); install it with "
                        "apt-get install -y fonts-dejavu-core.")
    total = page.total_row
    figure = charts.build_waiting_list_chart(page.history, page.total, target_queue=total["target_queue"],
                                             target=page.target, scenario=scenario_label, height=420)
    figure.update_layout(width=1100)
    (image,) = render_figures([figure])

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(f"{organisation}: demand and capacity, {scenario_label}")
    pdf.set_author(organisation)
    pdf.add_font("DejaVu", "", str(FONT_REGULAR))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD))
    pdf.set_margins(12, 10, 12)
    pdf.set_auto_page_break(False)
    down = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.set_text_color(*NHS_BLUE)
    pdf.cell(width, 8, "Demand & capacity: the waiting list under a scenario", **down)
    pdf.set_font("DejaVu", "", 9)
    pdf.set_text_color(*NHS_GREY)
    services = ("all services" if len(page.services) == len(options.services)
                else ", ".join(options.labels[s] for s in page.services))
    demo = " Demonstration data: synthetic figures." if options.is_demo else ""
    pdf.multi_cell(width, 4.5, f"{organisation} · {services} · projected from {format_month_long(page.start)}, the "
                               f"latest complete month · target: the 18-week list size by the end of "
                               f"{format_month(page.target)} · built {generated:%d %b %Y}.{demo}", **down)
    pdf.ln(1)
    pdf.set_font("DejaVu", "B", 11)
    pdf.set_text_color(*NHS_TEXT)
    status = f"{compute.STATUS_ICONS[total['status']]} {compute.STATUS_WORDS[total['status']]}"
    pdf.multi_cell(width, 5.5, f"{status}. {capacity.describe_total(total, page.target, scenario_label)}", **down)
    pdf.image(image, x=pdf.l_margin, w=width * 0.66)
    pdf.set_font("DejaVu", "B", 8)
    pdf.set_fill_color(232, 237, 238)
    table = capacity.summary_table(page.summary, options.labels)[TABLE_COLUMNS]
    for name, w in zip(TABLE_HEADINGS, TABLE_WIDTHS, strict=True):
        pdf.cell(w, 5, name, border=1, fill=True)
    pdf.ln()
    pdf.set_font("DejaVu", "", 8)
    shown = table.tail(1) if len(table) > 8 else table  # the services together when the list is long
    for row in shown.itertuples(index=False):
        for value, w in zip(row, TABLE_WIDTHS, strict=True):
            text = f"{value:,}" if isinstance(value, int) else str(value)
            pdf.cell(w, 4.6, text, border=1)
        pdf.ln()
    pdf.set_text_color(*NHS_GREY)
    note = "Removals are a month, averaged to the target date; needed = NHSRwaitinglist relief or target capacity."
    if len(table) > 8:
        note += f" {len(table) - 1} services: the dashboard and `python -m metrics scenario --by-service` give each."
    pdf.cell(width, 4.6, note, **down)
    if page.backtest is not None:
        pdf.ln(1)
        pdf.set_text_color(*NHS_TEXT)
        pdf.set_font("DejaVu", "", 8.5)
        pdf.multi_cell(width, 4.2, f"Backtest. {page.backtest.sentence()}", **down)
    return bytes(pdf.output())
