"""The server-rendered review page: login, queue, triage, liaison view."""
