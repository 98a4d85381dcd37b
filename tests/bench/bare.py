"""The baseline the HTTP bench divides by: a bare FastAPI app with one ``/healthz`` route, no
middleware, served by the same server and settings as ``meshbot serve``. What meshbot adds on
top of the framework is then a ratio measured in the same run, not a figure from elsewhere."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
