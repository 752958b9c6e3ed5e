"""The admins' import page: upload a history file (our CSV, a Greenhouse or Lever export with its
mapping), have the whole of it checked, see every problem with its place, and import it only
when there is none. The same service as `flask import-history`; importing a file again adds
nothing (its loops are skipped)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from .. import clock, policy
from ..extensions import db
from .forms import ImportForm
from .services import HistoryRejected, import_history

bp = Blueprint("history", __name__, url_prefix="/admin/import")
# The list of problems shown; the count says how many more there are.
SHOW_AT_MOST = 2000


def _page(form: ImportForm, status: int = 200, **context) -> ResponseReturnValue:
    return (
        render_template(
            "history/import.html",
            form=form,
            max_mb=current_app.config["HISTORY_UPLOAD_MAX_MB"],
            show_at_most=SHOW_AT_MOST,
            **context,
        ),
        status,
    )


def _too_large(form: ImportForm) -> ResponseReturnValue:
    limit = current_app.config["HISTORY_UPLOAD_MAX_MB"]
    refusal = (
        f"The upload is larger than {limit} MB, the most this page takes. Nothing was imported. "
        "Split the file, or import it on the server with `flask import-history`."
    )
    return _page(form, 413, refusal=refusal)


@bp.route("/", methods=["GET", "POST"])
@login_required
def upload() -> ResponseReturnValue:
    policy.require(policy.can_import_history(current_user), hide=True)
    limit = int(current_app.config["HISTORY_UPLOAD_MAX_MB"] * 1024 * 1024)
    if request.method == "POST":
        if request.content_length is not None and request.content_length > limit:
            return _too_large(ImportForm(formdata=None))
        request.max_content_length = limit
        try:
            request.files  # noqa: B018 - reads the body now, under the limit
        except RequestEntityTooLarge:
            return _too_large(ImportForm(formdata=None))
    form = ImportForm()
    if not form.is_submitted():
        return _page(form)
    if not form.validate():
        return _page(form, 400)
    upload, mapping = form.file.data, form.mapping.data
    has_mapping = bool(mapping and mapping.filename)
    only_check = bool(form.check.data)
    try:
        summary = import_history(
            # The upload's own file (in memory, or spooled to disk when large): a CSV is read
            # from it as a stream, never copied whole.
            upload.stream,
            file_name=upload.filename or "upload",
            now=clock.now(),
            source=form.source.data,
            mapping=mapping.read() if has_mapping else None,
            mapping_name=mapping.filename if has_mapping else "",
            actor=current_user,
        )
    except HistoryRejected as rejected:
        db.session.rollback()
        return _page(form, 422, problems=rejected.problems, file_name=upload.filename)
    if only_check:
        db.session.rollback()  # what it would do, counted by doing it: nothing is kept
    else:
        db.session.commit()
    return _page(
        ImportForm(formdata=None),
        summary=summary,
        checked_only=only_check,
        file_name=upload.filename,
    )
