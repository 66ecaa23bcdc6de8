"""Who is calling: a key's role and region scope, checked on every query."""

from __future__ import annotations

from dataclasses import dataclass

ROLES: tuple[str, ...] = ("admin", "reviewer", "liaison", "researcher")


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    key_id: int | None
    name: str
    role: str
    # Kemendagri codes the caller may see, each including everything below it.
    # Empty means unrestricted, which only non-liaison roles may have.
    regions: tuple[str, ...] = ()

    @property
    def region_limited(self) -> bool:
        """Tell whether queries must be filtered to the key's regions."""
        return self.role == "liaison" or bool(self.regions)

    def covers(self, code: str) -> bool:
        """Tell whether region `code` is inside the caller's scope."""
        if not self.region_limited:
            return True
        return any(code == r or code.startswith(r + ".") for r in self.regions)

    @property
    def actor(self) -> str:
        """Return the audit-trail name of the caller."""
        return f"key:{self.key_id}:{self.name}" if self.key_id is not None else self.name


SYSTEM = Principal(key_id=None, name="system", role="admin")
