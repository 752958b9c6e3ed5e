"""The debrief run by the Bar Raiser: final votes, the hiring manager's proposal, concur or veto."""
