"""The application layer every front door shares: HTTP routes, Slack listeners and the CLI call
these functions instead of assembling the engine, the knowledge base and the store themselves.

    decisions   start, answer, reopen, record: the one compare-and-set flow of a stored decision
    answering   read answers with their questions' parsers; search and count the search
    estimating  a fleet from loose fields, with errors a person can act on
"""
