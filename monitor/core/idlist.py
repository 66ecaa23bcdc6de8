"""`column IN (many integers)` as ONE bound parameter, on SQLite and PostgreSQL.

Why: an IN list of thousands of values costs SQLAlchemy a coercion and a bound parameter per
value, a new SQL text per list length, and on PostgreSQL a re-parse of that long text by
psycopg (it caches only short statements). One string parameter (a JSON array read by
`json_each` on SQLite, an array literal cast to bigint[] on PostgreSQL) keeps the statement
text fixed, so both the compiled form and the server's plan are reused; the index on the
column is still used (checked with EXPLAIN on both engines).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import BigInteger, String, Text, any_, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement


def int_in(column: Any, values: Iterable[int], dialect: str) -> ColumnElement[bool]:
    """Return `column IN values` with the values sent as one string parameter."""
    ints = [int(v) for v in values]
    if dialect == "postgresql":
        literal = "{" + ",".join(map(str, ints)) + "}"
        param = bindparam(None, literal, type_=String)
        return column == any_(cast(param, ARRAY(BigInteger)))
    param = bindparam(None, "[" + ",".join(map(str, ints)) + "]", type_=String)
    listed = func.json_each(param).table_valued("value")
    return column.in_(select(listed.c.value))


def int_not_in(column: Any, values: Iterable[int], dialect: str) -> ColumnElement[bool]:
    """Return `column NOT IN values` as a hashed set (one array or JSON parameter)."""
    ints = [int(v) for v in values]
    if dialect == "postgresql":
        # A subquery, not `<> ALL(array)`: PostgreSQL hashes a NOT IN subquery, while a
        # bound array parameter is compared element by element for every row.
        literal = bindparam(None, "{" + ",".join(map(str, ints)) + "}", type_=String)
        listed = select(func.unnest(cast(literal, ARRAY(BigInteger))))
        return column.not_in(listed)
    return ~int_in(column, ints, dialect)


def str_in(column: Any, values: Iterable[str], dialect: str) -> ColumnElement[bool]:
    """Return `column IN values` for strings, sent as one parameter (text[] or JSON)."""
    texts = [str(v) for v in values]
    if dialect == "postgresql":
        return column == any_(bindparam(None, texts, type_=ARRAY(Text)))
    listed = func.json_each(bindparam(None, json.dumps(texts), type_=String)).table_valued("value")
    return column.in_(select(listed.c.value))
