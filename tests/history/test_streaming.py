"""A history CSV is read as a stream, twice: checked whole first, then written in batches. A bad
row anywhere (the last one too) still means nothing is written; a file read from a stream imports
exactly as its bytes do, whatever the size of the batches; the rows of a loop may lie apart in the
file; the statements an import runs do not grow with the file; a file that changes between the two
readings is refused."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from barraiser.debrief.models import FinalVote, HirePerformance, Proposal, Verdict
from barraiser.demo.synthetic_history import history_csv_bytes
from barraiser.extensions import db
from barraiser.feedback.models import Feedback, PrincipleRating
from barraiser.history import write
from barraiser.history.parse import parse_history
from barraiser.history.services import HistoryRejected, import_history
from barraiser.loops.models import Interview, InterviewPrinciple, Loop
from barraiser.principles.models import Principle

COUNTED = (Loop, Interview, InterviewPrinciple, Feedback, PrincipleRating, FinalVote, Proposal)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def counts() -> dict[str, int]:
    return {model.__name__: count(model) for model in (*COUNTED, Verdict, HirePerformance)}


def expected_counts(data: bytes) -> dict[str, int]:
    """What a file holds, read with the csv module alone."""
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    principles = sum(len(row["principles"].split("|")) for row in rows)
    return {
        "Loop": len({row["loop_ref"] for row in rows}),
        "Interview": len(rows),
        "InterviewPrinciple": principles,
        "Feedback": len(rows),
        "PrincipleRating": principles,
        "FinalVote": sum(1 for row in rows if row["final_vote"]),
        "Proposal": len({row["loop_ref"] for row in rows if row["decision"]}),
    }


@pytest.fixture
def small_batches(monkeypatch):
    """Batches far smaller than the files, so every file is written in many of them."""
    monkeypatch.setattr(write, "CHUNK_LOOPS", 7)
    monkeypatch.setattr(write, "BATCH_INTERVIEWS", 11)


def test_a_stream_imports_exactly_as_its_bytes_in_batches_of_any_size(app, clock, small_batches):
    data = history_csv_bytes(60, seed=5)

    summary = import_history(io.BytesIO(data), file_name="history.csv", now=clock())
    db.session.commit()

    expected = expected_counts(data)
    found = counts()
    assert {name: found[name] for name in expected} == expected
    assert summary.loops == expected["Loop"] and summary.interviews == expected["Interview"]
    assert found["Verdict"] == found["Proposal"]
    # Each loop's interviews hang off it: none went to another loop of its batch.
    per_loop = db.session.execute(
        sa.select(Loop.external_ref, sa.func.count(Interview.id))
        .join(Interview, Interview.loop_id == Loop.id)
        .group_by(Loop.external_ref)
    ).all()
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert dict(per_loop) == {
        ref: sum(1 for row in rows if row["loop_ref"] == ref) for ref in dict(per_loop)
    }


def test_a_bad_last_row_refuses_the_whole_file_and_writes_nothing(app, clock, small_batches):
    data = history_csv_bytes(60, seed=5)
    lines = data.decode().splitlines()
    last = next(csv.reader([lines[-1]]))
    header = next(csv.reader([lines[0]]))
    last[header.index("vote")] = "maybe"
    lines[-1] = ",".join(last)
    before = counts()

    with pytest.raises(HistoryRejected) as rejected:
        import_history(
            io.BytesIO(("\n".join(lines) + "\n").encode()), file_name="history.csv", now=clock()
        )

    assert [str(problem).split(":")[0] for problem in rejected.value.problems] == [
        f"line {len(lines)}"
    ]
    assert "vote 'maybe'" in str(rejected.value.problems[0])
    assert counts() == before


def test_the_rows_of_a_loop_may_lie_apart_in_the_file(app, clock, small_batches):
    data = history_csv_bytes(30, seed=9)
    header, *rows = data.decode().splitlines(keepends=True)
    scattered = header + "".join(rows[::2] + rows[1::2])

    import_history(scattered.encode(), file_name="history.csv", now=clock())

    expected = expected_counts(data)
    found = counts()
    assert {name: found[name] for name in expected} == expected
    starts = dict(
        db.session.execute(
            sa.select(Loop.id, sa.func.min(Interview.starts_at))
            .join(Interview, Interview.loop_id == Loop.id)
            .group_by(Loop.id)
        ).all()
    )
    for loop in db.session.scalars(sa.select(Loop)):
        assert loop.first_interview_at == starts[loop.id]


def test_the_statements_of_an_import_do_not_grow_with_the_file(app, clock, count_queries):
    statements = []
    batches = []
    for loops in (20, 80):
        data = history_csv_bytes(loops, seed=loops)
        catalog = list(db.session.scalars(sa.select(Principle.name)))
        parsed = parse_history(data, catalog=catalog)
        assert not parsed.problems
        with count_queries() as counted:
            written = write.write_history(parsed, now=clock(), deadline_hours=48)
        assert written.loops == loops
        statements.append(counted.count)
        batches.append(written.batches)
        db.session.rollback()

    # The same statements, and one batch of rows per table, at four times the loops.
    assert statements[0] == statements[1]
    assert batches[0] == batches[1] <= len(write.WRITTEN_TABLES)


class ChangingFile(io.BytesIO):
    """A file that reads otherwise once it has been read through: changed while imported."""

    def __init__(self, first: bytes, second: bytes) -> None:
        super().__init__(first)
        self.second = second

    def seek(self, offset: int, whence: int = 0) -> int:
        if (offset, whence) == (0, 0) and self.tell() > 0 and self.second:
            self.truncate(0)
            super().seek(0)
            self.write(self.second)
            self.second = b""
        return super().seek(offset, whence)


def test_a_file_that_changes_between_its_two_readings_is_refused(app, clock, small_batches):
    data = history_csv_bytes(20, seed=3)
    shorter = b"".join(data.splitlines(keepends=True)[:-3])

    with pytest.raises(HistoryRejected) as rejected:
        import_history(ChangingFile(data, shorter), file_name="history.csv", now=clock())
    db.session.rollback()  # as the command and the page do

    assert "the file changed while it was being imported" in str(rejected.value.problems[0])
    assert count(Loop) == count(Interview) == 0


def test_a_row_edited_between_the_two_readings_is_refused_before_it_is_used(
    app, clock, small_batches
):
    data = history_csv_bytes(20, seed=3)
    lines = data.splitlines(keepends=True)
    # The same number of rows, each still valid, one of them now naming someone new.
    lines[-1] = lines[-1].replace(b"@example.com", b"@example.net", 1)

    with pytest.raises(HistoryRejected) as rejected:
        import_history(ChangingFile(data, b"".join(lines)), file_name="history.csv", now=clock())
    db.session.rollback()

    assert f"line {len(lines)} reads differently" in str(rejected.value.problems[0])
    assert count(Loop) == count(Interview) == 0
