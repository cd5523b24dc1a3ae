"""The Store's server-side role checks and its append-only audit log (data.store, migration 6)."""

from __future__ import annotations

import datetime as dt
import getpass
import inspect
import re
from pathlib import Path

import pandas as pd
import pytest

from data.__main__ import EXIT_OK, main
from data.store import AUDIT_COLUMNS, Store, StoreError
from metrics.access import AccessDenied
from tests.actors import ADMIN, ANALYST, EDITOR, EVERYONE, VIEWER

# Store tests run on both engines: a DuckDB file and a PostgreSQL database (tests/conftest.py).
BOTH_ENGINES = True

STORE_SOURCE = Path(inspect.getfile(Store)).read_text(encoding="utf-8")
JUL = dt.date(2020, 7, 1)
ROWS = pd.DataFrame([(JUL, "ct_tests", "All", "PRUH", "All", 5.0)],
                    columns=["month", "measure", "service", "site", "segment", "value"])
REQUIREMENTS = pd.DataFrame({"requirement_id": ["A1.1"], "section": ["A1"], "section_title": ["Cancer"],
                             "requirement": ["Restore cancer referrals."], "sort_order": [1]})
SCENARIO = pd.DataFrame([(dt.date(2021, 1, 1), "All", 1.0, 0.6)],
                        columns=["month", "service_group", "demand", "capacity"])
REVIEW = pd.DataFrame([("A1.1", "Medical Director", "Green", "ok")],
                      columns=["requirement_id", "lead_role", "rag", "assessment"])
MILESTONES = pd.DataFrame([("Cancer", "Restart screening", "Sep 2020", "2020-09-01", "Open", 1)],
                          columns=["workstream", "milestone", "due_text", "due_month", "status", "sort_order"])


@pytest.fixture
def store(empty_store: Store) -> Store:
    """A store with one requirement and one upload (id 1), so every write has something to act on."""
    empty_store.add_requirements(REQUIREMENTS, actor=EVERYONE)
    empty_store.commit_rows(ROWS, file_name="first.csv", sha256="first", actor=EVERYONE)
    return empty_store


# Every Store write, how to call it as an actor, the action it is logged as, and the role it needs.
WRITES = {
    "commit_rows": (lambda s, a: s.commit_rows(ROWS.assign(value=7.0), file_name="b.csv", sha256="b", actor=a),
                    "upload", ANALYST),
    "undo_upload": (lambda s, a: s.undo_upload(1, actor=a), "undo", ANALYST),
    "add_commentary": (lambda s, a: s.add_commentary("ct_activity", JUL, "CT recovering.", actor=a),
                       "commentary", EDITOR),
    "record_review": (lambda s, a: s.record_review(REVIEW, review_date=JUL, actor=a), "review", EDITOR),
    "add_milestones": (lambda s, a: s.add_milestones(MILESTONES, actor=a), "milestones", EDITOR),
    "add_requirements": (lambda s, a: s.add_requirements(REQUIREMENTS.assign(requirement_id="A2.1"), actor=a),
                         "requirements", EDITOR),
    "save_scenario_version": (lambda s, a: s.save_scenario_version("Winter", SCENARIO, actor=a), "scenario", EDITOR),
}


def snapshot(store: Store) -> dict[str, pd.DataFrame]:
    """Every table but the audit log, to prove a refused write changed nothing."""
    with store.cursor() as cur:
        return {t: cur.execute(f"SELECT * FROM {t}").df() for t in store.table_names()
                if t not in ("audit_log", "schema_migrations")}


def test_the_writes_listed_here_are_every_write_the_store_has() -> None:
    takes_an_actor = {name for name, fn in inspect.getmembers(Store, inspect.isfunction)
                      if "actor" in inspect.signature(fn).parameters
                      and name not in ("record_event", "_log", "_log_write")}
    assert takes_an_actor == set(WRITES)


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("outsider", [VIEWER, ADMIN], ids=["viewer", "admin"])
def test_every_write_refuses_an_actor_without_its_role_and_changes_nothing(store, write, outsider) -> None:
    call, action, _ = WRITES[write]
    before, events = snapshot(store), len(store.audit_log())
    with pytest.raises(AccessDenied, match=f"needs the {'analyst' if action in ('upload', 'undo') else 'editor'} role"):
        call(store, outsider)
    after = snapshot(store)
    assert after.keys() == before.keys()
    for table in before:
        pd.testing.assert_frame_equal(after[table], before[table], obj=table)
    log = store.audit_log()
    assert len(log) == events + 1
    refused = log.iloc[0]
    assert (refused["action"], refused["email"]) == (action, outsider.email)
    assert refused["outcome"].startswith("refused: ") and "role" in refused["outcome"]


@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_adds_exactly_one_event_naming_who_and_their_role(store, write) -> None:
    call, action, actor = WRITES[write]
    events = len(store.audit_log())
    call(store, actor)
    log = store.audit_log()
    assert len(log) == events + 1
    event = log.iloc[0]
    assert event[["name", "email", "roles", "via", "action", "outcome"]].tolist() == [
        actor.name, actor.email, actor.roles_text, "sign-in", action, "ok"
    ]


def test_a_failed_write_and_an_identical_reupload_add_one_event_each(store) -> None:
    with pytest.raises(StoreError, match="There is no upload 42"):
        store.undo_upload(42, actor=ANALYST)
    assert store.audit_log().iloc[0][["action", "outcome"]].tolist() == [
        "undo", "failed: There is no upload 42; `python -m data history` lists the uploads and their numbers."
    ]
    store.commit_rows(ROWS, file_name="first-again.csv", sha256="first", actor=ANALYST)
    event = store.audit_log().iloc[0]
    assert event["outcome"] == "nothing changed: 1 value(s) already stored (the same file as upload 1)"
    assert len(store.audit_log(actions=["undo", "upload"], who="ann.analyst")) == 2


def test_the_signed_in_person_is_recorded_as_who_uploaded_undid_and_wrote(store) -> None:
    upload = store.commit_rows(ROWS.assign(value=9.0), file_name="b.csv", sha256="b", actor=ANALYST).upload_id
    store.undo_upload(upload, actor=ANALYST)
    store.add_commentary("ct_activity", JUL, "Text.", actor=EDITOR)
    store.record_review(REVIEW, review_date=JUL, actor=EDITOR)
    uploads = store.uploads().set_index("upload_id")
    assert uploads.loc[upload, ["uploaded_by", "undone_by"]].tolist() == ["Ann Analyst (ann.analyst@nhs.net)"] * 2
    assert store.commentary_versions("ct_activity", JUL)["written_by"].tolist() == ["Ed Editor (ed.editor@nhs.net)"]
    assert store.assessment_reviews()["recorded_by"].tolist() == ["Ed Editor (ed.editor@nhs.net)"]


def test_a_write_needs_an_actor_not_a_typed_name(store) -> None:
    with pytest.raises(TypeError, match="needs an Actor"):
        store.undo_upload(1, actor="Ann")


# --- append only ---------------------------------------------------------------------------------------


def test_the_store_has_no_method_that_updates_or_deletes_the_audit_log(store) -> None:
    store.record_event(VIEWER, "download", "CSV coverage.csv")
    methods = [name for name, _ in inspect.getmembers(Store, inspect.isfunction)]
    for name in ("update_event", "delete_event", "clear_audit_log", "delete_audit_log", "update_audit_log"):
        assert not hasattr(store, name)
    assert not [m for m in methods if re.search(r"delete|remove|clear|purge|truncate|edit|update", m)]
    # No SQL in the store changes audit_log other than by INSERT.
    assert not re.search(r"(UPDATE|DELETE\s+FROM|TRUNCATE|DROP\s+TABLE|ALTER\s+TABLE)\s+audit_log", STORE_SOURCE,
                         re.IGNORECASE)
    assert store.audit_log().iloc[0][["action", "what"]].tolist() == ["download", "CSV coverage.csv"]


def test_events_are_kept_in_order_with_every_column(store) -> None:
    first = store.record_event(ADMIN, "sign-in", "dashboard", now=dt.datetime(2020, 9, 1, 9))
    second = store.record_event(ADMIN, "sign-out", "dashboard", now=dt.datetime(2020, 9, 1, 10))
    assert second > first
    log = store.audit_log(start=dt.date(2020, 9, 1), end=dt.date(2020, 9, 1))
    assert list(log.columns) == AUDIT_COLUMNS
    assert log["action"].tolist() == ["sign-out", "sign-in"]
    assert store.audit_log(start=dt.date(2020, 9, 2), end=dt.date(2020, 9, 2)).empty
    assert "sign-in" in store.audit_actions()


def test_the_demo_build_is_logged_one_event_per_write(demo_store: Store) -> None:
    log = demo_store.audit_log()
    assert log["action"].tolist() == ["upload", "milestones", "review", "review", "requirements"]
    assert set(log["name"]) == {"Demonstration data builder"} and set(log["outcome"]) == {"ok"}


# --- the command line -----------------------------------------------------------------------------------


def test_the_command_line_records_the_operating_system_user_and_prints_the_log(
    demo_db: Path, tmp_path: Path, capsys
) -> None:
    data = tmp_path / "april.csv"
    data.write_text("period,measure,site,value\n2021-04,ct_tests,PRUH,1000\n", encoding="utf-8")
    assert main(["load", str(data), "--yes", "--db", str(demo_db)]) == EXIT_OK
    assert main(["export", str(tmp_path / "out"), "--db", str(demo_db)]) == EXIT_OK
    capsys.readouterr()
    assert main(["audit", "--db", str(demo_db)]) == EXIT_OK
    printed = capsys.readouterr().out
    user = getpass.getuser()
    lines = printed.splitlines()
    assert "when (UK time)" in lines[0]
    assert re.search(rf"{re.escape(user)} .*command line\s+export", lines[1])
    assert re.search(rf"{re.escape(user)} .*command line\s+upload\s+upload 2: file april.csv", lines[2])
    with Store(demo_db) as store:
        assert store.uploads().set_index("upload_id").loc[2, "uploaded_by"] == f"{user} (command line)"
    assert (tmp_path / "out" / "audit_log.csv").exists()
    assert main(["audit", "--action", "sign-in", "--db", str(demo_db)]) == EXIT_OK
    assert "no events matching" in capsys.readouterr().out
