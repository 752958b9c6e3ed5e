"""What the API reads and writes, as marshmallow schemas: they validate the input and document
every answer in the OpenAPI document."""

from __future__ import annotations

import marshmallow as ma

from ..calibration.models import ActionStatus
from ..domain import FeedbackState, LoopState, Outcome, Vote
from .http import ChangedArgs, Moment, Text, page_schema

F = ma.fields


class UserSchema(ma.Schema):
    id = F.Integer(required=True)
    email = F.String(required=True)
    name = F.String(required=True)
    department = F.String(required=True)
    level = F.Integer(required=True)
    active = F.Boolean(required=True)
    roles = F.Method("_roles", metadata={"type": "array", "items": {"type": "string"}})
    bar_raiser_status = F.Function(lambda user: user.bar_raiser_status.value)
    created_at = F.DateTime(required=True)

    def _roles(self, user) -> list[str]:
        return sorted(role.value for role in user.roles)


class PrincipleSchema(ma.Schema):
    id = F.Integer(required=True)
    name = F.String(required=True)


class RequisitionSchema(ma.Schema):
    id = F.Integer(required=True)
    title = F.String(required=True)
    level = F.Integer(required=True)
    department = F.String(required=True)
    hiring_manager_id = F.Integer(required=True)
    status = F.Function(lambda row: row.status.value)
    required_principles = F.List(F.Nested(PrincipleSchema))
    created_at = F.DateTime(required=True)


class CandidateSchema(ma.Schema):
    id = F.Integer(required=True)
    name = F.String(required=True)
    email = F.String(allow_none=True)
    source = F.String(required=True)
    created_at = F.DateTime(required=True)
    erased = F.Function(lambda row: row.erased_at is not None)


class InterviewSchema(ma.Schema):
    id = F.Integer(required=True)
    loop_id = F.Integer(required=True)
    interviewer_id = F.Integer(required=True)
    starts_at = F.DateTime(required=True)
    duration_minutes = F.Integer(required=True)
    is_shadow = F.Boolean(required=True)
    principles = F.Method("_principles", metadata={"type": "array", "items": {"type": "object"}})

    def _principles(self, interview) -> list[dict]:
        return [{"id": a.principle.id, "name": a.principle.name} for a in interview.assignments]


class LoopSchema(ma.Schema):
    """A loop, its panel and principles: never a vote, a rating or feedback text."""

    id = F.Integer(required=True)
    candidate_id = F.Integer(required=True)
    requisition_id = F.Integer(required=True)
    hiring_manager_id = F.Integer(required=True)
    bar_raiser_id = F.Integer(required=True)
    state = F.Enum(LoopState, by_value=True, required=True)
    version = F.Integer(required=True)
    created_at = F.DateTime(required=True)
    first_interview_at = F.DateTime(allow_none=True)
    debrief_opened_at = F.DateTime(allow_none=True)
    decided_at = F.DateTime(allow_none=True)
    outcome = F.Enum(Outcome, by_value=True, allow_none=True)
    vetoed = F.Boolean(required=True)
    panel = F.List(F.Nested(InterviewSchema), attribute="interviews")


class RatingSchema(ma.Schema):
    principle_id = F.Integer(required=True)
    rating = F.Integer(allow_none=True, validate=ma.validate.Range(min=1, max=4))
    evidence = Text(load_default="", validate=ma.validate.Length(max=20_000))


class FeedbackSchema(ma.Schema):
    id = F.Integer(allow_none=True, metadata={"description": "None: nothing saved yet"})
    interview_id = F.Integer(required=True)
    author_id = F.Integer(required=True)
    state = F.Enum(FeedbackState, by_value=True, required=True)
    vote = F.Enum(Vote, by_value=True, allow_none=True)
    raises_bar = F.Boolean(allow_none=True)
    summary = F.String(required=True)
    ratings = F.List(F.Nested(RatingSchema))
    submitted_at = F.DateTime(allow_none=True)
    updated_at = F.DateTime(allow_none=True)
    is_late = F.Boolean(required=True)
    version = F.Integer(required=True, metadata={"description": "The ETag; 0 before any save"})


class FeedbackInput(ma.Schema):
    """A draft may leave anything empty; submitting checks completeness (422 with `fields`)."""

    ratings = F.List(F.Nested(RatingSchema), load_default=list, validate=ma.validate.Length(max=20))
    vote = F.Enum(Vote, by_value=True, load_default=None, allow_none=True)
    raises_bar = F.Boolean(load_default=None, allow_none=True)
    summary = Text(load_default="", validate=ma.validate.Length(max=20_000))


class OpenDebriefInput(ma.Schema):
    reason = Text(load_default="", validate=ma.validate.Length(max=5_000))


class FinalVoteInput(ma.Schema):
    vote = F.Enum(Vote, by_value=True, required=True)


class ProposalInput(ma.Schema):
    decision = F.Enum(Outcome, by_value=True, required=True)
    rationale = Text(required=True, validate=ma.validate.Length(max=5_000))
    # Required while final votes are still missing (the same rule as the debrief page's).
    early_reason = Text(load_default="", validate=ma.validate.Length(max=5_000))


class ConcurInput(ma.Schema):
    rationale = Text(load_default="", validate=ma.validate.Length(max=5_000))


class VetoInput(ma.Schema):
    rationale = Text(required=True, validate=ma.validate.Length(max=5_000))
    principle_ids = F.List(
        F.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1)),
        required=True,
        validate=ma.validate.Length(max=50),
    )


class DoneSchema(ma.Schema):
    loop = F.Nested(LoopSchema, required=True)


class ActionItemSchema(ma.Schema):
    id = F.Integer(required=True)
    subject_id = F.Integer(required=True)
    owner_id = F.Integer(required=True)
    reason = F.String(required=True)
    notes = F.String(required=True)
    due_on = F.Date(required=True)
    status = F.Enum(ActionStatus, by_value=True, required=True)
    created_at = F.DateTime(required=True)
    updated_at = F.DateTime(required=True)
    closed_at = F.DateTime(allow_none=True)
    version = F.Integer(required=True)


class ActionItemInput(ma.Schema):
    """A new action item: about an interviewer, free (a `reason` of your own) or from the
    report's flag on them (`from_flag`: the flag's sentence is the reason)."""

    interviewer_id = F.Integer(required=True, validate=ma.validate.Range(min=1, max=2**31 - 1))
    from_flag = F.Boolean(load_default=False)
    reason = Text(load_default="", validate=ma.validate.Length(max=2_000))
    owner_id = F.Integer(required=True, validate=ma.validate.Range(min=1, max=2**31 - 1))
    due_on = F.Date(required=True)
    notes = Text(load_default="", validate=ma.validate.Length(max=5_000))


class ActionItemUpdate(ma.Schema):
    """What may change: status (by the status table), owner, due date, notes. Left out: as is."""

    status = F.Enum(ActionStatus, by_value=True, load_default=None)
    owner_id = F.Integer(load_default=None, validate=ma.validate.Range(min=1, max=2**31 - 1))
    due_on = F.Date(load_default=None)
    notes = Text(load_default=None, validate=ma.validate.Length(max=5_000))


ID = F.Integer(required=True, validate=ma.validate.Range(min=1, max=2**31 - 1))


class InterviewInput(ma.Schema):
    interviewer_id = ID
    starts_at = Moment(required=True)
    duration_minutes = F.Integer(load_default=60, validate=ma.validate.Range(min=1, max=10_000))
    principle_ids = F.List(
        F.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1)),
        required=True,
        validate=ma.validate.Length(max=20),
    )


class PanelInput(ma.Schema):
    """The panel: the Bar Raiser, the interviews (the Bar Raiser's among them), an optional
    shadow (sits in the Bar Raiser's interview) and hiring manager (default: the
    requisition's). The same rules as the loop page's, all checked, each problem named."""

    bar_raiser_id = ID
    hiring_manager_id = F.Integer(
        load_default=None, allow_none=True, validate=ma.validate.Range(min=1, max=2**31 - 1)
    )
    shadow_id = F.Integer(
        load_default=None, allow_none=True, validate=ma.validate.Range(min=1, max=2**31 - 1)
    )
    interviews = F.List(
        F.Nested(InterviewInput), required=True, validate=ma.validate.Length(min=1, max=12)
    )


class LoopInput(PanelInput):
    candidate_id = ID
    requisition_id = ID


class CancelInput(ma.Schema):
    reason = Text(required=True, validate=ma.validate.Length(min=1, max=2_000))


class ReportArgs(ma.Schema):
    since = F.Date(load_default=None)
    until = F.Date(load_default=None)
    department = Text(load_default=None)
    requisition = F.Integer(load_default=None)


class ReportSchema(ma.Schema):
    """The calibration report: the same JSON as /calibration/report.json (see README); its
    other sections (adoption, agreement, outcomes...) are documented there."""

    class Meta:
        unknown = ma.INCLUDE  # documented as open: additionalProperties

    filters = F.Dict(required=True)
    generated_at = F.String(required=True)
    interviewers = F.List(F.Dict(), required=True)
    principles = F.List(F.Dict(), required=True)
    bar_raisers = F.List(F.Dict(), required=True)


class LoopArgs(ChangedArgs):
    state = F.Enum(LoopState, by_value=True, load_default=None)


UserPage = page_schema(UserSchema, "UserPage")
RequisitionPage = page_schema(RequisitionSchema, "RequisitionPage")
CandidatePage = page_schema(CandidateSchema, "CandidatePage")
LoopPage = page_schema(LoopSchema, "LoopPage")
FeedbackList = ma.Schema.from_dict(
    {"items": F.List(F.Nested(FeedbackSchema), required=True)}, name="FeedbackList"
)
ActionItemPage = page_schema(ActionItemSchema, "ActionItemPage")
