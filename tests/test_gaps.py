"""Learning from misses: unanswered questions and 👎 answers are kept without who asked, and
``meshbot kb gaps`` / ``GET /v1/gaps`` group them with what would have caught each."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.services.apikeys import new_key
from bot.settings import Settings
from bot.store import Database, Feedback
from knowledge.gaps import Miss, gaps, parse_since
from knowledge.library import Library
from tests.support.servers import serve

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def test_unanswered_questions_are_grouped_by_closest_entry_and_name_the_unknown_words(
    library: Library,
) -> None:
    found = gaps(
        [
            Miss("how to enable hubble ui in cilium", NOW, ["cilium"], "unanswered"),
            Miss("hubble relay not starting cilium", NOW, ["cilium"], "unanswered"),
            Miss("frobnicate the quux", NOW, [], "unanswered"),
        ],
        library.searcher,
    )
    first = found[0]
    assert (first.entry, first.unanswered, first.not_helpful) == ("cilium", 2, 0)
    assert "hubble" in first.unknown_words
    assert "'hubble'" in first.suggestion and "cilium" in first.suggestion
    assert found[1].entry is None and "new entry" in found[1].suggestion


def test_mostly_unhelpful_answers_suggest_checking_the_entry(library: Library) -> None:
    found = gaps([Miss("certs expired", NOW, ["MESH-P005"], "not helpful")], library.searcher)
    assert found[0].not_helpful == 1
    assert "not helpful" in found[0].suggestion


@pytest.mark.parametrize(("text", "days"), [("30d", 30), ("2w", 14), ("48h", 2)])
def test_since_reads_days_weeks_and_hours(text: str, days: int) -> None:
    assert parse_since(text) == dt.timedelta(days=days)


@pytest.mark.parametrize("text", ["", "30", "forever", "99999d", "-1d"])
def test_since_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match="--since"):
        parse_since(text)


def test_the_store_keeps_misses_and_downvotes_but_reports_no_user(database_url: str) -> None:
    database = Database(database_url)
    database.migrate()
    store = Feedback(database)
    store.record_miss("how to enable hubble ui", ["cilium", "thr.cilium-kernel"])
    store.record("MESH-P005", False, "certs expired", "slack:U123SECRET")
    store.record("MESH-P004", True, "504 on export", "slack:U456")
    rows = store.misses_since(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    database.dispose()
    assert {(q, why) for q, _, _, why in rows} == {
        ("how to enable hubble ui", "unanswered"),
        ("certs expired", "not helpful"),
    }
    assert "U123SECRET" not in repr(rows)


def test_an_unanswered_api_question_shows_up_in_v1_gaps_behind_the_api_key(
    library: Library, tmp_path: Path
) -> None:
    key, hashed = new_key()
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'gaps.sqlite'}", api_keys=hashed)
    auth = {"Authorization": f"Bearer {key}"}
    with serve(settings, library) as client:
        asked = client.post("/v1/ask", json={"question": "how to enable hubble ui"}, headers=auth)
        assert asked.json()["answered"] is False
        assert client.get("/v1/gaps").status_code == 401
        body = client.get("/v1/gaps", params={"since": "7d"}, headers=auth).json()
        assert body[0]["examples"] == ["how to enable hubble ui"]
        assert "hubble" in body[0]["unknown_words"]
        assert client.get("/v1/gaps", params={"since": "ever"}, headers=auth).status_code == 422


def test_kb_gaps_prints_the_groups_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    # The CLI reads the store DATABASE_URL points at (set per test by conftest).
    database = Database(Settings().database_url)
    database.migrate()
    Feedback(database).record_miss(
        "linkerd multicluster gateway setup steps", ["cmp.istio-vs-linkerd"]
    )
    database.dispose()
    assert main(["kb", "gaps", "--since", "1d", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report[0]["entry"] == "cmp.istio-vs-linkerd"
    assert main(["kb", "gaps", "--since", "soon"]) == 2
