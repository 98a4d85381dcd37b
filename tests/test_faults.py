"""Faults cost no data and no availability: the store going away mid-conversation, Slack
failing in every way, hostile input to the parsers, and secrets kept out of the logs."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import sqlite3
import threading
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.settings import Settings
from bot.store import DecisionSession, DecisionStore
from bot.web.app import create_app
from engine.answers import UnreadableAnswer
from engine.questions import QUESTIONS
from knowledge.library import Library
from tests.support.servers import serve
from tests.support.slack_harness import SECRET, TOKEN, Harness, harness


def _answer(client: TestClient, decision: str, question: str, value: object) -> int:
    response = client.post(
        f"/v1/decisions/{decision}/answers", json={"question_id": question, "value": value}
    )
    return response.status_code


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_connections_killed_mid_conversation_lose_nothing(
    library: Library, database_url: str
) -> None:
    with serve(Settings(database_url=database_url, api_keys=""), library) as client:
        decision = client.post("/v1/decisions").json()["id"]
        assert _answer(client, decision, "services", 40) == 200
        with psycopg.connect(database_url.split("?")[0], autocommit=True) as admin:
            admin.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity "
                "where pid <> pg_backend_pid() and datname = current_database()"
            )
        assert _answer(client, decision, "teams", 6) == 200  # the pool reconnects by itself
        assert client.get(f"/v1/decisions/{decision}").json()["answers"] == {
            "services": 40,
            "teams": 6,
        }
        assert client.get("/readyz").status_code == 200


def test_a_locked_sqlite_store_answers_503_then_recovers_with_every_answer(
    library: Library, tmp_path: Path
) -> None:
    path = tmp_path / "state.sqlite"
    config = Settings(database_url=f"sqlite:///{path}", api_keys="")
    store = DecisionStore(config.database_url, dt.timedelta(hours=1), connect_timeout_s=0.2)
    store.migrate()
    with TestClient(create_app(config, library, store)) as client:
        decision = client.post("/v1/decisions").json()["id"]
        assert _answer(client, decision, "services", 40) == 200
        holder = sqlite3.connect(path, check_same_thread=False)
        holder.execute("BEGIN EXCLUSIVE")  # another writer holds the database
        try:
            response = client.post(
                f"/v1/decisions/{decision}/answers", json={"question_id": "teams", "value": 6}
            )
            assert response.status_code == 503
            assert response.json()["type"] == "urn:meshbot:problem:store-unavailable"
            assert client.get("/readyz").status_code == 503
        finally:
            holder.rollback()
            holder.close()
        assert client.get("/readyz").status_code == 200
        assert _answer(client, decision, "teams", 6) == 200
        assert client.get(f"/v1/decisions/{decision}").json()["answers"] == {
            "services": 40,
            "teams": 6,
        }


def test_a_dropped_connection_to_slack_is_retried_and_posted_once(bot: Harness) -> None:
    bot.slack.drop_next("chat.postMessage")
    bot.command("should-we")
    bot.slack.wait_for("chat.postMessage", 2, timeout=10)
    assert len(bot.slack.calls_to("chat.postMessage")) == 2  # the root and the first question
    assert len(bot.slack.attempts_to("chat.postMessage")) == 3


def test_slack_answering_500_once_is_retried_and_posted_once(bot: Harness) -> None:
    bot.slack.fail_next("chat.postMessage", 500)
    bot.command("should-we")
    bot.slack.wait_for("chat.postMessage", 2, timeout=10)
    assert len(bot.slack.calls_to("chat.postMessage")) == 2


def test_a_decision_survives_slack_failing_to_post_the_next_question(bot: Harness) -> None:
    bot.command("should-we")
    root, _ = bot.posted(2)
    bot.slack.fail_next("chat.postMessage", 500, times=3)  # the next question cannot be posted
    bot.reply(root, "40 services")
    bot.slack.wait_for("chat.postEphemeral", timeout=15)  # the person is told
    bot.reply(root, "6 teams")  # the answer was kept: the thread goes on from the next question
    question = bot.posted(3)[-1]
    assert question.params["text"].startswith("3 of about")  # services and teams answered


def test_no_secret_reaches_any_log_line(
    library: Library, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG), harness(library, tmp_path) as running:
        running.command("pitfall 504 on exports")
        running.responded()
        running.slack.fail_next("chat.postMessage", 500, times=3)
        running.command("should-we")
        running.responded(2)  # the apology
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert caplog.records
    for secret in (TOKEN, SECRET):
        assert secret not in logged


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200), index=st.integers(0, len(QUESTIONS) - 1))
def test_any_text_is_read_as_an_answer_or_refused_with_a_reason(text: str, index: int) -> None:
    question = QUESTIONS[index]
    try:
        question.parse(text)
    except UnreadableAnswer as refused:
        assert "For example" in str(refused)


@settings(max_examples=200, deadline=None)
@given(value=st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.lists(st.text())))
def test_any_typed_value_is_read_or_refused_with_a_reason(value: object) -> None:
    for question in QUESTIONS:
        with contextlib.suppress(UnreadableAnswer):
            question.parse(value)


class _SignallingStore(DecisionStore):
    """Says when a decision starts being written, so a test can act while the write waits."""

    def __init__(self, url: str) -> None:
        super().__init__(url, dt.timedelta(hours=1), connect_timeout_s=60)
        self.writing = threading.Event()

    def create(self, scope: str | None, started_by: str) -> DecisionSession:
        self.writing.set()
        return super().create(scope, started_by)


def test_a_store_call_waiting_on_a_lock_does_not_hold_up_other_requests(
    library: Library, tmp_path: Path
) -> None:
    """Ordering, not timing: /healthz is answered while the store call is still blocked (store
    calls run in worker threads, never on the event loop)."""
    path = tmp_path / "state.sqlite"
    config = Settings(database_url=f"sqlite:///{path}", api_keys="")
    store = _SignallingStore(config.database_url)
    store.migrate()
    with TestClient(create_app(config, library, store)) as client:
        holder = sqlite3.connect(path, check_same_thread=False)
        holder.execute("BEGIN EXCLUSIVE")
        waiting = threading.Thread(target=lambda: client.post("/v1/decisions"))
        waiting.start()
        try:
            assert store.writing.wait(timeout=30)
            assert client.get("/healthz").status_code == 200
            assert waiting.is_alive()  # the write is still blocked behind the lock
        finally:
            holder.rollback()
            holder.close()
            waiting.join()
