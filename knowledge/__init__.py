"""The article as validated, structured, searchable knowledge.

Depends on ``engine`` for its types only; never on ``bot``.
"""
