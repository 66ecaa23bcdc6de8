"""The review page: login/logout, the queue, item panels, triage actions, liaison view."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from api.auth import deps as auth_deps
from api.auth import policy
from api.auth.ratelimit import RateLimiter
from api.deps import SessionDep, SettingsDep
from api.problems import Problem, problem_response
from api.web import auth as webauth
from api.web import liaison, pages, views
from api.web import session as websession
from api.web.rendering import STATIC_DIR, render, request_lang, secure
from classifiers.contracts import LABELS
from monitor.core.i18n import translate
from monitor.desk import queue
from monitor.keys import repository as key_repo
from monitor.keys.principal import Principal
from monitor.reviews import repository as review_repo
from monitor.reviews import service as reviews
from monitor.reviews.schemas import DecisionIn

router = APIRouter(include_in_schema=False)

# The browser session is one more way to authenticate /api/v1 calls (CSRF-checked).
if webauth.resolve_for_api not in auth_deps.SESSION_RESOLVERS:
    auth_deps.SESSION_RESOLVERS.append(webauth.resolve_for_api)

_STATIC_NAME = re.compile(r"^[a-z0-9_-]{1,40}\.(js|css|svg)$")
_MEDIA = {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml"}
# Why: keys are unguessable, but each failed login costs a scrypt hash; cap tries per client.
_LOGIN_RATE, _LOGIN_BURST = 0.5, 10
MAX_KEY_CHARS = 200
QUEUE_PAGE = 50


def _login_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter | None = getattr(request.app.state, "web_login_limiter", None)
    if limiter is None:
        limiter = request.app.state.web_login_limiter = RateLimiter(_LOGIN_RATE, _LOGIN_BURST)
    return limiter


def safe_next(target: str | None) -> str:
    """Return a same-site /ui path to go to after login (never an open redirect)."""
    if target and re.fullmatch(r"/ui/[A-Za-z0-9/_\-?=&%.+]*", target) and "//" not in target:
        return target
    return "/ui/"


def see_other(url: str) -> Response:
    """Redirect after a form post (303), with the security headers."""
    return secure(RedirectResponse(url, status_code=303))


def to_login(request: Request, reason: str | None = None) -> Response:
    """Send an unauthenticated browser to the login page, remembering where it was going."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = f"/ui/login?next={_quote(safe_next(target))}"
    if reason:
        url += f"&msg={reason}"
    return secure(RedirectResponse(url, status_code=303))


def _quote(value: str) -> str:
    return quote(value, safe="")


@router.get("/", include_in_schema=False)
def root() -> Response:
    """Send visitors of the bare host to the review page."""
    return see_other("/ui/?status=new")


@router.get("/static/{name}")
def static(name: str) -> Response:
    """Serve the page's own JS and CSS (a fixed folder; no path traversal)."""
    match = _STATIC_NAME.match(name)
    path = STATIC_DIR / name
    if match is None or not path.is_file():
        return secure(Response("not found", status_code=404, media_type="text/plain"))
    response = FileResponse(path, media_type=_MEDIA[match.group(1)])
    response.headers["Cache-Control"] = "no-cache"
    return secure(response, cache=True)


@router.get("/ui/login")
def login_page(
    request: Request, settings: SettingsDep, next: str | None = None, msg: str | None = None
) -> Response:
    """Show the login form."""
    lang = request_lang(request)
    messages = {"out": "login.logged_out", "ended": "login.session_ended"}
    message = translate(lang, messages[msg]) if msg in messages else None
    return _login_form(request, settings, next, message, "ok", 200)


def _login_form(
    request: Request,
    settings: SettingsDep,
    next_url: str | None,
    message: str | None,
    kind: str,
    status_code: int,
) -> Response:
    token, cookie = websession.login_csrf(settings, request)
    response = render(
        request,
        "login.html",
        {
            "login_csrf": token,
            "next_url": safe_next(next_url or "/ui/?status=new"),
            "message": message,
            "message_kind": kind,
        },
        status_code=status_code,
    )
    websession.set_login_csrf_cookie(response, request, cookie)
    return response


@router.post("/ui/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    key: Annotated[str, Form(max_length=MAX_KEY_CHARS)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/ui/",
) -> Response:
    """Check the key; on success set the session cookie and go to the queue."""
    lang = request_lang(request)
    if not websession.check_login_csrf(settings, request, csrf_token):
        return _login_form(
            request, settings, next, translate(lang, "login.expired_form"), "error", 403
        )
    client = request.client.host if request.client else "unknown"
    wait = _login_limiter(request).take(f"login:{client}")
    if wait > 0:
        response = _login_form(
            request, settings, next, translate(lang, "login.invalid"), "error", 429
        )
        response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return response
    try:
        principal = auth_deps.authenticate(request, session, key.strip()) if key.strip() else None
    except Problem as refused:  # too many failed tries: answered before any hashing
        response = _login_form(
            request, settings, next, translate(lang, "login.invalid"), "error", 429
        )
        response.headers["Retry-After"] = refused.headers["Retry-After"]
        return response
    if principal is None or principal.key_id is None:
        return _login_form(request, settings, next, translate(lang, "login.invalid"), "error", 401)
    ws = websession.new_session(settings, principal.key_id)
    response = see_other(safe_next(next))
    websession.set_session_cookie(response, request, settings, ws)
    response.delete_cookie(websession.LOGIN_CSRF_COOKIE, path="/ui")
    return response


@router.post("/ui/logout")
def logout(
    request: Request,
    session: SessionDep,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """End the session (CSRF-checked so another site cannot log a reviewer out)."""
    found = webauth.current(request, session)
    if found is not None and not websession.check_csrf(found[1], request, csrf_token):
        return _forbidden_csrf(request)
    if found is not None:
        # Issue 13: end the session server-side too; a copied cookie stops working now.
        ws = found[1]
        key_repo.revoke_session(session, ws.sid, datetime.fromtimestamp(ws.expires_at, UTC))
    response = see_other("/ui/login?msg=out")
    websession.clear_session_cookie(response, request)
    return response


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _error(
    request: Request,
    status: int,
    title: str,
    detail: str,
    principal: Principal | None = None,
    csrf: str | None = None,
) -> Response:
    """Answer problem details to fetch() calls and an error page to browsers."""
    if _wants_json(request):
        return secure(problem_response(status, title, detail))
    return render(
        request,
        "error.html",
        {"message": detail},
        principal=principal,
        csrf=csrf,
        status_code=status,
    )


def _forbidden_csrf(request: Request) -> Response:
    return _error(request, 403, "Forbidden", translate(request_lang(request), "error.csrf"))


def _filters(label: str, status: str, region: str, q: str, mix: str = "") -> views.Filters:
    return views.Filters(
        label=label.strip(),
        status=status.strip(),
        region=region.strip(),
        q=q.strip(),
        mix=mix.strip(),
    )


Label = Annotated[str, Query(max_length=40)]
Status = Annotated[str, Query(max_length=20)]
RegionQ = Annotated[str, Query(max_length=100)]
Text = Annotated[str, Query(max_length=200)]


@router.get("/ui/")
def queue_page(
    request: Request,
    session: SessionDep,
    label: Label = "",
    status: Status = "",
    region: RegionQ = "",
    q: Text = "",
    mix: Annotated[str, Query(max_length=20)] = "",
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    item: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Response:
    """The review queue with filters, and the selected item beside it."""
    found = webauth.current(request, session)
    if found is None:
        return to_login(request)
    principal, ws = found
    lang = request_lang(request)
    if not policy.allowed(principal, "read_items"):
        return _error(request, 403, "Forbidden", translate(lang, "error.forbidden"), principal)
    filters = _filters(label, status, region, q, mix)
    filter_error = None
    try:
        rows, next_cursor = pages.queue_rows(session, principal, filters, cursor, QUEUE_PAGE)
    except queue.QueryError as exc:
        rows, next_cursor, filter_error = [], None, str(exc)
    selected_id = item if item is not None else (rows[0].id if rows else None)
    selected = pages.item_view(session, principal, selected_id, filters) if selected_id else None
    return render(
        request,
        "queue.html",
        {
            "active": "queue",
            "filters": filters,
            "rows": rows,
            "next_href": filters.href(cursor=next_cursor) if next_cursor else None,
            "filter_error": filter_error,
            "selected": selected,
            **pages.panel_context(principal, filters),
        },
        principal=principal,
        csrf=ws.csrf,
    )


@router.get("/ui/items/{item_id}/panel")
def item_panel(
    request: Request,
    session: SessionDep,
    item_id: Annotated[int, Path(ge=1, le=2**62)],
    back: Annotated[str, Query(max_length=2000)] = "/ui/",
) -> Response:
    """The item panel alone (HTML fragment), for keyboard navigation without reloads."""
    found = webauth.current(request, session)
    if found is None:
        return secure(problem_response(401, "Unauthorized", "log in again"))
    principal, ws = found
    lang = request_lang(request)
    if not policy.allowed(principal, "read_items"):
        return _error(request, 403, "Forbidden", translate(lang, "error.forbidden"))
    filters = _filters_from_back(back)
    selected = pages.item_view(session, principal, item_id, filters)
    if selected is None:
        # Missing and out-of-scope items answer alike, so nothing can be inferred.
        return _error(request, 404, "Not Found", translate(lang, "error.not_found"))
    return render(
        request,
        "_item.html",
        {"selected": selected, **pages.panel_context(principal, filters)},
        principal=principal,
        csrf=ws.csrf,
    )


def _filters_from_back(back: str) -> views.Filters:
    """Recover the queue filters from the `back` URL a panel was opened with."""
    query = urlsplit(safe_next(back)).query
    params = {k: v[0][:200] for k, v in parse_qs(query).items() if k in views.FILTER_KEYS}
    return views.Filters(**params)


def _acting(
    request: Request, session: SessionDep, action: str, csrf_token: str | None
) -> tuple[Principal, websession.WebSession] | Response:
    """Authenticate a state change: session, CSRF token, then the policy for `action`."""
    found = webauth.current(request, session)
    if found is None:
        if _wants_json(request):
            return secure(problem_response(401, "Unauthorized", "log in again"))
        return to_login(request, "ended")
    principal, ws = found
    if not websession.check_csrf(ws, request, csrf_token):
        return _forbidden_csrf(request)
    if not policy.allowed(principal, action):
        lang = request_lang(request)
        return _error(request, 403, "Forbidden", translate(lang, "error.forbidden"), principal)
    return principal, ws


def _done(request: Request, back: str, body: dict[str, object]) -> Response:
    if _wants_json(request):
        return secure(JSONResponse(body))
    return see_other(safe_next(back))


@router.post("/ui/items/{item_id}/claim")
def claim_item(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    item_id: Annotated[int, Path(ge=1, le=2**62)],
    csrf_token: Annotated[str | None, Form(max_length=200)] = None,
    back: Annotated[str, Form(max_length=2000)] = "/ui/",
) -> Response:
    """Claim an item for the configured lease time."""
    acting = _acting(request, session, "claim", csrf_token)
    if isinstance(acting, Response):
        return acting
    principal, _ = acting
    lang = request_lang(request)
    review_repo.lock_for_writing(session)
    try:
        out = reviews.claim(session, principal, item_id, settings.claim_lease)
    except reviews.ReviewError as exc:
        session.rollback()
        return _error(request, exc.status, _TITLES.get(exc.status, "Error"), exc.detail)
    return _done(
        request,
        back,
        {
            "item_id": item_id,
            "claimed_by": out.claimed_by,
            "expires_at": out.expires_at.isoformat(),
            "message": translate(lang, "act.claimed"),
        },
    )


@router.post("/ui/items/{item_id}/decision")
def decide_item(
    request: Request,
    session: SessionDep,
    item_id: Annotated[int, Path(ge=1, le=2**62)],
    decision: Annotated[str, Form(max_length=20)],
    csrf_token: Annotated[str | None, Form(max_length=200)] = None,
    labels: Annotated[list[str] | None, Form(max_length=10)] = None,
    reason: Annotated[str | None, Form(max_length=2000)] = None,
    target: Annotated[str | None, Form(max_length=40)] = None,
    note: Annotated[str | None, Form(max_length=4000)] = None,
    apply_to_cluster: Annotated[bool, Form()] = False,
    expected_status: Annotated[str, Form(max_length=20)] = "new",
    back: Annotated[str, Form(max_length=2000)] = "/ui/",
) -> Response:
    """Confirm, dismiss or escalate an item; 409 when someone else decided it first."""
    acting = _acting(request, session, "review", csrf_token)
    if isinstance(acting, Response):
        return acting
    principal, _ = acting
    lang = request_lang(request)
    if reason in pages.DISMISS_REASONS:
        reason = translate("en", f"reason.{reason}")  # stored in one language for exports
    try:
        body = DecisionIn.model_validate(
            {
                "action": decision,
                "labels": labels if decision == "confirm" else None,
                "reason": reason if decision == "dismiss" else None,
                "target": target if decision == "escalate" else None,
                "note": note or None,
                "apply_to_cluster": apply_to_cluster,
                "expected_status": expected_status,
            }
        )
    except ValidationError as exc:
        detail = "; ".join(str(e.get("msg", "")) for e in exc.errors())
        return _error(request, 422, translate(lang, "error.bad_input"), detail[:500])
    review_repo.lock_for_writing(session)
    try:
        out = reviews.decide(session, principal, item_id, body)
    except reviews.ReviewError as exc:
        session.rollback()
        return _error(request, exc.status, _TITLES.get(exc.status, "Error"), exc.detail)
    return _done(
        request,
        back,
        {
            "item_id": item_id,
            "status": out.status,
            "status_label": translate(lang, f"status.{out.status}"),
            "cluster_applied": out.cluster_applied,
            "message": translate(lang, "act.done"),
        },
    )


@router.get("/ui/liaison")
def liaison_page(
    request: Request,
    session: SessionDep,
    region: Annotated[str | None, Query(max_length=30, pattern=r"^[0-9.]+$")] = None,
) -> Response:
    """Per-region counts and the daily trend within the caller's regions."""
    found = webauth.current(request, session)
    if found is None:
        return to_login(request)
    principal, ws = found
    lang = request_lang(request)
    if not policy.allowed(principal, "read_regions"):
        return _error(request, 403, "Forbidden", translate(lang, "error.forbidden"), principal)
    try:
        view = liaison.overview(session, principal, region)
    except LookupError:
        return _error(
            request, 404, "Not Found", translate(lang, "error.not_found"), principal, ws.csrf
        )
    return render(
        request,
        "liaison.html",
        {"active": "liaison", "view": view, "labels": LABELS, "map_partial": None},
        principal=principal,
        csrf=ws.csrf,
    )


_TITLES = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict"}
_TITLES[422] = "Unprocessable Content"
