"""Read-only web pages and the decision as a form, for people without Slack.

Server-rendered with Jinja2 (autoescaping every value), no JavaScript, one small stylesheet
served from ``/static``. Each page calls what the JSON API calls: the search service, the
knowledge entries as ``/v1`` shapes them (``entry_data``), and ``bot.services.decisions`` over
the same state store, so a decision started here can be answered in Slack or over HTTP and
the other way round. None of these routes is in the OpenAPI document.

When API keys are configured the pages need one too: ``/login`` takes a key, checks it with
the API's own ``ApiKeys`` (same hashes, same rate limit) and keeps it in a cookie that scripts
cannot read (``HttpOnly``), that other sites' forms do not carry (``SameSite=Lax``) and that
travels only over TLS when the page is served over https (``Secure``). Every POST is also
checked for coming from this site (``Origin``, or ``Referer`` when a browser sends no Origin),
which is the CSRF defence; with no keys configured the pages are as open as ``/v1``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from bot.services.answering import search
from bot.services.decisions import Decisions, NotFinished
from bot.services.links import page_path
from bot.store import DecisionSession, SessionNotFound
from bot.web.charts import monthly_cost
from bot.web.deps import DecisionsDep, LibraryDep, MetricsDep, SettingsDep
from bot.web.models import ComparisonOut, PitfallOut
from bot.web.problems import ProblemError
from bot.web.routes.entries import entry_out
from bot.web.security import ApiKeys
from engine.adr import amount
from engine.answers import MAX_ANSWER_CHARS, shown
from engine.decision import Verdict
from engine.questions import BY_ID
from knowledge import MAX_QUESTION_CHARS, InvalidQuestion

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates
    from markdown_it import MarkdownIt

HERE = Path(__file__).parent
STATIC = HERE / "static"
COOKIE = "meshbot_key"
#: The most fields a page's form has; a body with more is not one of ours.
MAX_FORM_FIELDS = 8


@cache
def _commonmark() -> MarkdownIt:
    """CommonMark with raw HTML turned off: knowledge text is Markdown, never markup of its
    own. Made at the first page view, as are the templates (``_templates``)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown(text: str, below: int = 1) -> Markup:
    """Markdown as HTML whose headings sit under the page's level-``below`` heading, so a
    decision record's ``#`` never becomes a second ``h1`` and heading levels never skip."""
    parser = _commonmark()
    tokens = parser.parse(text)
    levels = sorted({int(t.tag[1]) for t in tokens if t.type == "heading_open"})
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, below + 1 + levels.index(int(token.tag[1])))}"
    return Markup(parser.renderer.render(tokens, parser.options, {}))


@cache
def _templates() -> Jinja2Templates:
    """The page templates and their filters, made at the first page view: loading Jinja2 and
    markdown-it costs a process about 50 ms of its start and 2.7 MB, which a service used
    only through ``/v1`` and Slack never needs."""
    from fastapi.templating import Jinja2Templates

    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["markdown"] = markdown
    templates.env.filters["shown"] = shown
    templates.env.filters["amount"] = amount
    # The same bounds the server enforces, so a browser stops the typing where it would.
    templates.env.globals["max_question"] = MAX_QUESTION_CHARS
    templates.env.globals["max_answer"] = MAX_ANSWER_CHARS
    return templates


class LoginNeeded(Exception):
    """A page was asked for without a valid key cookie while keys are on: go to /login."""

    def __init__(self, then: str) -> None:
        self.then = then


async def _visitor(request: Request) -> None:
    """Pages need the API key (from the cookie) exactly when ``/v1`` does."""
    keys: ApiKeys = request.app.state.keys
    if not keys.enabled:
        return
    then = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    key = request.cookies.get(COOKIE)
    if not key:
        raise LoginNeeded(then)
    try:
        await keys.check(key)
    except ProblemError as error:
        if error.kind != "unauthorized":
            raise  # rate-limited: the problem document says when to retry
        raise LoginNeeded(then) from error


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


async def _same_site(request: Request, settings: SettingsDep) -> None:
    """CSRF defence for forms: with keys on, a POST must come from a page of this site."""
    keys: ApiKeys = request.app.state.keys
    if not keys.enabled:
        return
    allowed = {_origin(str(request.base_url))}
    if settings.public_url:
        allowed.add(_origin(settings.public_url))
    sent = request.headers.get("origin") or _origin(request.headers.get("referer", ""))
    if sent.lower() not in allowed:
        raise ProblemError("cross-site-form", "this form must be sent from meshbot's own pages")


router = APIRouter(include_in_schema=False, dependencies=[Depends(_visitor)])
open_router = APIRouter(include_in_schema=False)  # /login must be reachable without a key
SameSite = Depends(_same_site)


def _page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return _templates().TemplateResponse(
        request, template, {"keys_on": request.app.state.keys.enabled, **context}, status
    )


def _not_found(request: Request, what: str) -> HTMLResponse:
    return _page(request, "not_found.html", 404, what=what)


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form body (already bounded by the body-size limit), one value per name."""
    body = (await request.body()).decode("utf-8", errors="replace")
    try:
        fields = parse_qs(body, max_num_fields=MAX_FORM_FIELDS)
    except ValueError as error:  # more fields than any of our forms has
        raise ProblemError("validation", "too many form fields") from error
    return {name: values[0] for name, values in fields.items()}


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _local(path: str | None) -> str:
    """Where to go after logging in: a path on this site only (no open redirect)."""
    if path and path.startswith("/") and not path.startswith(("//", "/\\")):
        return path
    return "/"


# --- knowledge ---------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
async def home(
    request: Request,
    library: LibraryDep,
    metrics: MetricsDep,
    q: Annotated[str | None, Query(max_length=MAX_QUESTION_CHARS)] = None,
) -> HTMLResponse:
    """Search, or (without ``q``) every runbook and comparison table."""
    answer, problem = None, None
    if q is not None and q.strip():
        try:
            answer = search(library.searcher, metrics, q)
        except InvalidQuestion as error:
            problem = str(error)
    return _page(
        request,
        "search.html",
        q=q or "",
        answer=answer,
        problem=problem,
        pitfalls=sorted(library.kb.pitfalls(), key=lambda p: p.code),
        comparisons=library.kb.comparisons(),
        links=_links(library.kb.entries),
    )


def _links(entries: dict[str, Any]) -> dict[str, str]:
    """The page of each entry that has one: runbooks and comparison tables."""
    paths = {k: page_path(v.kind, k) for k, v in entries.items()}
    return {k: path for k, path in paths.items() if path}


@router.get("/runbooks/{code}", response_class=HTMLResponse)
async def runbook(request: Request, code: str, library: LibraryDep) -> HTMLResponse:
    try:
        pitfall = entry_out(library, code.upper(), "pitfall", PitfallOut)
    except ProblemError:
        return _not_found(request, f"runbook {code}")
    return _page(request, "runbook.html", p=pitfall, now=_do_now(pitfall))


def _do_now(pitfall: PitfallOut) -> dict[str, Any]:
    """The card on top: the first fix step, with the config it needs (the first snippet)."""
    return {"step": pitfall.fix[0], "snippet": pitfall.config[0]}


@router.get("/comparisons/{comparison_id}", response_class=HTMLResponse)
async def comparison(request: Request, comparison_id: str, library: LibraryDep) -> HTMLResponse:
    try:
        table = entry_out(library, comparison_id, "comparison", ComparisonOut)
    except ProblemError:
        return _not_found(request, f"comparison {comparison_id}")
    return _page(request, "comparison.html", c=table)


# --- decisions ----------------------------------------------------------------------------


@router.get("/decisions/{decision_id}", response_class=HTMLResponse)
async def decision(request: Request, decision_id: str, decisions: DecisionsDep) -> Response:
    """A finished decision: verdict, reasons, the cost chart and the decision record."""
    try:
        session = await run_in_threadpool(decisions.get, decision_id)
        date = session.updated_at.date()
        _, verdict, record = await run_in_threadpool(decisions.record, decision_id, date)
    except SessionNotFound:
        return _not_found(request, f"decision {decision_id}")
    except NotFinished:
        return _see(f"/decide/{quote(decision_id)}")
    names = {plane: p.name for plane, p in decisions.rules.cost.profiles.items()}
    return _page(
        request,
        "decision.html",
        session=session,
        verdict=verdict,
        plane=names.get(verdict.plane or ""),
        chart=monthly_cost(verdict.estimate) if verdict.estimate else None,
        record=record,
        date=date,
        participants=_participants(session),
    )


def _participants(session: DecisionSession) -> list[str]:
    return sorted({session.started_by, *session.answered_by.values()})


@router.get("/decide", response_class=HTMLResponse)
async def decide_start_page(request: Request) -> HTMLResponse:
    return _page(request, "decide_start.html")


@router.post("/decide", dependencies=[SameSite])
async def decide_start(request: Request, decisions: DecisionsDep) -> Response:
    name = _name((await _form(request)).get("name"))
    session = await run_in_threadpool(decisions.start, None, name)
    return _see(f"/decide/{quote(session.id)}")


def _name(given: str | None) -> str:
    """Who answers, as recorded on the decision: what they typed, or 'web' (bounded)."""
    return " ".join((given or "").split())[:80] or "web"


@router.get("/decide/{decision_id}", response_class=HTMLResponse)
async def decide_step(
    request: Request, decision_id: str, decisions: DecisionsDep, name: str = ""
) -> Response:
    """The question being asked now; the URL resumes the decision from any browser."""
    try:
        session = await run_in_threadpool(decisions.get, decision_id)
    except SessionNotFound:
        return _not_found(request, f"decision {decision_id}")
    return _question_page(request, decisions, session, name=_name(name))


def _question_page(
    request: Request,
    decisions: Decisions,
    session: DecisionSession,
    status: int = 200,
    **context: Any,
) -> Response:
    step = decisions.step(session)
    if isinstance(step, Verdict):
        return _see(f"/decisions/{quote(session.id)}")
    answered = [(BY_ID[q], v) for q, v in session.answers.items() if q in BY_ID]
    return _page(
        request, "decide_step.html", status, session=session, q=step, answered=answered, **context
    )


@router.post("/decide/{decision_id}", dependencies=[SameSite])
async def decide_answer(request: Request, decision_id: str, decisions: DecisionsDep) -> Response:
    """Answer the open question (only that one, like a Slack thread); compare-and-set on the
    version the page showed, so two people on one decision cannot overwrite each other."""
    form = await _form(request)
    name = _name(form.get("name"))
    version = form.get("version", "")
    try:
        outcome = await run_in_threadpool(
            decisions.answer,
            decision_id,
            form.get("question_id", ""),
            form.get("answer", ""),
            name,
            int(version) if version.isdigit() else None,
            True,
        )
    except SessionNotFound:
        return _not_found(request, f"decision {decision_id}")
    if outcome.status == "unreadable":
        return _question_page(
            request,
            decisions,
            outcome.session,
            422,
            name=name,
            problem=outcome.problem,
            typed=form.get("answer", ""),
        )
    if outcome.status == "taken":
        who = outcome.answered_by or "someone else"
        notice = f"{who} answered first; here is where the decision stands now."
        return _question_page(request, decisions, outcome.session, 409, name=name, notice=notice)
    return _see(f"/decide/{quote(decision_id)}?name={quote(name)}")


# --- login -------------------------------------------------------------------------------


@open_router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, then: Annotated[str, Query(alias="next")] = "/") -> Response:
    return _page(request, "login.html", then=_local(then))


@open_router.post("/login", dependencies=[SameSite])
async def login(request: Request, settings: SettingsDep) -> Response:
    form = await _form(request)
    keys: ApiKeys = request.app.state.keys
    then = _local(form.get("next"))
    try:
        await keys.check(form.get("key", ""))
    except ProblemError as error:
        if error.kind != "unauthorized":
            raise
        return _page(request, "login.html", 401, then=then, problem="That key is not known.")
    response = _see(then)
    if keys.enabled:
        secure = request.url.scheme == "https" or (settings.public_url or "").startswith("https:")
        response.set_cookie(
            COOKIE, form["key"].strip(), httponly=True, samesite="lax", secure=secure, path="/"
        )
    return response


@open_router.post("/logout", dependencies=[SameSite])
async def logout() -> Response:
    response = _see("/login")
    response.delete_cookie(COOKIE, path="/")
    return response


def login_redirect(error: LoginNeeded) -> Response:
    return _see(f"/login?next={quote(error.then, safe='/')}")
