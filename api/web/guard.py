"""The one login dependency of the web pages: logged in, allowed, and (for writes) CSRF-checked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Form, Request

from api.auth import policy
from api.deps import SessionDep
from api.problems import LoginRequired
from api.web import auth as webauth
from api.web import session as websession
from monitor.core.errors import Forbidden
from monitor.keys.principal import Principal


@dataclass(frozen=True)
class WebUser:
    """The logged-in caller of a page and their browser session."""

    principal: Principal
    session: websession.WebSession

    @property
    def csrf(self) -> str:
        """The session's CSRF token (forms echo it)."""
        return self.session.csrf


def _user(request: Request, session: SessionDep, action: str, redirect: bool) -> WebUser:
    found = webauth.current(request, session)
    if found is None:
        raise LoginRequired(redirect=redirect, ended=request.method != "GET")
    user = WebUser(*found)
    request.state.web_user = user  # the error page shows the nav for a logged-in user
    if not policy.allowed(user.principal, action):
        raise Forbidden("error.forbidden")
    return user


def page_user(action: str, *, redirect: bool = True) -> Any:
    """Dependency for a page: redirect to login when logged out, 403 when the role lacks action.

    `redirect=False` answers 401 instead (fragments fetched by the page's script).
    """
    policy.roles_for(action)  # fail at import time for an action missing from the table

    def check(request: Request, session: SessionDep) -> WebUser:
        return _user(request, session, action, redirect)

    return Depends(check)


def acting_user(action: str) -> Any:
    """Dependency for a state change: logged in, the CSRF token (form or header), then policy."""
    policy.roles_for(action)

    def check(
        request: Request,
        session: SessionDep,
        csrf_token: Annotated[str | None, Form(max_length=200)] = None,
    ) -> WebUser:
        found = webauth.current(request, session)
        if found is None:
            raise LoginRequired(ended=True)
        user = WebUser(*found)
        request.state.web_user = user
        if not websession.check_csrf(user.session, request, csrf_token):
            raise Forbidden("error.csrf")
        if not policy.allowed(user.principal, action):
            raise Forbidden("error.forbidden")
        return user

    return Depends(check)
