"""Every slice's models, imported in one place so the metadata is complete for Alembic."""

from .api.models import ApiToken
from .audit.models import AuditEvent
from .auth.models import LoginSession, User, UserRole
from .calibration.models import ActionItem
from .candidates.models import Candidate
from .changes import ChangeCounter
from .debrief.models import FinalVote, HirePerformance, Proposal, Verdict
from .feedback.models import Addendum, Feedback, PrincipleRating
from .identity.models import ClaimRule, IdentityLink, ScimAccount, ScimToken
from .loops.models import Interview, InterviewPrinciple, Loop
from .outbox.models import OutboxMessage
from .principles.models import Principle
from .requisitions.models import Requisition
from .reviews.models import Anecdote, CommitteeMember, Decision, Review
from .settings.models import MechanismSetting
from .surveys.models import CandidateSurvey
from .training.models import MentorNote

__all__ = [
    "ActionItem",
    "Addendum",
    "Anecdote",
    "ApiToken",
    "AuditEvent",
    "Candidate",
    "CandidateSurvey",
    "ChangeCounter",
    "ClaimRule",
    "CommitteeMember",
    "Decision",
    "Feedback",
    "FinalVote",
    "HirePerformance",
    "IdentityLink",
    "Interview",
    "InterviewPrinciple",
    "LoginSession",
    "Loop",
    "MechanismSetting",
    "MentorNote",
    "OutboxMessage",
    "Principle",
    "PrincipleRating",
    "Proposal",
    "Requisition",
    "Review",
    "ScimAccount",
    "ScimToken",
    "User",
    "UserRole",
    "Verdict",
]
