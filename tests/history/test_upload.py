"""The admins' import page: the same import as `flask import-history`, from an upload. The whole
file is checked first: a bad one lists every problem at its place and imports nothing; "check
only" imports nothing; importing again adds nothing; a file over the limit is refused with a
clear message; nobody but an admin knows the page exists; the form needs its CSRF token."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from barraiser.audit.models import AuditEvent
from barraiser.extensions import db
from barraiser.history.services import HistoryRejected, import_history
from barraiser.loops.models import Interview, Loop

SAMPLES = Path(__file__).parent / "samples"
PAGE = "/admin/import/"


def _loops() -> tuple[int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count(Loop.id))),
        db.session.scalar(sa.select(sa.func.count(Interview.id))),
    )


def _post(client, source: str, file: str | bytes, mapping: str | None = None, *, check=False):
    data = file if isinstance(file, bytes) else (SAMPLES / file).read_bytes()
    form = {
        "source": source,
        "file": (io.BytesIO(data), file if isinstance(file, str) else "upload.csv"),
        "check" if check else "submit": "1",
    }
    if mapping is not None:
        form["mapping"] = (io.BytesIO((SAMPLES / mapping).read_bytes()), mapping)
    return client.post(PAGE, data=form, content_type="multipart/form-data")


@pytest.mark.parametrize(
    ("source", "file", "mapping"),
    [
        ("csv", "greenhouse-history.csv", None),
        ("greenhouse", "greenhouse-scorecards.json", "greenhouse-mapping.json"),
        ("lever", "lever-feedback.json", "lever-mapping.json"),
    ],
)
def test_a_good_file_is_checked_then_imported_once(app, login_as, source, file, mapping):
    client = login_as("admin")
    assert client.get(PAGE).status_code == 200

    checked = _post(client, source, file, mapping, check=True)
    assert checked.status_code == 200
    assert "has no problems" in checked.get_data(as_text=True)
    assert _loops() == (0, 0)

    imported = _post(client, source, file, mapping)
    page = imported.get_data(as_text=True)
    loops = _loops()
    assert imported.status_code == 200 and "is imported" in page
    assert loops[0] > 0 and f"{loops[0]} loop(s), {loops[1]} interview(s)" in page
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "history.imported"))
    assert event.actor_id == client.user.id

    again = _post(client, source, file, mapping).get_data(as_text=True)
    assert "0 loop(s), 0 interview(s)" in again and f"{loops[0]} loop(s) already present" in again
    assert _loops() == loops


@pytest.mark.parametrize(
    ("source", "file", "mapping"),
    [
        ("greenhouse", "greenhouse-bad.json", "greenhouse-mapping.json"),
        ("lever", "lever-bad.json", "lever-mapping.json"),
    ],
)
def test_a_bad_file_lists_every_problem_at_its_place_and_imports_nothing(
    app, login_as, source, file, mapping
):
    with pytest.raises(HistoryRejected) as expected:
        import_history(
            (SAMPLES / file).read_bytes(),
            file_name=file,
            now=app.config["CLOCK"](),
            source=source,
            mapping=(SAMPLES / mapping).read_bytes(),
            mapping_name=mapping,
        )
    db.session.rollback()

    refused = _post(login_as("admin"), source, file, mapping)

    page = refused.get_data(as_text=True)
    listed = re.findall(r"<li><code>([^<]*)</code>", page)
    assert refused.status_code == 422 and "Nothing was imported" in page
    assert listed == [p.place or f"line {p.line}" for p in expected.value.problems]
    assert len(listed) >= 2 and all(file in place or mapping in place for place in listed)
    assert _loops() == (0, 0)


@pytest.mark.parametrize(
    "content",
    [b"", b"\xff\xfe\x00garbage", b"not,a,history\n1,2,3\n", b"loop_ref\n" + b"x" * 5000],
)
def test_a_file_that_is_not_a_history_is_refused_with_a_reason(app, login_as, content):
    refused = _post(login_as("admin"), "csv", content)

    assert refused.status_code == 422
    assert "Nothing was imported" in refused.get_data(as_text=True)
    assert _loops() == (0, 0)


def test_an_ats_export_needs_its_mapping_and_a_csv_takes_none(app, login_as):
    client = login_as("admin")

    without = _post(client, "greenhouse", "greenhouse-scorecards.json")
    extra = _post(client, "csv", "greenhouse-history.csv", "greenhouse-mapping.json")
    no_file = client.post(PAGE, data={"source": "csv", "submit": "1"})
    bad_format = _post(client, "workday", "greenhouse-history.csv")

    assert without.status_code == 400 and "needs its mapping file" in without.get_data(as_text=True)
    assert extra.status_code == 400 and "for ATS exports only" in extra.get_data(as_text=True)
    assert no_file.status_code == 400 and "Choose the file" in no_file.get_data(as_text=True)
    assert bad_format.status_code == 400 and "Not a valid choice" in bad_format.get_data(
        as_text=True
    )
    assert _loops() == (0, 0)


def test_a_file_over_the_limit_is_refused_with_a_clear_message(app, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "HISTORY_UPLOAD_MAX_MB", 0.01)  # about 10 kB
    big = (SAMPLES / "greenhouse-history.csv").read_bytes() * 20

    refused = _post(login_as("admin"), "csv", big)

    assert refused.status_code == 413
    assert "larger than 0.01 MB" in refused.get_data(as_text=True)
    assert _loops() == (0, 0)


def test_only_admins_know_the_page_and_it_needs_its_csrf_token(app, login_as):
    for role in ("recruiter", "hiring_manager", "inspector", "bar_raiser", "interviewer"):
        client = login_as(role)
        assert client.get(PAGE).status_code == 404, role
        assert _post(client, "csv", "greenhouse-history.csv").status_code == 404, role
    admin = login_as("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = _post(admin, "csv", "greenhouse-history.csv")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)
    assert _loops() == (0, 0)
