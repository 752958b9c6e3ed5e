"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import gc

# Start-up makes a great many objects that live as long as the process (modules, mappers, routes,
# schemas) and next to no garbage, so the collector's passes while it runs find nothing and cost
# a sixth of the time. Collect nothing until the app is built, then freeze what it built: later
# passes (during requests) no longer walk it.
collecting = gc.isenabled()
gc.disable()
try:
    from barraiser import create_app

    app = create_app()
    gc.freeze()
finally:
    if collecting:
        gc.enable()
