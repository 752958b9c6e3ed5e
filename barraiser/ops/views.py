"""`GET /healthz` for load balancers: 200 while the database answers, 503 when it does not.

No login and no session (nothing here reads `current_user` or writes the session, so no cookie
is set), never rate-limited (a balancer asks every few seconds from one address), and cheap: one
`SELECT 1` on a pooled connection, no ORM."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, jsonify

from ..extensions import db, limiter

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz() -> tuple[Response, int]:
    try:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except sa.exc.SQLAlchemyError as error:
        current_app.logger.warning("health check: the database does not answer: %s", error)
        answer, status = jsonify(status="unavailable", database="unreachable"), 503
    else:
        answer, status = jsonify(status="ok"), 200
    answer.headers["Cache-Control"] = "no-store"
    return answer, status
