"""The example deployment in deploy/ agrees with the app: the balancer's health check asks the
app's health endpoint and expects what it answers, the balancer sends traffic to the port the
web server binds, and the worker unit runs the worker and stops it the way it stops cleanly.
(deploy/check-haproxy.sh validates the file with HAProxy itself.)"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def _sections(text: str) -> dict[str, list[str]]:
    """HAProxy's sections ("backend barraiser" → its lines), comments dropped."""
    sections: dict[str, list[str]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not line[0].isspace():
            current = line.strip()
            sections[current] = []
        elif current is not None:
            sections[current].append(line.strip())
    return sections


def _unit(name: str) -> dict[str, str]:
    return dict(
        line.split("=", 1)
        for line in (DEPLOY / name).read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )


def _health_check(backend: list[str]) -> tuple[str, str, int]:
    (send,) = [line for line in backend if line.startswith("http-check send")]
    words = send.split()
    method, uri = words[words.index("meth") + 1], words[words.index("uri") + 1]
    (expect,) = [line for line in backend if line.startswith("http-check expect")]
    return method, uri, int(re.fullmatch(r"http-check expect status (\d+)", expect).group(1))


def test_the_balancers_health_check_is_the_apps(client):
    backend = _sections((DEPLOY / "haproxy.cfg").read_text())["backend barraiser"]
    assert "option httpchk" in backend
    method, uri, status = _health_check(backend)
    response = client.open(uri, method=method)  # no login, as the balancer asks
    assert response.status_code == status
    assert response.get_json() == {"status": "ok"}


def test_the_balancer_sends_traffic_to_the_port_gunicorn_binds():
    sections = _sections((DEPLOY / "haproxy.cfg").read_text())
    servers = [
        line.split()[2] for line in sections["backend barraiser"] if line.startswith("server")
    ]
    assert len(servers) >= 2
    command = shlex.split(_unit("barraiser-web.service")["ExecStart"])
    bind = command[command.index("--bind") + 1]
    assert {server.rsplit(":", 1)[1] for server in servers} == {bind.rsplit(":", 1)[1]}
    assert any("check" in line for line in sections["backend barraiser"] if "server" in line)


def test_the_balancer_forwards_what_the_app_trusts():
    frontend = _sections((DEPLOY / "haproxy.cfg").read_text())["frontend www"]
    assert "option forwardfor" in frontend
    assert any("X-Forwarded-Proto" in line for line in frontend)
    environment = dict(
        line.split("=", 1)
        for line in (DEPLOY / "env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert environment["TRUSTED_PROXIES"] == "1"
    assert environment["RATELIMIT_STORAGE_URI"].startswith("redis://")


def test_the_worker_unit_runs_the_worker_and_stops_it_with_sigterm(app):
    unit = _unit("barraiser-worker.service")
    command = shlex.split(unit["ExecStart"])
    assert command[1:4] == ["--app", "wsgi", "worker"]
    assert unit["KillSignal"] == "SIGTERM"
    assert "worker" in app.cli.commands
    interval = command[command.index("--interval") + 1]
    result = app.test_cli_runner().invoke(args=["worker", "--interval", interval, "--help"])
    assert result.exit_code == 0
