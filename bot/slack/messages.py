"""The bot's messages, one builder each: answers, runbooks, questions, verdicts, costs, help.

Knowledge text arrives as Markdown and leaves as mrkdwn; anything a user typed is escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextActionsBlock,
    FeedbackButtonObject,
    FeedbackButtonsElement,
)

from bot.slack import charts
from bot.slack.blocks import (
    CONTEXT_CHUNK,
    MAX_BLOCKS,
    SECTION_CHUNK,
    Message,
    actions,
    button,
    confirm,
    context,
    cut,
    divider,
    fields,
    header,
    long_text,
    multi_select,
    section,
    single_select,
    table,
)
from bot.slack.ids import ActionId
from bot.slack.mrkdwn import escape, from_markdown
from bot.slack.payloads import (
    AnswerPayload,
    DecisionRef,
    Empty,
    EntryRef,
    FeedbackPayload,
    encode,
)
from engine.adr import amount, in_words, proxies, span
from engine.answers import Question, Value
from engine.cost import Estimate, PlaneEstimate
from engine.decision import DecisionRules, Verdict
from knowledge import Answer, Comparison, Hit, Pitfall, Report, counts, folded, worst_first

MAX_FINDINGS = 20  # two blocks each, inside Slack's 50
#: The incident card fits one screen (about 15 lines): the first fix step is cut near this many
#: characters (three lines or so) and its config to this many lines; the rest is one click away.
CARD_STEP_CHARS = 180
CARD_CONFIG_LINES = 3
CARD_LINE_CHARS = 80  # a line of the card, so that none wraps in a channel of usual width
CARD_OTHER_MATCHES = 2
#: Severity in words first, so it reads without colour (and in a screen reader).
SEVERITY = {
    "critical": "🔴 Critical",
    "high": "🟠 High",
    "medium": "🟡 Medium",
    "low": "🔵 Low",
    "error": "🔴 Error",
    "warning": "🟠 Warning",
    "note": "🔵 Note",
}
FEEDBACK_QUESTION_CHARS = 200  # the question a feedback button carries back, in its value
SUBCOMMANDS = {
    "should-we": "walk the decision, as a thread the team answers together",
    "pitfall": "the fix and config for a symptom or a code (`/mesh pitfall 503 after strict mtls`)",
    "ask": "answer a question from the knowledge base",
    "compare": "a comparison table (`/mesh compare istio linkerd`)",
    "cost": "what each data plane costs (`/mesh cost pods=200 rps=1000 hops=8`)",
    "scan": "find mesh pitfalls in pasted Kubernetes YAML (`/mesh scan` then the YAML)",
    "help": "this help",
}


#: Round numbers and common kernels to pick from; a typed reply can always be exact.
PRESETS = {
    "integer": [str(n) for n in (*range(1, 11), 12, 15, 20, 25, 30, 40, 50, 75, 100, 200, 500)],
    "kernel-version": ["4.14", "4.19", "5.4", "5.10", "5.15", "6.1", "6.6", "6.8"],
}


def _sources(hit: Hit) -> str:
    links = [
        f"<{s['url']}|{escape(str(s['title']))}>" if s.get("url") else escape(str(s["title"]))
        for s in hit.sources
    ]
    return "Sources: " + " · ".join(links) if links else "Source: the knowledge base"


def _page(page: str | None) -> list[Block]:
    """A link to the web page of what the message shows, when there is one."""
    return [context(f"<{page}|Open as a web page>")] if page else []


def entry_button(label: str, n: int, entry_id: str) -> ButtonElement:
    """The n-th button of a message that shows a knowledge entry (a runbook, a table)."""
    return button(label, ActionId.SHOW_ENTRY.at(n), encode(EntryRef(entry=entry_id)))


def answer(result: Answer, asked_by: str, page: str | None = None) -> Message:
    """The best match in full, its sources, buttons for the other matches and feedback;
    ``page`` is the best match's web page, when it has one."""
    if not result.answered:
        return not_answered(result)
    if result.ambiguous:
        return possible_runbooks(result)
    best, others = result.results[0], result.results[1:]
    asked = result.question[:FEEDBACK_QUESTION_CHARS]
    blocks: list[Block] = [
        section(escape(result.summary)),
        section(f"*{escape(best.title)}*  _(confidence {best.score:.2f})_"),
        *long_text(from_markdown(best.answer), more=best.id),
        context(_sources(best)),
        *_page(page),
    ]
    if others:
        blocks.append(context("Other matches:"))
        blocks.append(actions(*(entry_button(o.title, i, o.id) for i, o in enumerate(others[:4]))))
    blocks.append(_feedback(best.id, asked))
    return Message(f"{best.title} — asked by {asked_by}", blocks)


def _feedback(entry_id: str, asked: str) -> Block:
    """Slack's own feedback buttons: a person's later click replaces their earlier vote."""

    def vote(text: str, helpful: bool, said: str) -> FeedbackButtonObject:
        value = encode(FeedbackPayload(entry=entry_id, helpful=helpful, question=asked))
        return FeedbackButtonObject(text=text, value=value, accessibility_label=said)

    return ContextActionsBlock(
        elements=[
            FeedbackButtonsElement(
                action_id=ActionId.FEEDBACK,
                positive_button=vote("👍", True, "This answer helped"),
                negative_button=vote("👎", False, "This answer did not help"),
            )
        ]
    )


def incident_card(
    pitfall: Pitfall, result: Answer, asked_by: str, page: str | None = None
) -> Message:
    """What an on-call engineer needs first, on one screen: which pitfall, how bad, what it
    affects, the first fix step with its command or config, and who asked. The full runbook
    (posted in the thread, or its web ``page`` when there is one) and the other matches are
    one click away."""
    best, others = result.results[0], result.results[1:]
    step = cut(" ".join(pitfall.fix[0].split()), CARD_STEP_CHARS)
    snippet = pitfall.config[0]
    lines = snippet.content.strip("\n").splitlines()
    more = " …" if len(lines) > CARD_CONFIG_LINES else ""  # the rest is in the runbook
    shown = escape("\n".join(cut(line, CARD_LINE_CHARS) for line in lines[:CARD_CONFIG_LINES]))
    shown += more
    snippet_title = f"_{escape(cut(snippet.title, CARD_LINE_CHARS))}_"
    affects = ", ".join(dict.fromkeys(a.mesh for a in pitfall.affects))
    linked = f" · <{page}|the runbook as a web page>" if page else ""
    others_shown = [o for o in others if o.id != pitfall.code][:CARD_OTHER_MATCHES]
    buttons = [
        entry_button("Full runbook in the thread", 0, pitfall.code),
        *(entry_button(f"Also: {o.title}", i, o.id) for i, o in enumerate(others_shown, 1)),
    ]
    blocks: list[Block] = [
        header(pitfall.title),
        fields(
            [
                f"*Code · severity*\n`{pitfall.code}` · {SEVERITY[pitfall.severity]}",
                f"*Affects*\n{escape(affects)}",
            ]
        ),
        section(f"*Do this now*\n{from_markdown(step)}\n{snippet_title}\n```\n{shown}\n```"),
        actions(*buttons),
        context(f"Asked by {asked_by}{linked} · confidence {best.score:.2f} · {_sources(best)}"),
        _feedback(pitfall.code, result.question[:FEEDBACK_QUESTION_CHARS]),
    ]
    return Message(f"{pitfall.code}: {pitfall.title} — asked by {asked_by}", blocks)


def entry(hit: Hit, page: str | None = None) -> Message:
    """One entry in full, as "Show" on another match posts it."""
    blocks = [
        section(f"*{escape(hit.title)}*"),
        *long_text(from_markdown(hit.answer), more=hit.id),
        context(_sources(hit)),
        *_page(page),
    ]
    return Message(hit.title, blocks)


def rest_of(hit: Hit, part: int) -> Message:
    """The part of a long answer that did not fit, from the section ``part`` on."""
    from bot.slack.blocks import chunks

    rest = "\n\n".join(chunks(from_markdown(hit.answer))[part:])
    return Message(f"{hit.title} (continued)", long_text(rest, more=None))


def possible_runbooks(result: Answer) -> Message:
    """A generic error: the runbooks it could mean, none shown as the answer."""
    blocks: list[Block] = [
        section(escape(result.summary)),
        actions(*(entry_button(hit.title, i, hit.id) for i, hit in enumerate(result.results[:5]))),
    ]
    return Message(f"Several runbooks fit: {escape(result.question)}", blocks)


def not_answered(result: Answer) -> Message:
    lines = [escape(result.summary)]
    if result.suggestions:
        lines.append("The closest topics I know:")
    blocks: list[Block] = [section("\n".join(lines))]
    if result.suggestions:
        blocks.append(
            actions(*(entry_button(s.title, i, s.id) for i, s in enumerate(result.suggestions[:5])))
        )
    blocks.append(context("Try `/mesh help`, a symptom (`/mesh pitfall crashloop`), or rephrase."))
    return Message(f"No confident answer to: {escape(result.question)}", blocks)


def help_text(did_you_mean: str | None = None, unknown: str | None = None) -> Message:
    lines = []
    if unknown is not None:
        suggestion = f" Did you mean `{did_you_mean}`?" if did_you_mean else ""
        lines.append(f"I don't know the command `{escape(unknown)}`.{suggestion}")
    lines.append("*`/mesh` commands*")
    lines += [f"• `/mesh {name}` — {what}" for name, what in SUBCOMMANDS.items()]
    lines.append("• `/mesh <question>` — the same as `ask`")
    lines.append("You can also @mention me or send me a direct message with a question.")
    return Message(
        "meshbot help: /mesh should-we, pitfall, ask, compare, cost", [section("\n".join(lines))]
    )


def root(started_by: str) -> Message:
    return Message(
        "Should we adopt a service mesh?",
        [
            header("Should we adopt a service mesh?"),
            section(
                f"Started by <@{started_by}>. I'll ask the article's decision questions in this "
                "thread, one at a time; anyone here can answer with the buttons or by replying "
                "in the thread."
            ),
        ],
    )


def question(session: str, q: Question, version: int, number: int, about: int) -> Message:
    """One question, with where it stands ("3 of about 9": later answers can skip some)."""

    def answering(reply: Value) -> str:
        return encode(AnswerPayload(session=session, question=q.id, value=reply, version=version))

    progress = f"{number} of about {max(about, number)}"
    blocks: list[Block] = [section(f"*{progress}: {escape(q.prompt)}*\n_{escape(q.help)}_")]
    if q.type == "yes-no":
        blocks.append(
            actions(
                button("Yes", ActionId.ANSWER.at("yes"), answering(True)),
                button("No", ActionId.ANSWER.at("no"), answering(False)),
            )
        )
    elif q.type == "one-of":
        blocks.append(
            actions(
                *(
                    button(c.label, ActionId.ANSWER.at(i), answering(c.value))
                    for i, c in enumerate(q.choices)
                )
            )
        )
    elif q.type == "many-of":
        blocks.append(
            actions(
                multi_select(ActionId.PICK.at(q.id), [(c.value, c.label) for c in q.choices]),
                button("Done", ActionId.ANSWER_MANY, answering(None), "primary"),
                button("None of these", ActionId.ANSWER.at("none"), answering([])),
            )
        )
    elif q.type in PRESETS:
        options = [(answering(p), p) for p in PRESETS[q.type]]
        blocks.append(actions(single_select(ActionId.ANSWER_PICK, "Pick the nearest", options)))
    if q.optional:
        blocks.append(actions(button("Skip", ActionId.ANSWER.at("skip"), answering(None))))
    blocks.append(context(f"Or reply in this thread, for example: _{escape(q.example)}_"))
    form = encode(DecisionRef(session=session))
    blocks.append(actions(button("Answer all in a form", ActionId.ANSWER_FORM, form)))
    return Message(f"{progress}: {q.prompt}", blocks)


def answered(session: str, q: Question, answer: Value, by: str) -> Message:
    """An answered question collapses to one line, with "Change" beside it."""
    said = q.in_words(answer, "skipped")
    line = f"✅ {escape(q.prompt)} *{escape(said)}* — <@{by}>"
    block = section(line[:SECTION_CHUNK])
    block.accessory = button(
        "Change", ActionId.CHANGE, encode(DecisionRef(session=session, question=q.id))
    )
    return Message(f"{q.prompt} — {said} (by {by})", [block])


def answered_in_form(session: str, given: Sequence[tuple[Question, Value]], by: str) -> Message:
    """Answers given at once in a form, one collapsed line each as the thread shows them."""
    blocks = [answered(session, q, value, by).blocks[0] for q, value in given[: MAX_BLOCKS - 1]]
    heading = context(f"<@{by}> answered {len(given)} more in a form:")
    return Message(f"{len(given)} answers from a form (by {by})", [heading, *blocks])


#: The verdict's headline in plain words, as a team would repeat it.
HEADLINES = {
    "mesh": "Adopt a mesh: start with {plane}",
    "borderline": "Not yet: a mesh is borderline — cover the gaps without one for now",
    "no-mesh": "Not yet: here is what to do instead",
}
MAIN_REASONS = 4


def headline(v: Verdict, rules: DecisionRules) -> str:
    names = {plane: profile.name for plane, profile in rules.cost.profiles.items()}
    return HEADLINES[v.verdict].format(plane=names[v.plane] if v.plane else "")


def _when(moment: dt.datetime) -> str:
    """A time each reader sees in their own time zone, with a UTC fallback."""
    fallback = moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def verdict(
    session: str,
    v: Verdict,
    rules: DecisionRules,
    people: Sequence[str],
    when: dt.datetime,
    instead: Sequence[tuple[str, str]] = (),
    page: str | None = None,
) -> Message:
    """The verdict as a team would share it: a headline in words, criteria and anti-patterns by
    name, the main reasons, what to do instead of a mesh, the monthly cost, who and when."""
    title = headline(v, rules)
    met = ", ".join(rules.named(c) for c in v.criteria_met) or "none"
    criteria = (
        f"*{v.criteria_count} of {v.criteria_total} criteria met* "
        f"({v.criteria_needed} or more justify a mesh): {escape(met)}"
    )
    if v.anti_patterns:
        criteria += "\n*Anti-patterns:* " + escape(
            ", ".join(rules.named(a) for a in v.anti_patterns)
        )
    reasons = "\n".join(f"• {escape(in_words(r.text))}" for r in v.reasons[:MAIN_REASONS])
    blocks: list[Block] = [
        header(title),
        section(criteria[:SECTION_CHUNK]),
        section(f"*Main reasons*\n{reasons}"[:SECTION_CHUNK]),
    ]
    if v.plane is None and instead:
        tools = "\n".join(f"• *{escape(what)}*: {escape(use)}" for what, use in instead)
        blocks.append(section(f"*What to do instead*\n{tools}"[:SECTION_CHUNK]))
    if v.alternatives:
        blocks.append(
            section(
                "*Other planes considered*\n"
                + "\n".join(f"• *{a.name}*: {escape(a.reason.text)}" for a in v.alternatives)
            )
        )
    if v.first_steps:
        steps = "\n".join(f"{n}. {escape(in_words(s))}" for n, s in enumerate(v.first_steps, 1))
        blocks.append(section(f"*Prepare for these pitfalls first*\n{steps}"[:SECTION_CHUNK]))
    if v.estimate is not None:
        blocks += cost_blocks(v.estimate)
    who = ", ".join(f"<@{p}>" for p in people) or "nobody yet"
    blocks.append(context(f"Decided by {who} · {_when(when)}"))
    sources = sorted({s for r in v.reasons for s in r.sources})
    blocks.append(
        context("Sources: " + ", ".join(escape(rules.source_titles.get(s, s)) for s in sources))
    )
    blocks += _page(page)
    decision = encode(DecisionRef(session=session))
    blocks.append(
        actions(
            button("Post decision record", ActionId.POST_RECORD, decision, "primary"),
            button("Share summary to channel", ActionId.SHARE_SUMMARY, decision),
            button(
                "Start over",
                ActionId.START_OVER,
                decision,
                confirm=confirm(
                    "Start over?", "Every answer in this thread is cleared.", "Start over"
                ),
            ),
        )
    )
    return Message(title, blocks)


def outcome_root(started_by: str, v: Verdict, rules: DecisionRules) -> Message:
    """The thread's root message once decided: the outcome where the channel sees it."""
    title = headline(v, rules)
    return Message(
        f"Should we adopt a service mesh? {title}",
        [
            header("Should we adopt a service mesh?"),
            section(
                f"*Outcome: {escape(title)}*\nStarted by <@{started_by}>; details in the thread."
            ),
        ],
    )


def summary(v: Verdict, rules: DecisionRules, thread_link: str) -> Message:
    title = headline(v, rules)
    text = (
        f"*Service mesh decision: {escape(title)}* — {v.criteria_count} of "
        f"{v.criteria_total} criteria met. <{thread_link}|See the thread>."
    )
    return Message(f"Service mesh decision: {title}", [section(text)])


def control_plane_lines(estimate: Estimate) -> list[str]:
    """One line per control plane, shared ones once (istiod serves both Istio modes), and a
    control plane whose chart requests nothing said so rather than shown as "0 MB"."""
    names = {p.plane: p.name for p in estimate.planes}
    shared: dict[tuple[str, float, float, float], list[str]] = {}
    for c in estimate.control_plane:
        key = (c.name, c.memory_mb, c.cpu_vcpu, c.monthly_usd)
        shared.setdefault(key, []).append(names.get(c.plane, c.plane))
    lines = []
    for (name, memory, cpu, usd), planes in shared.items():
        figures = (
            f"{memory:,.0f} MB, {cpu:,.1f} vCPU, {usd:,.0f} USD/month"
            if memory or cpu
            else "requests no resources by default, and no usage figure is published"
        )
        lines.append(
            f"• control plane of {escape(' and '.join(planes))}: {escape(name)}, {figures}"
        )
    return lines


def cost_blocks(estimate: Estimate) -> list[Block]:
    rows = [
        [
            p.name,
            proxies(p.proxies, p.proxies_per),
            f"{amount(p.memory_mb)} / {amount(p.reserved_memory_mb)}",
            f"{amount(p.cpu_vcpu, 1)} / {amount(p.reserved_vcpu, 1)}",
            amount(p.monthly_usd),
            span(p.latency_ms_per_request),
        ]
        for p in estimate.planes
    ]
    header_row = [
        "Plane",
        "Proxies",
        "MB used / reserved",
        "vCPU used / reserved",
        "USD/month",
        "p99 added ms",
    ]
    notes = "\n".join(f"• {escape(a)}" for a in estimate.assumptions)
    planes = control_plane_lines(estimate)
    return [
        divider(),
        section(f"*Cost for your fleet* ({estimate.basis} figures)"),
        table(header_row, rows),
        context(("\n".join(planes) + "\n" + notes)[:CONTEXT_CHUNK]),
    ]


def cost(estimate: Estimate) -> Message:
    """The cost table with bar charts of the same figures above it; the plain-text fallback
    carries them too, for clients that show neither chart nor table."""
    figures = "; ".join(
        f"{p.name} {amount(p.monthly_usd)} USD/month, {amount(p.memory_mb)} MB"
        for p in estimate.planes
    )
    return Message(
        f"Mesh cost for {estimate.inputs.pods} pods: {figures}",
        [
            header(f"What a mesh costs for {estimate.inputs.pods} pods"),
            *cost_charts(estimate),
            *cost_blocks(estimate)[1:],
        ],
    )


def cost_charts(estimate: Estimate) -> list[Block]:
    """Monthly cost and memory per data plane as bar charts, the table's figures rounded as
    the table shows them. A plane without a figure (the table's "n/a") is left out of that
    chart rather than drawn as zero."""
    usd = _chart(
        estimate, "Monthly cost per data plane (USD)", {"USD/month": lambda p: p.monthly_usd}
    )
    memory = _chart(
        estimate,
        "Memory per data plane (MB)",
        {"MB used": lambda p: p.memory_mb, "MB reserved": lambda p: p.reserved_memory_mb},
    )
    return [chart for chart in (usd, memory) if chart is not None]


def _chart(
    estimate: Estimate, title: str, series: dict[str, Callable[[PlaneEstimate], float | None]]
) -> Block | None:
    """One series per figure, over the planes that have all of them; None when none has."""
    rows: list[tuple[str, list[float]]] = []
    for plane in estimate.planes[: charts.MAX_POINTS]:
        figures = [figure(plane) for figure in series.values()]
        if all(f is not None for f in figures):
            rows.append((plane.name, [f for f in figures if f is not None]))
    if not rows:
        return None
    return charts.BarChartBlock(
        title=title,
        categories=[cut(name, charts.MAX_LABEL) for name, _ in rows],
        series=[(name, [round(f[n]) for _, f in rows]) for n, name in enumerate(series)],
        x_label="Data plane",
    )


def comparison(table_data: Comparison) -> Message:
    rows = [
        [row.label, *(row.cells[column.id].text for column in table_data.columns)]
        for row in table_data.rows
    ]
    header_row = [table_data.row_header, *(column.label for column in table_data.columns)]
    blocks: list[Block] = [
        header(table_data.title),
        section(escape(table_data.summary)),
        table(header_row, rows),
    ]
    if table_data.notes:
        blocks.append(
            section("\n".join(f"• {escape(n)}" for n in table_data.notes)[:SECTION_CHUNK])
        )
    cells = sorted({cell.source for row in table_data.rows for cell in row.cells.values()})
    blocks.append(context(f"As of {table_data.as_of.isoformat()} · sources: {', '.join(cells)}"))
    return Message(table_data.title, blocks)


def comparisons_list(titles: Sequence[tuple[str, str]]) -> Message:
    lines = "\n".join(f"• `{cid}` — {escape(title)}" for cid, title in titles)
    return Message("Comparison tables", [section(f"*Comparison tables*\n{lines}")])


#: Why a request went unanswered, in the words the person reads.
APOLOGIES = {
    "failed": "Sorry — something went wrong on my side. It has been logged; please try again.",
    "busy": "Sorry — I have too much in hand right now and did not start this. "
    "Please try again in a minute.",
    "restarting": "Sorry — I was restarting and could not finish this. "
    "Please run it again in a minute.",
}


#: What to do when the bot must post in a conversation it has not joined.
INVITE = (
    "I'm not in this channel, so I can't start a thread here. Invite me with "
    "`/invite @meshbot` and run the command again — or use me in a channel I'm in."
)


def invite_to(channel: str) -> str:
    """``INVITE`` for a channel picked elsewhere (App Home), said in the person's DM."""
    return (
        f"I'm not in <#{channel}>, so I can't start a decision there. Invite me with "
        f"`/invite @meshbot` in <#{channel}>, then start it again."
    )


def apology(reason: str = "failed", request_id: str = "") -> Message:
    """Why nothing came, and an id to quote to whoever runs the bot (it is in the log)."""
    text = APOLOGIES[reason]
    quoted = f" If you report this, quote request id `{request_id}`." if request_id else ""
    return Message(text + quoted, [section(text + quoted)])


def home(recent: Sequence[tuple[str, dt.datetime, str | None]]) -> dict[str, Any]:
    """The App Home tab: what the bot does, two ways in, and the person's recent decisions, each
    at a time in the reader's own zone and linked to its thread when Slack gave a link."""
    listing = "\n".join(
        f"• {f'<{link}|{escape(status)}>' if link else escape(status)} — {_when(when)}"
        for status, when, link in recent
    )
    blocks: list[Block] = [
        header("meshbot"),
        section(
            "I help teams decide whether they need a service mesh, and help on-call engineers "
            "fix the mesh they run. Everything I say comes from a sourced knowledge base."
        ),
        actions(
            button("Start a decision", ActionId.HOME_START, encode(Empty()), "primary"),
            button("Look up a pitfall", ActionId.HOME_PITFALLS, encode(Empty())),
        ),
        divider(),
        section("*Your recent decisions*\n" + (listing or "_None yet._")),
        context("In a channel: `/mesh should-we`, `/mesh pitfall <symptom>`, `/mesh help`."),
    ]
    return {"type": "home", "blocks": [block.to_dict() for block in blocks]}


def notice(text: str) -> Message:
    """A short line of plain information (text here is ours, or already escaped)."""
    return Message(text, [section(text)])


def pitfall_list(pitfalls: Sequence[tuple[str, str]]) -> Message:
    return Message(
        "The pitfalls I know",
        [
            section("*The pitfalls I know* — or ask me with a symptom, here or in a channel."),
            actions(
                *(
                    entry_button(f"{code}: {title}", i, code)
                    for i, (code, title) in enumerate(pitfalls[:20])
                )
            ),
        ],
    )


def scan_findings(report: Report) -> Message:
    """Findings, worst first, each with a button for its runbook; problems with the input last."""
    findings = worst_first(report.findings)
    tally = ", ".join(f"{n} {s}s" for s, n in counts(findings).items())
    blocks: list[Block] = [
        section(f"*Mesh pitfall scan* — {report.resources} resources: {tally}"),
    ]
    for n, f in enumerate(findings[:MAX_FINDINGS]):
        text = (
            f"{SEVERITY[f.rule.severity]} *{f.rule.id}* `{escape(f.where)}` (line {f.line})\n"
            f"{escape(f.message)}\n"
            f"_Fix:_ {escape(folded(f.rule.remediation))}"
        )
        runbook = f.rule.pitfall or f.rule.id
        blocks.append(section(text[:SECTION_CHUNK]))
        blocks.append(actions(entry_button(f"Runbook {runbook}", n, runbook)))
    if len(findings) > MAX_FINDINGS:
        blocks.append(
            context(f"…and {len(findings) - MAX_FINDINGS} more: run `meshbot scan` locally.")
        )
    if report.limit is not None:
        limit = report.limit
        blocks.append(context(f"Stopped early at line {limit.line}: {escape(limit.message)}"))
    problems = [p for p in report.problems if p != report.limit]
    if problems:
        skipped = "; ".join(f"line {p.line}: {escape(p.message)}" for p in problems[:5])
        blocks.append(context(f"Skipped: {skipped}"[:CONTEXT_CHUNK]))
    if not findings and not report.problems:
        blocks.append(context("No mesh pitfalls found in these manifests."))
    return Message(f"Mesh pitfall scan: {tally}", blocks)
