"""Conditional GETs for the knowledge routes, which change only when the service is redeployed.

The ETag derives from the digest the search index is built from (every knowledge file *and*
the knowledge package's code) plus meshbot's version (the routes' own shaping), so it changes
exactly when an answer could. It is weak (``W/``) because the same entity is also sent
gzip-compressed. A matching ``If-None-Match`` answers 304 with no body before the route does
any work; API keys are checked first (router dependencies run before route dependencies), so a
304 never tells a stranger anything.
"""

from __future__ import annotations

import hashlib

from fastapi import Depends, Request, Response

from bot import version
from knowledge import Library, index_digest

#: Clients and private caches may reuse an answer for five minutes, then must revalidate (a
#: cheap 304). ``private``: with API keys on, answers must not be shared between callers.
CACHE_CONTROL = "private, max-age=300, must-revalidate"


class NotModified(Exception):
    """The client's copy is current: answered 304 by ``install``'s handler."""

    def __init__(self, etag: str) -> None:
        self.etag = etag


def knowledge_etag(library: Library) -> str:
    digest = hashlib.sha256(f"{index_digest(library.kb)}:{version()}".encode()).hexdigest()
    return f'W/"{digest[:32]}"'


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 weak comparison over a list of tags (or ``*``)."""
    opaque = etag.removeprefix("W/")
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == opaque:
            return True
    return False


async def _conditional(request: Request, response: Response) -> None:
    etag: str = request.app.state.knowledge_etag  # set once by create_app
    if _matches(request.headers.get("if-none-match", ""), etag):
        raise NotModified(etag)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = CACHE_CONTROL


#: Add to a knowledge route's ``dependencies``.
Conditional = Depends(_conditional)


def not_modified(etag: str) -> Response:
    return Response(status_code=304, headers={"ETag": etag, "Cache-Control": CACHE_CONTROL})
