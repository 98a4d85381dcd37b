"""Structured JSON logs, one object per line, for meshbot's and uvicorn's loggers alike.

Every line carries the request id of the request it was written for (a context variable the
request middleware sets, read by a logging filter), so a line from deep inside a route can be
joined to its access line. Times are ISO-8601 in UTC with the zone spelled out, so lines from
replicas in different zones sort together. uvicorn adds ``color_message`` (the same text with
ANSI escapes) to its records; the filter drops it so no escape codes reach the log store.
"""

from __future__ import annotations

import datetime as dt
import logging
import logging.config
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter

#: The id of the request being served in this context, or None outside a request.
request_id: ContextVar[str | None] = ContextVar("meshbot_request_id", default=None)


class RequestContext(logging.Filter):
    """Adds the current request id to each record (keeping one already given) and drops
    uvicorn's ANSI-coloured duplicate of the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            current = request_id.get()
            if current is not None:
                record.request_id = current
        record.__dict__.pop("color_message", None)
        return True


class UtcJsonFormatter(JsonFormatter):
    """JSON lines whose ``time`` is ISO-8601 UTC with its zone: 2026-12-02T04:33:18.123+00:00."""

    def formatTime(  # noqa: N802 (logging's name)
        self, record: logging.LogRecord, datefmt: str | None = None
    ) -> str:
        moment = dt.datetime.fromtimestamp(record.created, dt.UTC)
        return moment.isoformat(timespec="milliseconds")


def setup(level: str) -> dict[str, Any]:
    """Configure logging; returns the config for uvicorn so its own lines are JSON too."""
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": RequestContext}},
        "formatters": {
            "json": {
                "()": UtcJsonFormatter,
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            }
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["request"],
            }
        },
        "loggers": {
            "meshbot": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
    logging.config.dictConfig(config)
    return config
