"""FastAPI's query-parameter step with each field's type questions answered once, not per request.

Why: FastAPI (0.165) re-derives, for every query parameter of every request, whether its
annotation is a sequence, a model or JSON, its aliases and its default, walking `typing`
objects each time. `GET /items` declares 19 query parameters, and that walk cost about
150 us a request, more than validating the values themselves (docs/benchmarks.md, api12).
`fast_request_params_to_args` gives the same values and the same errors (same validators,
same `loc`, same order); anything it was not written for (headers, cookies, forms,
parameter models) goes to FastAPI's own function. `tests/security/test_query_params.py`
compares both on every route of the app with hostile query strings, so a FastAPI upgrade
that changes the step fails there instead of changing answers.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, cast

from fastapi.dependencies import utils as fastapi_utils
from fastapi.exceptions import FastAPIError
from starlette.datastructures import QueryParams

# FastAPI's own function, kept for everything the fast path does not cover.
fastapi_request_params_to_args: Callable[..., tuple[dict[str, Any], list[Any]]] = (
    fastapi_utils.request_params_to_args
)
# Why getattr: a FastAPI release without these helpers must fall back (see `install`), not
# fail at import.
_UNDEFINED = getattr(fastapi_utils, "Undefined", object())
# FastAPI's helpers the plans use; `install` leaves FastAPI alone unless all are there.
_HELPERS = (
    "_get_param_model",
    "_is_json_field",
    "_get_param_aliases",
    "field_annotation_is_sequence",
    "get_missing_field_error",
    "Undefined",
    "params",
)
log = logging.getLogger(__name__)
_IMMUTABLE = (type(None), str, int, float, bool, bytes)


class _Plan(NamedTuple):
    """What FastAPI derives from one field's annotation, derived once."""

    name: str
    aliases: tuple[tuple[str, str], ...]
    get_list: bool  # read every value of a repeated key (a sequence, not JSON)
    sequence: bool  # an empty list counts as absent
    required: bool
    default: Any  # _UNDEFINED when it must be copied or computed per request
    validate_default: bool
    location: str


# Why on the field: a plan lives and dies with its field (each app built clones its routes'
# fields; a module-level cache would keep every test app's fields alive).
_ATTR = "_waspada_query_plan"
_NOT_PLANNED = object()


def _plan(field: Any) -> _Plan | None:
    """Return the field's plan, or None when FastAPI's own path must handle it."""
    cached = field.__dict__.get(_ATTR, _NOT_PLANNED)
    if cached is not _NOT_PLANNED:
        return cast(_Plan | None, cached)
    info = field.field_info
    plan: _Plan | None = None
    if fastapi_utils._get_param_model(field) is None and isinstance(
        info, fastapi_utils.params.Query
    ):
        json = fastapi_utils._is_json_field(field)
        sequence = fastapi_utils.field_annotation_is_sequence(info.annotation)
        required = info.is_required()
        default = _UNDEFINED
        if not required and info.default_factory is None and type(info.default) in _IMMUTABLE:
            default = info.default
        plan = _Plan(
            name=field.name,
            aliases=tuple(fastapi_utils._get_param_aliases(field)),
            get_list=sequence and not json,
            sequence=sequence,
            required=required,
            default=default,
            validate_default=bool(info.validate_default),
            location=info.in_.value,
        )
    field.__dict__[_ATTR] = plan
    return plan


def fast_request_params_to_args(
    fields: Sequence[Any], received_params: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Any]]:
    """`fastapi.dependencies.utils.request_params_to_args`, with per-field plans cached."""
    if not fields:
        return {}, []
    if type(received_params) is not QueryParams:
        return fastapi_request_params_to_args(fields, received_params)
    plans = [_plan(field) for field in fields]
    if None in plans:
        return fastapi_request_params_to_args(fields, received_params)
    values: dict[str, Any] = {}
    errors: list[Any] = []
    for field, plan in zip(fields, plans, strict=True):
        assert plan is not None
        aliases = plan.aliases
        alias = aliases[0][1]
        if len(aliases) > 1:
            alias = next((key for _, key in aliases if key in received_params), alias)
        value: Any = received_params.getlist(alias) if plan.get_list else received_params.get(alias)
        if value is None or (plan.sequence and len(value) == 0):
            value = _UNDEFINED
        loc = (plan.location, alias)
        if value is _UNDEFINED:
            if plan.required:
                errors.append(fastapi_utils.get_missing_field_error(loc=loc))
                continue
            value = plan.default
            if value is _UNDEFINED:
                value = copy.deepcopy(field.default)
            if not plan.validate_default:
                values[plan.name] = value
                continue
        v_, errors_ = field.validate(value, values, loc=loc)
        if errors_:
            errors.extend(errors_)
        else:
            values[plan.name] = v_
    return values, errors


def install() -> bool:
    """Make FastAPI's dependency solver use the cached plans (idempotent); tell if it does.

    A FastAPI without the helpers the plans need keeps its own step (slower, same answers).
    """
    current = fastapi_utils.request_params_to_args
    if current is fast_request_params_to_args:
        return True
    missing = [name for name in _HELPERS if not hasattr(fastapi_utils, name)]
    if missing:
        log.warning("query parameter plans not installed: FastAPI lacks %s", ", ".join(missing))
        return False
    if current is not fastapi_request_params_to_args:
        raise FastAPIError("request_params_to_args was replaced by something else")
    fastapi_utils.request_params_to_args = fast_request_params_to_args
    return True
