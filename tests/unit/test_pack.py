"""The board pack: PDF and PowerPoint from the demonstration store, through `python -m metrics pack`.

Page rule (metrics/pack.py): the cover and the summary table share the first page, then one page per
headline metric, so a pack has 1 + (number of headline metrics) pages; the PowerPoint file has the
same slides. The two real packs below are drawn once per module with Chromium (kaleido); the other
tests use a stand-in renderer so they stay quick.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image
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
    assert pictures == [0] + [2] * len(cfg.headline_metrics)


# --- quick tests with a stand-in renderer --------------------------------------------------------------


def _blank_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (pack.CHART_WIDTH_PX, pack.CHART_HEIGHT_PX), "white").save(out, format="PNG")
    return out.getvalue()


def _stub_render(figures, progress=None) -> list[bytes]:
    image = _blank_png()
    for position in range(1, len(figures) + 1):
        if progress:
            progress(position / len(figures), f"chart {position}")
    return [image] * len(figures)


def test_progress_rises_to_one_as_the_pack_builds(demo_store: Store, cfg: Config) -> None:
    seen: list[float] = []
    data = pack.build_pack(demo_store, cfg, OCT, "pdf", progress=lambda f, text: seen.append(f), render=_stub_render)
    assert seen == sorted(seen) and seen[0] > 0 and seen[-1] == 1.0
    assert len(seen) >= 2 * len(cfg.headline_metrics)  # a step per chart
    assert len(PdfReader(io.BytesIO(data)).pages) == 1 + len(cfg.headline_metrics)


def test_a_store_of_real_uploads_has_no_demonstration_label(empty_store: Store, cfg: Config) -> None:
    empty_store.commit_rows(build_demo_frame(cfg), file_name="october.csv", sha256="x", actor=named("Ann"))
    text = " ".join(_page_texts(pack.build_pack(empty_store, cfg, OCT, "pdf", render=_stub_render)))
    assert "Demonstration data" not in text
    assert "CT activity" in text


def test_a_month_without_figures_is_refused_with_a_sentence(demo_store: Store, cfg: Config) -> None:
    with pytest.raises(pack.PackError, match="has no figures for Jan 2022; choose a month that has them"):
        pack.build_pack(demo_store, cfg, dt.date(2022, 1, 1), render=_stub_render)


def test_an_unknown_format_is_refused(demo_store: Store, cfg: Config) -> None:
    with pytest.raises(pack.PackError, match="choose pdf or pptx"):
        pack.build_pack(demo_store, cfg, OCT, "docx", render=_stub_render)


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
