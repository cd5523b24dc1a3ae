"""The board pack: PDF and PowerPoint from the demonstration store, through `python -m metrics pack`.

Page rule (metrics/pack.py): the cover and the summary table share the first page, then one page per
headline metric, so a pack has 1 + (number of headline metrics) pages; the PowerPoint file has the
same slides. The two real packs below are built once per module through the command line.

Acceptance (issue 10): each metric page's charts are text, not pictures: the PDF page carries its month
labels and y-axis tick labels as text (read back with pypdf), and each slide carries two native charts with
UK month categories, a number-formatted value axis and axis titles.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from pptx import Presentation
from pypdf import PdfReader

from data.demo import build_demo_frame
from data.store import Store
from metrics import pack
from metrics.__main__ import main
from metrics.config import Config
from tests.actors import named

OCT = dt.date(2020, 10, 1)
COMMENTARY = "CT recovered – 100% of last October → target met (≥ 100%); £1.2m scanner bid agreed."


@pytest.fixture(scope="module")
def pack_store(tmp_path_factory: pytest.TempPathFactory, demo_store_file: Path) -> Path:
    """A copy of the demonstration store with commentary on CT activity for October 2020."""
    path = tmp_path_factory.mktemp("pack") / "store.duckdb"
    shutil.copyfile(demo_store_file, path)
    with Store(path) as store:
        store.add_commentary("ct_activity", OCT, COMMENTARY, actor=named("Ann Analyst"))
    return path


@pytest.fixture(scope="module")
def pdf_file(pack_store: Path) -> Path:
    out = pack_store.parent / "pack.pdf"
    assert main(["pack", "--month", "2020-10", "--out", str(out), "--db", str(pack_store)]) == 0
    return out


@pytest.fixture(scope="module")
def pptx_file(pack_store: Path) -> Path:
    out = pack_store.parent / "pack.pptx"
    assert main(["pack", "--month", "2020-10", "--out", str(out), "--format", "pptx", "--db", str(pack_store)]) == 0
    return out


def _page_texts(data: bytes | Path) -> list[str]:
    reader = PdfReader(io.BytesIO(data) if isinstance(data, bytes) else data)
    return [page.extract_text() for page in reader.pages]


def _slide_texts(path: Path) -> list[str]:
    deck = Presentation(str(path))
    texts = []
    for slide in deck.slides:
        parts = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [cell.text for row in shape.table.rows for cell in row.cells]
        texts.append("\n".join(parts))
    return texts


# --- the real packs (Chromium) -----------------------------------------------------------------------


def test_the_pdf_is_the_cover_with_the_summary_then_one_page_per_headline_metric(pdf_file: Path, cfg: Config) -> None:
    assert pdf_file.read_bytes()[:5] == b"%PDF-"
    assert len(PdfReader(pdf_file).pages) == 1 + len(cfg.headline_metrics)


def test_the_pdf_cover_names_the_month_the_figures_and_the_demonstration_label(pdf_file: Path, cfg: Config) -> None:
    cover = _page_texts(pdf_file)[0]
    assert "One Bromley" in cover and "October 2020" in cover and "Figures as at" in cover
    assert "Demonstration data" in cover
    for metric in cfg.headline_metrics:
        assert metric.label in cover, metric.label


def test_each_pdf_page_after_the_cover_is_one_headline_metric_in_order(pdf_file: Path, cfg: Config) -> None:
    pages = _page_texts(pdf_file)[1:]
    for metric, text in zip(cfg.headline_metrics, pages, strict=True):
        assert text.splitlines()[0].strip() == metric.label
        assert "Commentary" in text and "Variation:" in text
        assert "Demonstration data" in text  # in the footer of every page


def test_the_commentary_prints_dashes_arrows_and_pounds(pdf_file: Path, cfg: Config) -> None:
    ct_page = _page_texts(pdf_file)[1 + [m.id for m in cfg.headline_metrics].index("ct_activity")]
    assert " ".join(COMMENTARY.split()) in " ".join(ct_page.split())
    assert "Ann Analyst" in ct_page


def test_the_pptx_opens_and_has_the_same_slides(pptx_file: Path, cfg: Config) -> None:
    slides = _slide_texts(pptx_file)
    assert len(slides) == 1 + len(cfg.headline_metrics)
    assert "Demonstration data" in slides[0]
    for metric in cfg.headline_metrics:
        assert metric.label in slides[0]
    for metric, text in zip(cfg.headline_metrics, slides[1:], strict=True):
        assert text.splitlines()[0] == metric.label
    deck = Presentation(str(pptx_file))
    pictures = [sum(shape.shape_type == 13 for shape in slide.shapes) for slide in deck.slides]  # 13: picture
    assert pictures == [0] * (1 + len(cfg.headline_metrics))  # charts are native charts, not pictures


# --- acceptance 1: the charts' scales are readable text ----------------------------------------------------


def _expected_charts(pack_store: Path, cfg: Config) -> list:
    with Store(pack_store, read_only=True) as store:
        return pack.build_pack_charts(pack.collect_pack(store, cfg, OCT))


def test_every_pdf_metric_page_carries_its_charts_month_labels_and_axis_values_as_text(
    pdf_file: Path, pack_store: Path, cfg: Config
) -> None:
    charts = _expected_charts(pack_store, cfg)
    pages = _page_texts(pdf_file)[1:]
    for number, text in enumerate(pages):
        words = " ".join(text.split())
        for chart in charts[2 * number : 2 * number + 2]:
            assert len(chart.x_ticks) >= 2 and len(chart.y_ticks) >= 3, chart.title
            for _, label in chart.x_ticks:
                assert re.fullmatch(r"[A-Z][a-z]{2} \d{4}", label)  # "Jul 2020"
                assert label in words, (cfg.headline_metrics[number].label, label)
            for _, label in chart.y_ticks:
                assert label in words, (cfg.headline_metrics[number].label, chart.title, label)
            assert chart.summary and " ".join(chart.summary.split()) in words  # the sentence under the chart
        assert ("Against the" in words or "Month by month" in words) and "Statistical process control" in words


def test_pdf_axis_labels_are_percentages_or_counts_with_thousands_separators(pack_store: Path, cfg: Config) -> None:
    charts = _expected_charts(pack_store, cfg)
    for metric, chart in zip([m for m in cfg.headline_metrics for _ in (0, 1)], charts, strict=True):
        labels = [label for _, label in chart.y_ticks]
        if metric.is_percent:
            assert all(re.fullmatch(r"-?\d+(\.\d)?%", label) for label in labels), labels
        else:
            assert all(re.fullmatch(r"-?\d{1,3}(,\d{3})*(\.\d+)?", label) for label in labels), labels
    econsult = charts[2 * [m.id for m in cfg.headline_metrics].index("econsult_submissions")]
    assert any("," in label for _, label in econsult.y_ticks)  # tens of thousands: "15,000"


def test_the_pdf_has_a_title_a_language_and_a_bookmark_per_page(pdf_file: Path, cfg: Config) -> None:
    reader = PdfReader(pdf_file)
    assert reader.metadata.title == "One Bromley board pack, October 2020"
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert [item.title for item in reader.outline] == ["Summary: every headline metric"] + [
        m.label for m in cfg.headline_metrics
    ]


def test_every_slide_has_two_native_charts_with_month_categories_and_axis_formats(
    pptx_file: Path, pack_store: Path, cfg: Config
) -> None:
    charts = _expected_charts(pack_store, cfg)
    deck = Presentation(str(pptx_file))
    for number, slide in enumerate(list(deck.slides)[1:]):
        drawn = [shape.chart for shape in slide.shapes if shape.has_chart]
        assert len(drawn) == 2
        metric = cfg.headline_metrics[number]
        for chart, expected in zip(drawn, charts[2 * number : 2 * number + 2], strict=True):
            assert chart.chart_title.text_frame.text == expected.title
            assert list(chart.plots[0].categories) == expected.month_labels
            assert all(re.fullmatch(r"[A-Z][a-z]{2} \d{4}", label) for label in expected.month_labels)
            axis = chart.value_axis
            assert axis.tick_labels.number_format in (("0%", "0.0%") if metric.is_percent else ("#,##0",))
            assert not axis.tick_labels.number_format_is_linked
            assert axis.has_title and axis.axis_title.text_frame.text
            assert chart.category_axis.has_title and chart.category_axis.axis_title.text_frame.text == "Month"
            assert (axis.minimum_scale, axis.maximum_scale) == expected.y_range
        text = _slide_texts_of(slide)
        assert charts[2 * number].summary in text and charts[2 * number + 1].summary in text


def _slide_texts_of(slide) -> str:
    return "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


def test_nice_ticks_cover_the_data_with_round_steps() -> None:
    from metrics.print_charts import nice_ticks, tick_label

    ticks = nice_ticks(0.0, 1.02)
    assert ticks[0] == 0.0 and ticks[-1] >= 1.02 and len(ticks) <= 8
    assert [tick_label(t, ticks[1] - ticks[0], True) for t in ticks][:3] == ["0%", "25%", "50%"]
    assert tick_label(12500, 2500, False) == "12,500"
    assert tick_label(0.125, 0.025, True) == "12.5%"


# --- quick tests on the demonstration store ------------------------------------------------------------


def test_progress_rises_to_one_as_the_pack_builds(demo_store: Store, cfg: Config) -> None:
    seen: list[float] = []
    data = pack.build_pack(demo_store, cfg, OCT, "pdf", progress=lambda f, text: seen.append(f))
    assert seen == sorted(seen) and seen[0] > 0 and seen[-1] == 1.0
    assert len(seen) >= 2 * len(cfg.headline_metrics)  # a step per chart
    assert len(PdfReader(io.BytesIO(data)).pages) == 1 + len(cfg.headline_metrics)


def test_a_store_of_real_uploads_has_no_demonstration_label(empty_store: Store, cfg: Config) -> None:
    empty_store.commit_rows(build_demo_frame(cfg), file_name="october.csv", sha256="x", actor=named("Ann"))
    text = " ".join(_page_texts(pack.build_pack(empty_store, cfg, OCT, "pdf")))
    assert "Demonstration data" not in text
    assert "CT activity" in text


def test_a_month_without_figures_is_refused_with_a_sentence(demo_store: Store, cfg: Config) -> None:
    with pytest.raises(pack.PackError, match="has no figures for Jan 2022; choose a month that has them"):
        pack.build_pack(demo_store, cfg, dt.date(2022, 1, 1))


def test_an_unknown_format_is_refused(demo_store: Store, cfg: Config) -> None:
    with pytest.raises(pack.PackError, match="choose pdf or pptx"):
        pack.build_pack(demo_store, cfg, OCT, "docx")


def test_the_command_line_explains_a_month_without_figures(demo_db: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "pack.pdf"
    assert main(["pack", "--month", "2022-01", "--out", str(out), "--db", str(demo_db)]) == 2
    assert "has no figures for Jan 2022" in capsys.readouterr().err
    assert not out.exists()


def test_the_command_line_refuses_a_missing_folder(demo_db: Path, tmp_path: Path, capsys) -> None:
    assert main(["pack", "--month", "2020-10", "--out", str(tmp_path / "nowhere" / "p.pdf"), "--db", str(demo_db)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_pack_file_names_carry_the_month(cfg: Config) -> None:
    assert pack.pack_file_name(cfg, OCT, "pptx") == "one-bromley-board-pack-2020-10.pptx"


def test_summary_rows_give_rag_in_words_and_icons_as_letters(demo_store: Store, cfg: Config) -> None:
    content = pack.collect_pack(demo_store, cfg, OCT)
    rows = pd.DataFrame(pack.summary_rows(content)).set_index("label")
    assert rows.loc["CT activity", "rag"] == "✔ Green"
    assert rows.loc["Endoscopy activity", "rag"] == "✖ Red"
    assert rows.loc["eConsult submissions", "assurance"] == "–"  # no target, so no assurance icon
    letters = {value.split(" ")[0] for value in rows["variation"]}
    assert letters <= {"~", "H", "L"} and len(letters) > 1


def test_the_command_line_pack_is_logged_as_a_download(pdf_file: Path, pack_store: Path) -> None:
    with Store(pack_store, read_only=True) as store:
        event = store.audit_log(actions=["download"]).iloc[-1]
    assert event["via"] == "command line" and event["what"].startswith("board pack Oct 2020 (pdf) to ")
