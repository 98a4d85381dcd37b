"""The web pages without a browser: what they show, what they escape, and how they are guarded
when API keys are on (login cookie, CSRF origin check, no open redirect)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.services.apikeys import new_key
from bot.settings import Settings
from bot.web.pages import markdown
from knowledge.library import Library
from tests.support.servers import serve

BASE = "http://testserver"


@pytest.fixture
def keyed(library: Library, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    key, hashed = new_key()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'p.sqlite'}",
        api_keys=hashed,
        public_url="https://meshbot.example.com",
    )
    with serve(settings, library) as client:
        yield client, key


def test_pages_are_html_and_not_in_the_openapi_document(client: TestClient) -> None:
    for path in ("/", "/runbooks/MESH-P002", "/comparisons/cmp.istio-vs-linkerd", "/decide"):
        page = client.get(path)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert '<html lang="en">' in page.text
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith(("/v1", "/healthz", "/readyz", "/metrics"))]


def test_the_runbook_page_opens_on_the_first_fix_step_and_its_config(client: TestClient) -> None:
    page = client.get("/runbooks/mesh-p002").text  # codes are case-blind, as in /v1
    card = page[page.index('class="card now"') : page.index("</section>")]
    assert "Stop the outage" in card
    assert "kind: PeerAuthentication" in card and "<pre><code" in card


def test_search_text_is_escaped_not_interpreted(client: TestClient) -> None:
    page = client.get("/", params={"q": '<script>alert("x")</script> mtls'}).text
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_knowledge_markdown_cannot_carry_raw_html() -> None:
    assert "<img" not in markdown('Hello <img src=x onerror="alert(1)">')


def test_markdown_headings_sit_under_the_pages_own_heading() -> None:
    html = markdown("# Title\n\n## Part\n\ntext", below=2)
    assert "<h3>Title</h3>" in html and "<h4>Part</h4>" in html and "<h1>" not in html


def test_unknown_pages_are_404_pages(client: TestClient) -> None:
    for path in ("/runbooks/MESH-P999", "/comparisons/nope", "/decide/nope", "/decisions/nope"):
        page = client.get(path)
        assert page.status_code == 404 and "Not found" in page.text


def test_an_unfinished_decision_page_sends_you_to_its_open_question(client: TestClient) -> None:
    started = client.post("/decide", data={"name": "Ada"}, follow_redirects=False)
    assert started.status_code == 303
    decision_id = started.headers["location"].rsplit("/", 1)[1]
    page = client.get(f"/decisions/{decision_id}", follow_redirects=False)
    assert page.headers["location"] == f"/decide/{decision_id}"


def test_a_form_answer_for_an_old_version_is_refused_and_shows_the_current_question(
    client: TestClient,
) -> None:
    location = client.post("/decide", data={}, follow_redirects=False).headers["location"]
    shown = re.search(r'name="version" value="(\d+)"', client.get(location).text)
    assert shown is not None
    first = {"question_id": "services", "version": shown[1], "answer": "40", "name": "Ada"}
    assert client.post(location, data=first, follow_redirects=False).status_code == 303
    late = client.post(location, data={**first, "name": "Bo"}, follow_redirects=False)
    assert late.status_code == 409
    assert "Ada answered first" in late.text
    assert 'name="question_id" value="teams"' in late.text


def test_pages_need_a_key_when_keys_are_on_and_the_login_sets_a_guarded_cookie(
    keyed: tuple[TestClient, str],
) -> None:
    client, key = keyed
    asked = client.get("/runbooks/MESH-P002?x=1", follow_redirects=False)
    assert asked.status_code == 303
    assert asked.headers["location"] == "/login?next=/runbooks/MESH-P002%3Fx%3D1"
    wrong = client.post("/login", data={"key": "mb_wrong", "next": "/"}, headers={"Origin": BASE})
    assert wrong.status_code == 401 and "not known" in wrong.text
    logged_in = client.post(
        "/login",
        data={"key": key, "next": "/runbooks/MESH-P002"},
        headers={"Origin": BASE},
        follow_redirects=False,
    )
    assert logged_in.headers["location"] == "/runbooks/MESH-P002"
    cookie = logged_in.headers["set-cookie"]
    assert re.search(r"meshbot_key=\S+;", cookie)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    assert client.get("/runbooks/MESH-P002").status_code == 200  # the cookie is sent back


def test_login_never_redirects_off_site(keyed: tuple[TestClient, str]) -> None:
    client, key = keyed
    for target in ("https://evil.example", "//evil.example", "/\\evil.example"):
        answer = client.post(
            "/login",
            data={"key": key, "next": target},
            headers={"Origin": BASE},
            follow_redirects=False,
        )
        assert answer.headers["location"] == "/"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Origin": "https://evil.example"}, {"Referer": "https://evil.example/page"}],
    ids=["no-origin", "foreign-origin", "foreign-referer"],
)
def test_a_form_post_from_another_site_is_refused_when_keys_are_on(
    keyed: tuple[TestClient, str], headers: dict[str, str]
) -> None:
    client, key = keyed
    client.cookies.set("meshbot_key", key)
    answer = client.post("/decide", data={"name": "x"}, headers=headers, follow_redirects=False)
    assert answer.status_code == 403
    assert answer.json()["type"] == "urn:meshbot:problem:cross-site-form"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": BASE},
        {"Referer": f"{BASE}/decide"},
        {"Origin": "https://meshbot.example.com"},  # behind a TLS proxy: the public URL
    ],
)
def test_a_form_post_from_this_site_is_accepted(
    keyed: tuple[TestClient, str], headers: dict[str, str]
) -> None:
    client, key = keyed
    client.cookies.set("meshbot_key", key)
    answer = client.post("/decide", data={"name": "x"}, headers=headers, follow_redirects=False)
    assert answer.status_code == 303


def test_the_stylesheet_is_served_by_the_app(client: TestClient) -> None:
    css = client.get("/static/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_slack_links_a_runbook_and_a_decision_to_their_pages_only_when_public_url_is_set(
    library: Library,
) -> None:
    import json

    from bot.services.links import page_url
    from bot.slack import messages
    from engine.decision import Verdict, next_step

    public = "https://meshbot.example.com/"
    assert page_url(public, "pitfall", "MESH-P002") == f"{public}runbooks/MESH-P002"
    assert page_url(public, "fact", "fact.x") is None  # facts have no page of their own
    assert page_url(None, "pitfall", "MESH-P002") is None

    hit = library.searcher.entry("MESH-P002")
    assert hit is not None
    linked = json.dumps(messages.entry(hit, page_url(public, hit.kind, hit.id)).payload())
    assert "https://meshbot.example.com/runbooks/MESH-P002|Open as a web page" in linked
    assert "Open as a web page" not in json.dumps(messages.entry(hit).payload())

    verdict = next_step({"services": 9, "teams": 1}, library.rules)
    assert isinstance(verdict, Verdict)
    page = page_url(public, "decision", "abc123")
    shown = json.dumps(messages.verdict("abc123", verdict, library.rules, page).payload())
    assert "https://meshbot.example.com/decisions/abc123|Open as a web page" in shown


def test_a_form_with_more_fields_than_any_of_ours_is_refused(client: TestClient) -> None:
    body = "&".join(f"f{n}=x" for n in range(50))
    answer = client.post(
        "/decide", content=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert answer.status_code == 422
