"""The HTTP API: small route modules on one FastAPI app, documented at ``/openapi.json``."""
