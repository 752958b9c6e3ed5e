"""Panels that each break one rule, shared by the service tests and the web form tests.

Each case: (name, how to break the valid plan, the field the message goes to, words of the message).
"""

from __future__ import annotations

from dataclasses import replace


def _swap_bar_raiser(org, plan, person):
    plan = org.with_interview(plan, 0, interviewer_id=person.id)
    return replace(plan, bar_raiser_id=person.id)


BROKEN = [
    (
        "no bar raiser",
        lambda org, plan: replace(plan, bar_raiser_id=None),
        "bar_raiser_id",
        "Pick the loop's Bar Raiser",
    ),
    (
        "bar raiser not certified",
        lambda org, plan: _swap_bar_raiser(org, plan, org.uncertified),
        "bar_raiser_id",
        "Ulla Plain is not a certified Bar Raiser",
    ),
    (
        # A trainee may lead only under a certified shadow (reverse shadow), who holds the veto.
        "bar raiser is a trainee without a certified shadow",
        lambda org, plan: _swap_bar_raiser(org, plan, org.trainee),
        "shadow_id",
        "Tess Trainee is a Bar Raiser in training: they lead a loop only with a certified Bar "
        "Raiser as shadow",
    ),
    (
        "bar raiser is the hiring manager",
        lambda org, plan: replace(plan, hiring_manager_id=org.bar_raiser.id),
        "bar_raiser_id",
        "Bea Raiser is the hiring manager; the Bar Raiser must be someone else",
    ),
    (
        "bar raiser from the requisition's department",
        lambda org, plan: _swap_bar_raiser(org, plan, org.inside_bar_raiser),
        "bar_raiser_id",
        "Ines Inside works in Payments, the requisition's department; pick a Bar Raiser from "
        "outside Payments",
    ),
    (
        "bar raiser not on the panel",
        lambda org, plan: org.with_interview(plan, 0, interviewer_id=org.interviewers[3].id),
        "bar_raiser_id",
        "Bea Raiser must also hold an interview: add them to the panel",
    ),
    (
        "interviewer two levels below",
        lambda org, plan: org.with_interview(plan, 1, interviewer_id=org.junior.id),
        "interviews-1-interviewer_id",
        "Jo Junior is level 4; interviewers for this level-6 role must be level 5 or above",
    ),
    (
        "one person, two interviews",
        lambda org, plan: org.with_interview(plan, 2, interviewer_id=org.interviewers[0].id),
        "interviews-2-interviewer_id",
        "Panelist 1 already holds an interview on this loop",
    ),
    (
        "required principle not covered",
        lambda org, plan: org.with_interview(plan, 3, principle_ids=(org.spare[0].id,)),
        "interviews",
        "No interview covers {required3}, which the requisition requires",
    ),
    (
        "principle on two interviews",
        lambda org, plan: org.with_interview(
            plan, 2, principle_ids=(org.required[2].id, org.required[1].id)
        ),
        "interviews-2-principle_ids",
        "{required1} is already assigned to Panelist 1's interview",
    ),
    (
        "interview without principles",
        lambda org, plan: org.with_interview(plan, 1, principle_ids=()),
        "interviews-1-principle_ids",
        "Assign one to three principles to this interview",
    ),
    (
        "interview with four principles",
        lambda org, plan: org.with_interview(
            plan, 1, principle_ids=(org.required[1].id, *(p.id for p in org.spare[:3]))
        ),
        "interviews-1-principle_ids",
        "Assign at most three principles to this interview (it has 4)",
    ),
    (
        "no interviews at all",
        lambda org, plan: replace(plan, interviews=()),
        "interviews",
        "Add the panel's interviews",
    ),
    (
        "candidate in two interviews at once",
        lambda org, plan: org.with_interview(
            plan, 2, starts_at=org.slot(1) + (org.slot(1) - org.slot(0)) / 2
        ),
        "interviews-2-starts_at",
        "the candidate can be in one interview at a time",
    ),
    (
        "shadow who is not in training",
        lambda org, plan: replace(plan, shadow_id=org.uncertified.id),
        "shadow_id",
        "Ulla Plain is not a Bar Raiser in training; only a trainee can shadow",
    ),
    (
        "shadow who is also on the panel",
        lambda org, plan: replace(
            org.with_interview(plan, 1, interviewer_id=org.trainee.id), shadow_id=org.trainee.id
        ),
        "interviews-1-interviewer_id",
        "Tess Trainee already holds an interview on this loop",
    ),
    (
        "hiring manager without the role",
        lambda org, plan: replace(plan, hiring_manager_id=org.interviewers[3].id),
        "hiring_manager_id",
        "Panelist 4 is not a hiring manager",
    ),
    (
        "interview longer than a working day",
        lambda org, plan: org.with_interview(plan, 3, duration_minutes=600),
        "interviews-3-duration_minutes",
        "An interview lasts 1 to 480 minutes",
    ),
]
