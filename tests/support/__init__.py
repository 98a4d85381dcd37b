"""What the tests stand on: a fake Slack Web API, a Slack harness, servers, hostile inputs
and the search evaluation. Nothing here is a test (bolt keeps its tests/mock_web_api_server
the same way)."""
