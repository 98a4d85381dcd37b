"""Where each thing meshbot shows has a web page: one table, read by the pages themselves (to
link search results) and by Slack messages (to link a runbook or a decision to its page when
``MESHBOT_PUBLIC_URL`` is set)."""

from __future__ import annotations

from urllib.parse import quote

#: Kinds of thing with a page, and the path their id follows.
PAGES = {"pitfall": "/runbooks/", "comparison": "/comparisons/", "decision": "/decisions/"}


def page_path(kind: str, thing_id: str) -> str | None:
    """The page's path, or None for a kind that has no page of its own (facts, terms)."""
    prefix = PAGES.get(kind)
    return prefix + quote(thing_id, safe="") if prefix else None


def page_url(public_url: str | None, kind: str, thing_id: str) -> str | None:
    """The page's full address when the public URL is configured."""
    path = page_path(kind, thing_id)
    return public_url.rstrip("/") + path if public_url and path else None
