"""The Greenhouse and Lever readers without a database: the documented tables, HTML answers as
text, and any JSON at all ends in loops or in the import's own problem list, never an exception."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from barraiser.domain import RATING_LABELS, Vote
from barraiser.history import greenhouse, lever
from barraiser.history.exports import Places, html_to_text, load_mapping, pointer
from barraiser.history.row import Problem
from barraiser.principles.catalog import DEFAULT_PRINCIPLES

SAMPLES = Path(__file__).parent / "samples"
CATALOG = [principle[0] for principle in DEFAULT_PRINCIPLES]
GREENHOUSE_MAPPING = (SAMPLES / "greenhouse-mapping.json").read_bytes()
LEVER_MAPPING = (SAMPLES / "lever-mapping.json").read_bytes()


@pytest.mark.parametrize(
    "recommendation, vote",
    [
        ("definitely_not", Vote.STRONG_NO_HIRE),
        ("no", Vote.INCLINED_NO_HIRE),
        ("yes", Vote.INCLINED_HIRE),
        ("strong_yes", Vote.STRONG_HIRE),
        ("no_decision", None),
        ("mixed", None),
    ],
)
def test_greenhouse_recommendations_map_to_votes(recommendation, vote):
    assert greenhouse.VOTES[recommendation] is vote


def test_the_greenhouse_tables_cover_greenhouse_s_scale_and_only_our_ratings():
    assert set(greenhouse.VOTES) == set(greenhouse.RATINGS)
    assert {r for r in greenhouse.RATINGS.values() if r is not None} == set(RATING_LABELS)


@pytest.mark.parametrize(
    "rating, ours",
    [
        ("definitely_not", 1),
        ("no", 2),
        ("mixed", None),
        ("yes", 3),
        ("strong_yes", 4),
        ("no_decision", None),
    ],
)
def test_greenhouse_attribute_ratings_map_to_our_scale(rating, ours):
    assert greenhouse.RATINGS[rating] == ours


@pytest.mark.parametrize(
    "value, score",
    [
        ("4 - Strong Hire", 4),
        ("3 - Hire", 3),
        ("2 - No Hire", 2),
        ("1 - Strong No Hire", 1),
        ("3", 3),
        (" 2 — No hire ", 2),
        (4, 4),
        (0, None),
        (5, None),
        ("5 - Beyond", None),
        ("34", None),
        ("Strong Hire", None),
        ("", None),
        (True, None),
        (3.0, None),
        (None, None),
    ],
)
def test_lever_scores_are_read_by_their_leading_digit(value, score):
    assert lever.score_of(value) == score


@pytest.mark.parametrize("digit, vote", sorted(lever.VOTES.items()))
def test_lever_score_digits_map_to_votes(digit, vote):
    assert lever.VOTES[digit] is vote and vote.score == digit


@pytest.mark.parametrize(
    "fragment, text",
    [
        ("<p>One.</p><p>Two &amp; three.</p>", "One.\n\nTwo & three."),
        ("Line<br>next<br/>last", "Line\nnext\nlast"),
        ("<ul><li>a</li><li>b</li></ul>", "a\n\nb"),
        ("<script>x</script>plain   spaced", "xplain spaced"),
        ("no markup", "no markup"),
        ("<b", "<b"),  # a broken tag is text, shown escaped like any text
    ],
)
def test_html_answers_become_text_with_their_paragraphs(fragment, text):
    assert html_to_text(fragment) == text


def test_pointers_escape_as_rfc_6901_says():
    assert pointer(3, "attributes", 1, "rating") == "/3/attributes/1/rating"
    assert pointer("a/b", "m~n") == "/a~1b/m~0n"


def _parse(parse, mapping: bytes, data: bytes) -> list[Problem]:
    parsed = parse(
        data, file="export.json", mapping_data=mapping, mapping_file="map.json", catalog=CATALOG
    )
    assert isinstance(parsed.problems, list)
    assert parsed.problems or parsed.loops
    assert all(problem.place for problem in parsed.problems)
    return parsed.problems


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["yes", "mixed", "3 - Hire", "2025-06-02T09:00:00Z", "9001", "11"]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
SCORECARD_KEYS = (
    "candidate_id",
    "application_id",
    "interviewed_at",
    "submitted_at",
    "interviewer",
    "overall_recommendation",
    "attributes",
    "questions",
)
SCORECARDS = st.lists(st.dictionaries(st.sampled_from(SCORECARD_KEYS), JSON), max_size=4)
FORM_KEYS = ("user", "interview", "createdAt", "completedAt", "deletedAt", "fields")
FORMS = st.dictionaries(
    st.sampled_from(["opp-7a1", "opp-7b2", "x"]),
    st.fixed_dictionaries(
        {"data": st.lists(st.dictionaries(st.sampled_from(FORM_KEYS), JSON), max_size=3)}
    )
    | JSON,
    max_size=3,
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(value=JSON | SCORECARDS)
def test_any_json_is_loops_or_problems_for_greenhouse(value):
    _parse(greenhouse.parse_greenhouse, GREENHOUSE_MAPPING, json.dumps(value).encode())


@FUZZ
@given(value=JSON | FORMS)
def test_any_json_is_loops_or_problems_for_lever(value):
    _parse(lever.parse_lever, LEVER_MAPPING, json.dumps(value).encode())


@FUZZ
@given(mapping=JSON, data=st.binary(max_size=64))
def test_any_mapping_and_any_bytes_are_problems_never_an_exception(mapping, data):
    for parse in (greenhouse.parse_greenhouse, lever.parse_lever):
        _parse(parse, json.dumps(mapping).encode(), data)


def test_the_good_samples_parse_without_a_problem():
    assert not _parse(
        greenhouse.parse_greenhouse,
        GREENHOUSE_MAPPING,
        (SAMPLES / "greenhouse-scorecards.json").read_bytes(),
    )
    assert not _parse(
        lever.parse_lever, LEVER_MAPPING, (SAMPLES / "lever-feedback.json").read_bytes()
    )


def test_the_mapping_example_in_the_format_document_reads_without_a_problem():
    document = (Path(__file__).resolve().parents[2] / "docs" / "import-format.md").read_text()
    example = document.split("```json\n", 1)[1].split("```", 1)[0]
    places = Places()

    mapping = load_mapping(example.encode(), "mapping.json", CATALOG, places)

    assert places.problems == []
    assert mapping.principles == {"customer focus": "Customer Obsession", "culture add": None}
    assert mapping.loops["69306314"].final_votes == {"4080": "inclined_hire"}
    assert mapping.loops["69306314"].shadows == {"4082"}
