"""One table of actions and the roles allowed to perform them; region scope is checked per query."""

from __future__ import annotations

from monitor.keys.principal import Principal

_ALL = frozenset({"admin", "reviewer", "liaison", "researcher"})
_STAFF = frozenset({"admin", "reviewer"})
_ADMIN = frozenset({"admin"})

# Every endpoint names one action; a new endpoint adds its action here, nowhere else.
POLICY: dict[str, frozenset[str]] = {
    "read_items": _ALL,
    "read_clusters": _ALL,
    "read_regions": _ALL,
    "read_stats": _ALL,
    "read_alerts": _ALL,
    "read_sources": frozenset({"admin", "reviewer", "researcher"}),
    "review": _STAFF,
    "claim": _STAFF,
    "export_items": frozenset({"admin", "reviewer", "liaison", "researcher"}),
    "export_labels": frozenset({"admin", "researcher"}),
    "export_casefile": frozenset({"admin", "reviewer", "liaison"}),
    "ack_alerts": frozenset({"admin", "reviewer", "liaison"}),
    "manage_alerts": _ADMIN,
    "subscribe_alerts": frozenset({"admin", "reviewer", "liaison"}),
    "manage_keys": _ADMIN,
    "manage_sources": _ADMIN,
    "manage_models": _ADMIN,
    "ingest": _ADMIN,
    "read_audit": _ADMIN,
}


class UnknownAction(KeyError):
    """An endpoint named an action missing from POLICY (a programming error)."""


def allowed(principal: Principal, action: str) -> bool:
    """Tell whether the caller's role may perform `action`."""
    try:
        roles = POLICY[action]
    except KeyError:
        raise UnknownAction(action) from None
    return principal.role in roles


def roles_for(action: str) -> list[str]:
    """Return the roles allowed to perform `action`, sorted (for docs and errors)."""
    return sorted(POLICY[action])
