"""arrival: post_signatures.packed (bytes) replaces the JSON signature

A page of arrivals verifies thousands of stored first copies; decoding each one's JSON and
base64 cost more than comparing it. `packed` holds the same values: version byte, names
flag byte, 64 little-endian uint32 MinHash values, then the hashed names as uint32
(`classifiers.neardup.minhash.Signature.to_bytes`). Unreadable signatures (another scheme)
were skipped by every lookup: they and their bands go.

Revision ID: f3a8c6e2d1b7
Revises: f3a8c6d2b9e1
Create Date: 2026-12-08 09:00:00
"""

import base64
import binascii
import json
import struct
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "f3a8c6e2d1b7"
down_revision: str | None = "f3a8c6d2b9e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept literal (migrations must not change when code does): the scheme both forms encode.
VERSION, PERM = 2, 64
NAMES, NO_NAMES = 1, 0
BATCH = 5000


def _packed(stored: object) -> bytes | None:
    """Return the packed form of a stored JSON signature (None when unreadable)."""
    data = json.loads(stored) if isinstance(stored, str | bytes) else stored
    if not isinstance(data, dict) or data.get("v") != VERSION or data.get("perm") != PERM:
        return None
    try:
        values = base64.b64decode(str(data.get("minhash")), validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(values) != 4 * PERM:
        return None
    names = data.get("names")
    if not isinstance(names, list) or not all(isinstance(n, int) and 0 <= n < 2**32 for n in names):
        return bytes((VERSION, NO_NAMES)) + values
    return bytes((VERSION, NAMES)) + values + struct.pack(f"<{len(names)}I", *sorted(names))


def _json(packed: bytes) -> str:
    """Return the JSON form of a packed signature (for the downgrade)."""
    out: dict[str, object] = {
        "v": VERSION,
        "perm": PERM,
        "minhash": base64.b64encode(packed[2 : 2 + 4 * PERM]).decode(),
    }
    if packed[1] == NAMES:
        rest = packed[2 + 4 * PERM :]
        out["names"] = sorted(struct.unpack(f"<{len(rest) // 4}I", rest))
    return json.dumps(out)


def _convert(source: str, target: str, convert: object, value: str = ":v") -> list[int]:
    """Fill `target` from `source` in keyset batches; return the post ids that failed."""
    bind = op.get_bind()
    bad: list[int] = []
    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                f"SELECT post_id, {source} FROM post_signatures "  # noqa: S608 (fixed names)
                "WHERE post_id > :last ORDER BY post_id LIMIT :n"
            ),
            {"last": last, "n": BATCH},
        ).all()
        if not rows:
            return bad
        last = int(rows[-1][0])
        done = []
        for post_id, stored in rows:
            new = convert(stored) if stored is not None else None  # type: ignore[operator]
            if new is None:
                bad.append(int(post_id))
            else:
                done.append({"p": int(post_id), "v": new})
        if done:
            bind.execute(
                sa.text(f"UPDATE post_signatures SET {target} = {value} WHERE post_id = :p"),  # noqa: S608
                done,
            )


def upgrade() -> None:
    op.add_column("post_signatures", sa.Column("packed", sa.LargeBinary(), nullable=True))
    bad = _convert("signature", "packed", _packed)
    for start in range(0, len(bad), BATCH):
        ids = {"ids": bad[start : start + BATCH]}
        stmt = "DELETE FROM {} WHERE post_id IN :ids"
        for table in ("post_bands", "post_signatures"):
            op.get_bind().execute(
                sa.text(stmt.format(table)).bindparams(sa.bindparam("ids", expanding=True)), ids
            )
    with op.batch_alter_table("post_signatures") as batch:
        batch.drop_column("signature")
        batch.alter_column("packed", existing_type=sa.LargeBinary(), nullable=False)


def downgrade() -> None:
    json_type = sa.JSON().with_variant(JSONB(), "postgresql")
    op.add_column("post_signatures", sa.Column("signature", json_type, nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    value = "CAST(:v AS JSONB)" if postgres else ":v"
    _convert("packed", "signature", lambda b: _json(bytes(b)), value)
    with op.batch_alter_table("post_signatures") as batch:
        batch.drop_column("packed")
        batch.alter_column("signature", existing_type=json_type, nullable=False)
