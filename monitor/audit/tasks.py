"""Taking signed audit checkpoints: a scheduled job and `waspada audit checkpoint`."""

from __future__ import annotations

import logging
from dataclasses import asdict

import httpx

from monitor.audit import keyring, repository
from monitor.audit.checkpoints import Checkpoint, append, path_for
from monitor.core.base import utcnow
from monitor.core.outbound import OutboundRefused, policy_for
from monitor.core.outbound import client as outbound_client
from monitor.core.runtime import Runtime
from monitor.core.settings import Settings

log = logging.getLogger(__name__)


def take(rt: Runtime) -> Checkpoint:
    """Sign the chain's current count and head, append it to the file, send it if configured."""
    with rt.session() as s:
        count, head_id, head_hash = repository.count_and_head(s)
    cp = Checkpoint(utcnow().isoformat(), count, head_id, head_hash)
    cp = cp.signed(keyring.key_for(rt.settings))
    append(path_for(rt.settings), cp)
    if rt.settings.audit_checkpoint_url:
        export(cp, rt.settings)
    log.info("audit checkpoint", extra={"count": count, "head_id": head_id})
    return cp


def export(cp: Checkpoint, settings: Settings) -> None:
    """POST a checkpoint to WASPADA_AUDIT_CHECKPOINT_URL (through the outbound policy)."""
    url = settings.audit_checkpoint_url or ""
    try:
        with outbound_client(policy_for(settings), timeout=10.0) as client:
            resp = client.post(url, json=asdict(cp), headers={"User-Agent": settings.user_agent})
        ok = 200 <= resp.status_code < 300
        reason = f"HTTP {resp.status_code}"
    except (httpx.HTTPError, OutboundRefused) as exc:
        ok, reason = False, type(exc).__name__
    if not ok:
        # The file copy was written; the remote copy is retried with the next checkpoint.
        log.warning("audit checkpoint not exported", extra={"error": reason})


def checkpoint_job(rt: Runtime) -> None:
    """Scheduled: take one checkpoint."""
    take(rt)
