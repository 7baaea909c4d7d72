"""A serving process freezes its warm heap once, after the configured number of requests; tests keep it off."""
from __future__ import annotations

from app import create_app, warm_heap
from app.extensions import db


class _RecordingGC:
    """Stands in for the ``gc`` module: the test process's own heap is left alone."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def collect(self) -> None:
        self.calls.append("collect")

    def freeze(self) -> None:
        self.calls.append("freeze")


def test_the_heap_is_frozen_once_after_the_configured_requests(app, monkeypatch):
    assert app.config["GC_FREEZE_AFTER_REQUESTS"] == 0  # the test apps never freeze
    recorder = _RecordingGC()
    monkeypatch.setattr(warm_heap, "gc", recorder)
    monkeypatch.setattr(warm_heap, "_served", 0)
    monkeypatch.setattr(warm_heap, "_frozen", False)
    serving = create_app({**app.config, "GC_FREEZE_AFTER_REQUESTS": 3})
    client = serving.test_client()
    try:
        for _ in range(2):
            assert client.get("/api/v1/health").status_code == 200
        assert recorder.calls == []
        client.get("/api/v1/health")
        assert recorder.calls == ["collect", "freeze"]  # garbage first, so only live objects are frozen
        for _ in range(3):
            client.get("/api/v1/health")
        assert recorder.calls == ["collect", "freeze"]  # once per process
    finally:
        with serving.app_context():
            db.engine.dispose()


def test_test_apps_never_freeze(app, client, monkeypatch):
    recorder = _RecordingGC()
    monkeypatch.setattr(warm_heap, "gc", recorder)
    monkeypatch.setattr(warm_heap, "_served", 0)
    monkeypatch.setattr(warm_heap, "_frozen", False)
    for _ in range(5):
        client.get("/api/v1/health")
    assert recorder.calls == []
