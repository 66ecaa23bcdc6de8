"""The cached query-parameter step answers exactly as FastAPI's own, on every route."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import fastapi.dependencies.utils as fastapi_utils
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.datastructures import Headers, QueryParams

from api import queryparams
from api.routes import ROOT_ROUTERS, V1_ROUTERS
from monitor.core.runtime import Runtime
from tests.support.seeds.review import auth, seed

HOSTILE = [
    "",
    " ",
    "x",
    "0",
    "-1",
    "1",
    "2",
    "0.5",
    "1e309",
    "nan",
    "-inf",
    "2147483648",
    "true",
    "none",
    "new",
    "hoax",
    "cluster",
    "uncertain",
    "WIB",
    "time",
    "32",
    "Jambi",
    "2024-02-14T08:00:00Z",
    "2024-02-14",
    "0001-01-01T00:00:00+14:00",
    "é\x00\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    "a" * 450,
]


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _query_fields() -> list[list[Any]]:
    out = []
    for router in [*ROOT_ROUTERS, *V1_ROUTERS]:
        for route in router.routes:
            if isinstance(route, APIRoute):
                out += [d.query_params for d in _dependants(route.dependant) if d.query_params]
    return out


def _queries(fields: list[Any]) -> Iterator[QueryParams]:
    names = [f.alias for f in fields] + ["unknown"]
    yield QueryParams("")
    for name, value in itertools.product(names, HOSTILE):
        yield QueryParams(urlencode([(name, value)]))
        yield QueryParams(urlencode([(name, value), (name, "1")]))  # repeated
    for i in range(len(HOSTILE)):  # every field at once
        yield QueryParams(
            urlencode([(n, HOSTILE[(i + j) % len(HOSTILE)]) for j, n in enumerate(names)])
        )


def _comparable(result: tuple[dict[str, Any], list[Any]]) -> str:
    # Errors carry exception objects in `ctx`: equal when their text is.
    return json.dumps(result, default=repr, sort_keys=True)


def test_every_routes_query_parameters_validate_as_fastapi_does() -> None:
    groups = _query_fields()
    assert len(groups) >= 15  # the queue, exports, clusters, alerts, ...
    compared = 0
    for fields in groups:
        for query in _queries(fields):
            mine = queryparams.fast_request_params_to_args(fields, query)
            theirs = queryparams.fastapi_request_params_to_args(fields, query)
            assert _comparable(mine) == _comparable(theirs), (fields, str(query))
            compared += 1
    assert compared > 5000


def test_defaults_are_fresh_per_request() -> None:
    fields = next(f for f in _query_fields() if {"label", "min_score"} <= {x.alias for x in f})
    first, _ = queryparams.fast_request_params_to_args(fields, QueryParams(""))
    first["label"].append("hoax")  # a caller that mutates its list default
    second, _ = queryparams.fast_request_params_to_args(fields, QueryParams(""))
    assert second["label"] == []


def test_headers_go_to_fastapis_own_step() -> None:
    fields = _query_fields()[0]
    headers = Headers({"limit": "5"})
    assert queryparams.fast_request_params_to_args(fields, headers) == (
        queryparams.fastapi_request_params_to_args(fields, headers)
    )


def test_the_app_installs_it_once() -> None:
    queryparams.install()
    queryparams.install()  # idempotent
    assert fastapi_utils.request_params_to_args is queryparams.fast_request_params_to_args


def test_a_fastapi_without_the_helpers_keeps_its_own_step(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A FastAPI upgrade that drops a private helper must cost speed, never answers.
    monkeypatch.setattr(
        fastapi_utils, "request_params_to_args", queryparams.fastapi_request_params_to_args
    )
    monkeypatch.delattr(fastapi_utils, "_is_json_field")
    assert queryparams.install() is False
    assert fastapi_utils.request_params_to_args is queryparams.fastapi_request_params_to_args
    assert "_is_json_field" in caplog.text


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=x&label=nope&since=0.5&min_score=2",
        "tz=UTC&band=0&explore=-1&group=flat&mix=all&sort=up",
        "q=" + "a" * 201 + "&platform=" + "p" * 41,
        "source=2147483648&cluster=-1&until=9999-99-99",
        "status=new&status=old&label=hoax&cursor=" + "c" * 401,
    ],
)
@pytest.mark.client(unlimited=True)
def test_invalid_queries_get_the_same_422(client: TestClient, rt: Runtime, query: str) -> None:
    with rt.session() as s:
        headers = {**auth(seed(s).keys["reviewer"]), "Accept-Language": "en"}
    ours = client.get(f"/api/v1/items?{query}", headers=headers)
    fastapi_utils.request_params_to_args = queryparams.fastapi_request_params_to_args
    try:
        theirs = client.get(f"/api/v1/items?{query}", headers=headers)
    finally:
        queryparams.install()
    assert ours.status_code == theirs.status_code == 422
    assert _without_ids(ours.json()) == _without_ids(theirs.json())
    assert len(ours.json()["errors"]) >= 1


def _without_ids(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in {"request_id", "instance"}}
