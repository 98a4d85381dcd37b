"""Structured JSON logs, one object per line, for meshbot's and uvicorn's loggers alike.

Every line carries the request id of the request it was written for (a context variable the
request middleware sets, read by a logging filter), so a line from deep inside a route can be
joined to its access line. Times are ISO-8601 in UTC with the zone spelled out, so lines from
replicas in different zones sort together. uvicorn adds ``color_message`` (the same text with
ANSI escapes) to its records; the filter drops it so no escape codes reach the log store.

The formatter is small and encodes with orjson: every request writes an access line, and a
general-purpose JSON formatter (python-json-logger, used before) spent about a third of the
line's cost on generality the lines here never use (field templates, renames, json's encoder).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.config
from contextvars import ContextVar
from typing import Any

import orjson

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


#: A record's own attributes; anything else on it came from ``extra`` and becomes a field.
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


class UtcJsonFormatter(logging.Formatter):
    """One JSON object per record: ``time`` (ISO-8601 UTC with its zone, milliseconds:
    2026-12-02T04:33:18.123+00:00), ``level``, ``logger``, ``message``, then every ``extra``
    field, and ``exc_info`` / ``stack_info`` as text when present."""

    def format(self, record: logging.LogRecord) -> str:
        moment = dt.datetime.fromtimestamp(record.created, dt.UTC)
        fields: dict[str, Any] = {
            "time": moment.isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES:
                fields[key] = value
        if record.exc_info:
            fields["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            fields["stack_info"] = self.formatStack(record.stack_info)
        try:
            return orjson.dumps(fields, default=str).decode()
        except TypeError:  # an integer beyond 64 bits, which only the standard encoder takes
            return json.dumps(fields, default=str)


def setup(level: str) -> dict[str, Any]:
    """Configure logging; returns the config for uvicorn so its own lines are JSON too."""
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": RequestContext}},
        "formatters": {"json": {"()": UtcJsonFormatter}},
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
