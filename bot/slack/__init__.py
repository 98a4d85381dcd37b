"""The Slack front door: bolt's AsyncApp on the same FastAPI app, at ``POST /slack/events``."""
