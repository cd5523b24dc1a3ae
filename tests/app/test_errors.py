"""What a viewer sees when something goes wrong: a sentence (and a reference id for the unexpected),
never a traceback; the details stay in the server's log."""

from __future__ import annotations

from pathlib import Path

from data.store import Store
from metrics import views
from tests.actors import named
from tests.app.kit import open_page, plain
from tests.faults import FullDisk


def test_an_unexpected_error_shows_a_sentence_and_a_reference_not_the_details(demo_db: Path, monkeypatch,
                                                                              caplog) -> None:
    monkeypatch.delenv("RECOVERY_RAISE_ERRORS")

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail from the server")

    monkeypatch.setattr(views, "load_overview", broken)
    at = open_page(demo_db, monkeypatch)
    assert not at.exception
    message = plain(at.error[0].value)
    assert "Something went wrong while showing this page" in message and "reference" in message
    reference = message.split("reference ")[1].split(" ")[0].strip("*")
    everything = " ".join(str(e.value) for kind in ("markdown", "error", "caption") for e in getattr(at, kind))
    assert "secret detail" not in everything and "Traceback" not in everything
    assert any(reference in r.getMessage() and r.exc_info for r in caplog.records)


def test_a_full_disk_during_an_upload_is_a_sentence_and_changes_nothing(demo_db: Path, monkeypatch) -> None:
    at = open_page(demo_db, monkeypatch, "app_pages/upload.py")
    with Store(demo_db) as store:
        before = len(store.facts()), len(store.uploads())
    data = b"period,measure,site,value\n2021-04,ct_tests,PRUH,1000\n"
    at.file_uploader(key="upload_file").set_value(("april.csv", data, "text/csv")).run()
    monkeypatch.setattr(Store, "cursor", lambda self: FullDisk(self._con.cursor()))
    at.button(key="upload_confirm").click().run()
    monkeypatch.undo()
    assert not at.exception
    assert any("is full; nothing was changed" in plain(e.value) for e in at.error)
    with Store(demo_db) as store:
        assert (len(store.facts()), len(store.uploads())) == before


def test_the_upload_note_is_limited_in_length(demo_db: Path, monkeypatch) -> None:
    at = open_page(demo_db, monkeypatch, "app_pages/upload.py")
    data = b"period,measure,site,value\n2021-04,ct_tests,PRUH,1000\n"
    at.file_uploader(key="upload_file").set_value(("april.csv", data, "text/csv")).run()
    assert at.text_area(key="upload_note").max_chars == 1000  # names come from sign-in, not a field


def test_the_overview_runs_on_a_store_holding_a_huge_value_and_says_so(demo_db: Path, monkeypatch) -> None:
    import datetime as dt

    import pandas as pd

    with Store(demo_db) as store:  # written past the upload checks, as an older version might have
        store.commit_rows(
            pd.DataFrame(
                [(dt.date(2021, 3, 1), "ct_tests", "All", site, "All", 1.7e308) for site in ("PRUH", "ORPINGTON")],
                columns=["month", "measure", "service", "site", "segment", "value"],
            ),
            file_name="huge.csv", sha256="huge", actor=named("direct write"),
        )
    at = open_page(demo_db, monkeypatch)
    assert not at.exception
    assert any("CT tests in Mar 2021 add up to more than any real total" in plain(w.value) for w in at.warning)
    tiles = " ".join(m.value for m in at.markdown if "metric-tile" in m.value)
    assert "inf" not in tiles.replace("info", "")
