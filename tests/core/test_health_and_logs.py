"""Operations (issue 15): /healthz reports database, broker and workers; logs are JSON with a request id."""

from __future__ import annotations

import json
import logging
import socket

import pytest

from core.logging import JsonFormatter, RequestIdFilter, request_id_var


def test_healthz_in_the_embedded_set_up_is_ok_with_eager_tasks(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok" and body["broker"] == "eager" and body["status"] == "ok"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthz_fails_when_the_broker_is_down(client, db, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "error" and response.json()["status"] == "error"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379 (CI starts it)")
def test_healthz_with_a_live_broker_and_no_worker_is_degraded_but_serving(client, db, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["broker"] == "ok" and body["workers"] == 0 and body["status"] == "degraded"


def test_every_response_carries_a_request_id(client, db):
    first = client.get("/account/login/")
    assert len(first["X-Request-ID"]) == 32
    echoed = client.get("/account/login/", HTTP_X_REQUEST_ID="proxy-abc-12345")
    assert echoed["X-Request-ID"] == "proxy-abc-12345"
    refused = client.get("/account/login/", HTTP_X_REQUEST_ID="<script>x</script>")
    assert refused["X-Request-ID"] != "<script>x</script>"


def test_log_lines_are_json_with_the_request_id():
    record = logging.LogRecord(
        "fund", logging.WARNING, __file__, 1, "Boeking %s geweigerd", ("ZKIJ-1",), None
    )
    token = request_id_var.set("req-0001-abcd")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "Boeking ZKIJ-1 geweigerd"
    assert line["request_id"] == "req-0001-abcd" and line["level"] == "WARNING" and line["logger"] == "fund"


def test_production_logging_uses_the_json_formatter():
    import importlib
    import os

    env = {"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "example.org"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        production = importlib.import_module("config.settings.production")
        production = importlib.reload(production)
        assert production.LOGGING["handlers"]["console"]["formatter"] == "json"
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
