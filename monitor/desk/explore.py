"""Active learning in the queue: interleave the items the model is least sure about.

Two disjoint streams share each page. The *order* stream is the normal queue (priority or
time). The *uncertain* stream holds the items whose score for some label lies within
`band` of that label's threshold in the post's current model version, plus the items on
which two model versions disagree (one flags a label, the other does not); disagreements
come first, then the smallest distance to a threshold. Borderline items move from the
order stream into the uncertain stream, so no item appears twice across pages. Each page
takes about `explore` of its rows from the uncertain stream, spread evenly, and a stream
that runs dry leaves its slots to the other. Both streams apply the caller's region scope.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass, replace
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    Subquery,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import Session, aliased

from monitor.desk import queue, statements
from monitor.keys.principal import Principal
from monitor.modelversions.models import ModelVersion
from monitor.posts.models import Post
from monitor.predictions.models import Prediction

DEFAULT_EXPLORE = 0.2
DEFAULT_BAND = 0.1
# Why: a post stored by a version without a card (rules only, imported scores) is judged
# against the classifier's neutral point.
FALLBACK_THRESHOLD = 0.5
DISAGREE_KEY = -1.0  # sorts before every distance, which is >= 0

Why = Literal["order", "uncertain", "disagree"]
ORDER: Why = "order"
UNCERTAIN: Why = "uncertain"
DISAGREE: Why = "disagree"


@dataclass(frozen=True)
class Mix:
    """How much of each page explores, and how close to a threshold counts as uncertain."""

    explore: float = DEFAULT_EXPLORE
    band: float = DEFAULT_BAND


@dataclass(frozen=True)
class Entry:
    """A queue row's post id and why it is there (callers load the row they show)."""

    id: int
    why: Why
    margin: float | None  # distance to the nearest threshold (None for order rows)


@dataclass
class _State:
    order_cursor: str | None = None
    order_done: bool = False
    key: tuple[float, int] | None = None
    uncertain_done: bool = False


def thresholds(session: Session) -> dict[str, dict[str, float]]:
    """Return each registered model version's per-label thresholds from its card."""
    found: dict[str, dict[str, float]] = {}
    for version, card in session.execute(select(ModelVersion.version, ModelVersion.card)):
        raw = (card or {}).get("thresholds") or {}
        if isinstance(raw, dict):
            found[version] = {
                str(k): float(v) for k, v in raw.items() if isinstance(v, int | float)
            }
    return found


def _threshold_of(pred: Any, known: dict[str, dict[str, float]]) -> ColumnElement[float]:
    whens = [
        (and_(pred.model_version == version, pred.label == label), literal(t, Float()))
        for version, per_label in sorted(known.items())
        for label, t in sorted(per_label.items())
    ]
    if not whens:
        return literal(FALLBACK_THRESHOLD, Float())
    return case(*whens, else_=literal(FALLBACK_THRESHOLD, Float()))


def uncertain_set(
    session: Session, principal: Principal, filters: queue.ItemFilters, band: float
) -> Subquery:
    """Return (post_id, k) for the uncertain stream: k = -1 for disagreements, else distance."""
    current = aliased(Prediction, name="cur_pred")
    # Unflagged posts just under a threshold are exactly what the model needs labelled,
    # so the stream ignores `flagged_only`; a label filter applies to the prediction's label.
    where = queue.conditions(session, principal, replace(filters, flagged_only=False, labels=()))
    if filters.labels:
        where.append(current.label.in_(filters.labels))
    known = thresholds(session)
    # Why: a plain range on the score discards most predictions before the per-label
    # distance is computed and grouped; a prediction outside every threshold's band can
    # only matter when another model version also scored the post (a disagreement).
    cuts = [t for per_label in known.values() for t in per_label.values()]
    lo = min([*cuts, FALLBACK_THRESHOLD]) - band
    hi = max([*cuts, FALLBACK_THRESHOLD]) + band
    other = aliased(Prediction, name="other_pred")
    other_version = exists(
        select(other.id).where(
            other.post_id == current.post_id, other.model_version != current.model_version
        )
    )
    where.append(or_(current.score.between(lo, hi), other_version))
    distance = func.abs(current.score - _threshold_of(current, known))
    margins = (
        select(Post.id.label("post_id"), func.min(distance).label("margin"))
        .join(
            current,
            and_(current.post_id == Post.id, current.model_version == Post.model_version),
        )
        .where(*where)
        .group_by(Post.id)
        .subquery("margins")
    )
    a, b = aliased(Prediction, name="pred_a"), aliased(Prediction, name="pred_b")
    pair = [
        a.post_id == margins.c.post_id,
        b.post_id == a.post_id,
        b.label == a.label,
        b.model_version != a.model_version,
        b.flagged != a.flagged,
    ]
    if filters.labels:
        pair.append(a.label.in_(filters.labels))
    disagree = exists(select(a.id).select_from(a).join(b, and_(*pair[1:])).where(pair[0]))
    key = case((disagree, literal(DISAGREE_KEY, Float())), else_=margins.c.margin)
    return (
        select(margins.c.post_id, key.label("k"))
        .where(or_(margins.c.margin < band, disagree))
        .subquery("uncertain")
    )


def _uncertain_rows(
    session: Session, uset: Subquery, after: tuple[float, int] | None, limit: int
) -> list[tuple[int, float]]:
    query: Select[Any] = select(uset.c.post_id, uset.c.k)
    if after is not None:
        query = query.where(
            tuple_(uset.c.k, uset.c.post_id) > tuple_(literal(after[0], Float()), literal(after[1]))
        )
    rows = session.execute(query.order_by(uset.c.k, uset.c.post_id).limit(limit))
    return [(int(post_id), float(k)) for post_id, k in rows]


def _order_rows(
    session: Session,
    principal: Principal,
    filters: queue.ItemFilters,
    partition: ColumnElement[bool],
    sort: str,
    cursor: str | None,
    limit: int,
    band: float,
) -> tuple[list[Any], str | None]:
    """The order stream: `queue.key_page` minus the uncertain stream's posts.

    Without a label filter the partition is the stored uncertainty against the named
    `mix_band`, so the statement is cached per filter shape like the flat page's.
    """
    with_partition = replace(filters, extra=(*filters.extra, partition))
    dialect = session.get_bind().dialect.name
    shape = queue.shape_of(dialect, principal, filters)
    if filters.labels or shape is None:
        return queue.key_page(session, principal, with_partition, sort, cursor, limit)
    ordering = queue.queue_order(sort)
    limit = max(1, min(limit, queue.MAX_LIMIT))
    after = queue.decode_cursor(ordering, cursor) if cursor else None
    key = ("order", shape, ordering.name, after is not None)
    stmt = _MIX_PAGES.get(key)
    if stmt is None:
        where = [*queue.conditions(session, principal, with_partition)]
        if after is not None:
            where.append(ordering.after(*after))
        stmt = (
            select(Post.id, ordering.column)
            .where(and_(true(), *where))
            .order_by(*ordering.order_by())
            .limit(bindparam("page_limit", type_=Integer()))
        )
        _MIX_PAGES.put(key, stmt)
    params = queue.values_of(dialect, filters)
    params.update(mix_band=band, page_limit=limit + 1)
    if after is not None:
        params.update(after_key=after[0], after_id=after[1])
    rows = list(session.connection().execute(stmt, params).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, queue.encode_cursor(ordering, rows[-1]) if more and rows else None


def _stored_rows(
    session: Session,
    principal: Principal,
    filters: queue.ItemFilters,
    band: float,
    after: tuple[float, int] | None,
    limit: int,
) -> list[tuple[int, float]]:
    """The uncertain stream from `posts.uncertainty` (stored at scoring time): one index range.

    Same stream as `uncertain_set` without a label filter: disagreements are stored as -1,
    every other scored post as its smallest distance to a threshold. Ids and keys only:
    the caller loads the rows it shows. Cached per filter shape (named bind values).
    """
    scope = replace(filters, flagged_only=False)
    dialect = session.get_bind().dialect.name
    shape = queue.shape_of(dialect, principal, scope)
    key = ("stored", shape, after is not None)
    stmt = _MIX_PAGES.get(key) if shape is not None else None
    if stmt is None:
        where = queue.conditions(session, principal, scope)
        where.append(Post.uncertainty < bindparam("mix_band", band, type_=Float()))
        if after is not None:
            after_key = tuple_(
                bindparam("unc_key", after[0], type_=Float()),
                bindparam("unc_id", after[1], type_=Integer()),
            )
            where.append(tuple_(Post.uncertainty, Post.id) > after_key)
        stmt = (
            select(Post.id, Post.uncertainty)
            .where(*where)
            .order_by(Post.uncertainty, Post.id)
            .limit(bindparam("stream_limit", type_=Integer()))
        )
        if shape is not None:
            _MIX_PAGES.put(key, stmt)
    params = queue.values_of(dialect, scope)
    params.update(mix_band=band, stream_limit=limit)
    if after is not None:
        params.update(unc_key=after[0], unc_id=after[1])
    rows = session.connection().execute(stmt, params)
    return [(int(post_id), float(k or 0.0)) for post_id, k in rows]


_MIX_PAGES = statements.StatementCache()


def encode_cursor(sort: str, mix: Mix, state: _State) -> str:
    """Return an opaque cursor for both streams."""
    payload = {
        "mx": [mix.explore, mix.band],
        "s": sort,
        "o": state.order_cursor,
        "od": state.order_done,
        "u": list(state.key) if state.key else None,
        "ud": state.uncertain_done,
    }
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def decode_cursor(sort: str, mix: Mix, cursor: str) -> _State:
    """Read a mixed cursor made for the same sort and mix, or raise queue.QueryError."""
    try:
        if len(cursor) > 400:
            raise ValueError("too long")
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, dict) or raw.get("s") != sort:
            raise ValueError("other sort")
        if raw.get("mx") != [mix.explore, mix.band]:
            raise ValueError("other mix")
        order_cursor = raw["o"]
        if order_cursor is not None and not isinstance(order_cursor, str):
            raise ValueError("bad order cursor")
        key = raw["u"]
        parsed: tuple[float, int] | None = None
        if key is not None:
            k, i = key
            if isinstance(k, bool) or not isinstance(k, int | float) or not math.isfinite(k):
                raise ValueError("bad key")
            if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < 2**63:
                raise ValueError("bad id")
            parsed = (float(k), i)
        return _State(order_cursor, bool(raw["od"]), parsed, bool(raw["ud"]))
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise queue.QueryError("error.bad_mix_cursor") from None


def _not_uncertain(uset: Subquery) -> ColumnElement[bool]:
    """The order stream's side of the partition.

    Why NOT EXISTS rather than NOT IN: PostgreSQL plans it as an anti-join; NOT IN over a
    subquery (NULL semantics) can only become a hashed sub-plan or a per-row scan.
    """
    return ~exists(select(uset.c.post_id).where(uset.c.post_id == Post.id))


def _slots(limit: int, explore: float) -> list[bool]:
    """Return, per position, whether it belongs to the uncertain stream (spread evenly)."""
    return [math.floor((i + 1) * explore) > math.floor(i * explore) for i in range(limit)]


def mixed_page(
    session: Session,
    principal: Principal,
    filters: queue.ItemFilters,
    sort: str = "priority",
    cursor: str | None = None,
    limit: int = 50,
    mix: Mix | None = None,
) -> tuple[list[Entry], str | None]:
    """Return one interleaved page of entries and the cursor of the next (None at the end)."""
    mix = mix or Mix()
    if not 0 <= mix.explore <= 1 or not 0 < mix.band <= 1:
        raise queue.QueryError("error.bad_explore")
    ordering = queue.queue_order(sort)
    limit = max(1, min(limit, queue.MAX_LIMIT))
    state = decode_cursor(sort, mix, cursor) if cursor else _State()
    if state.order_cursor is not None:
        queue.decode_cursor(ordering, state.order_cursor)  # a bad inner cursor is a 400
    # Why two paths: without a label filter the stored per-post uncertainty answers both
    # streams from indexes; a label filter needs the distance of that label's prediction.
    partition: ColumnElement[bool]
    if filters.labels:
        uset = uncertain_set(session, principal, filters, mix.band)
        partition = _not_uncertain(uset)

        def fetch(after: tuple[float, int] | None, n: int) -> list[tuple[int, float]]:
            return _uncertain_rows(session, uset, after, n)
    else:
        band = bindparam("mix_band", mix.band, type_=Float())
        partition = or_(Post.uncertainty.is_(None), Post.uncertainty >= band)

        def fetch(after: tuple[float, int] | None, n: int) -> list[tuple[int, float]]:
            return _stored_rows(session, principal, filters, mix.band, after, n)

    order_rows: list[Any] = []
    order_next: str | None = None
    if not state.order_done:
        order_rows, order_next = _order_rows(
            session, principal, filters, partition, sort, state.order_cursor, limit, mix.band
        )
    unc_rows = [] if state.uncertain_done else fetch(state.key, limit + 1)
    entries: list[Entry] = []
    oi = ui = 0
    for wants_uncertain in _slots(limit, mix.explore):
        if ui < len(unc_rows) and (wants_uncertain or oi >= len(order_rows)):
            post_id, k = unc_rows[ui]
            ui += 1
            entries.append(
                Entry(post_id, DISAGREE if k < 0 else UNCERTAIN, None if k < 0 else round(k, 4))
            )
        elif oi < len(order_rows):
            entries.append(Entry(order_rows[oi].id, ORDER, None))
            oi += 1
        else:
            break
    # queue.key_page returns a next cursor only when rows remain beyond the ones it gave.
    order_more = oi < len(order_rows) or order_next is not None
    next_state = _State(
        order_cursor=queue.encode_cursor(ordering, order_rows[oi - 1])
        if oi
        else state.order_cursor,
        order_done=state.order_done or not order_more,
        key=(unc_rows[ui - 1][1], unc_rows[ui - 1][0]) if ui else state.key,
        uncertain_done=state.uncertain_done or ui >= len(unc_rows),
    )
    if next_state.order_done and next_state.uncertain_done:
        return entries, None
    return entries, encode_cursor(sort, mix, next_state)
