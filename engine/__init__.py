"""Pure computation over mesh figures: no I/O, and nothing of ours imported.

The figures themselves come in from ``knowledge``; this package only defines their shape and
does the arithmetic, so the same numbers serve Slack, HTTP and the terminal.
"""
