"""Utilities every layer may use: value types, input bounds, redaction, the exception tree and
the logger. Each imports nothing else of the project."""
