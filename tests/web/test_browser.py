"""End to end in Debian's headless Chromium against a real `waspada api` on 127.0.0.1.

The reviewer never touches the mouse: log in, filter, move with j/k and the arrow keys,
claim, confirm, dismiss and escalate with the keyboard, and watch each decided item leave
the queue; a narrative (a cluster of copies) is one row and `y` on it clears every copy
without a reload; reasons are in Indonesian with the phrases that drove the score marked
(and stopwords not); times are local (WIB). The uncertainty mix toggles with u. A liaison sees
only their province; a forged POST without the CSRF token is refused; an XSS payload in a
post stays inert. Screenshots go to the test's tmp dir and to artifacts/web/ (git-ignored).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from monitor.core.runtime import build_runtime
from monitor.core.settings import load_settings
from monitor.posts.models import Post
from monitor.reviews.models import Review
from tests.support.processes import free_port, start_waspada, wait_http, waspada_env
from tests.support.seeds.web import Seeded, seed

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "web"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-quic",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is required in CI (apt-get install chromium)")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium); browser test skipped")


@pytest.fixture
def server(fresh_db_url: str, tmp_path: Path) -> Iterator[tuple[str, Seeded, str]]:
    """Seed a fresh database and serve it with `waspada api` on a free local port."""
    _need_chromium()
    settings = load_settings(data_dir=tmp_path / "data", database_url=fresh_db_url)
    rt = build_runtime(settings)
    with rt.session() as s:
        seeded = seed(s)
    rt.close()
    port = free_port()
    env = waspada_env(tmp_path / "data", fresh_db_url, WASPADA_API_PORT=str(port))
    proc = start_waspada(["api"], env, tmp_path / "api.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", proc)
        yield base, seeded, fresh_db_url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


# The wrong-key login (401) and the forged POST (403) are expected to fail.
_EXPECTED = ("status of 401", "status of 403")


def _console(message: Any, problems: list[str], hidden_panel: str | None = None) -> None:
    """Keep console errors (CSP violations, script errors) other than the expected refusals."""
    if message.type != "error" or any(e in message.text for e in _EXPECTED):
        return
    where = (message.location or {}).get("url", "")
    if hidden_panel and "status of 404" in message.text and where.endswith(hidden_panel):
        return  # the liaison asking for a Jakarta item's panel: refused on purpose
    problems.append(f"{message.text} ({where})")


def _dismiss(dialog: Any, problems: list[str]) -> None:
    """Record and dismiss any dialog: the page should never raise one."""
    problems.append(f"dialog: {dialog.message}")
    dialog.dismiss()


def _save(page: Any, tmp_path: Path, name: str, backend: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, ARTIFACTS / f"{name}-{backend}.png")
    return path


def _reason(db_url: str, tmp_path: Path, post_id: int) -> str | None:
    rt = build_runtime(load_settings(data_dir=tmp_path / "data", database_url=db_url))
    try:
        with rt.session() as s:
            return s.scalars(
                select(Review.reason).where(Review.post_id == post_id).order_by(Review.id.desc())
            ).first()
    finally:
        rt.close()


def _statuses(db_url: str, tmp_path: Path) -> dict[int, str]:
    rt = build_runtime(load_settings(data_dir=tmp_path / "data", database_url=db_url))
    try:
        with rt.session() as s:
            return dict(s.execute(select(Post.id, Post.review_status)).tuples().all())
    finally:
        rt.close()


def test_reviewer_and_liaison_in_a_real_browser(
    server: tuple[str, Seeded, str], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, seeded, db_url = server
    backend = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    problems: list[str] = []
    outside: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900})

        def only_local(route: Any) -> None:
            # No network in tests: anything not on our server is recorded and aborted.
            if route.request.url.startswith(base):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", only_local)
        page = context.new_page()
        page.on("console", lambda m: _console(m, problems))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("dialog", lambda d: _dismiss(d, problems))

        # Log in with the keyboard: the key field has focus, Enter submits.
        page.goto(f"{base}/ui/?status=new")
        expect(page).to_have_url(f"{base}/ui/login?next=%2Fui%2F%3Fstatus%3Dnew")
        expect(page.locator("#key")).to_be_focused()
        page.keyboard.type("wrong-key")
        page.keyboard.press("Enter")
        expect(page.locator("#login-message")).to_be_visible()
        expect(page.locator("#key")).to_be_focused()
        page.keyboard.type(seeded.keys["reviewer"])
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{base}/ui/?status=new")
        rows = page.locator("#rows .row")
        # Narrative-first: the three copies of the hoax are one row, with its spread.
        expect(rows).to_have_count(len(seeded.post_ids) - 2)
        narrative = page.locator("#rows .row.narrative")
        expect(narrative).to_have_count(1)
        expect(narrative).to_have_attribute("data-id", str(seeded.cluster_post_id))
        expect(narrative.locator('[data-role="copies"]')).to_have_text("3 salinan")
        copies = narrative.get_attribute("data-copies") or ""
        assert len(copies.split()) == 3
        # The priority's parts on hover and for screen readers (title + aria-describedby).
        link = narrative.locator(".row-link")
        assert "Prioritas" in (link.get_attribute("title") or "")
        described = link.get_attribute("aria-describedby")
        expect(page.locator(f"#{described}")).to_contain_text("pertumbuhan")
        # Local time: Jambi and Jakarta are both WIB; no UTC anywhere in the list.
        expect(page.locator("#rows time").first).to_contain_text("WIB")
        assert "UTC" not in page.locator("#rows").inner_text()

        # The XSS payload is text on the page, not markup.
        page.goto(f"{base}/ui/?status=new&item={seeded.xss_id}")
        expect(page.locator("#post-text")).to_contain_text("<script>window.__pwned=1</script>")
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.locator("#post-text script, #post-text img").count() == 0

        # Reasons a reviewer can read, on the money-politics post (the first row).
        page.goto(f"{base}/ui/?status=new")
        expect(page.locator("#item")).to_have_attribute("data-id", str(seeded.post_ids[0]))
        marks = [m.strip().lower() for m in page.locator("#post-text mark").all_inner_texts()]
        assert "amplop 100rb" in marks and "serangan fajar" in marks, marks
        assert not {"di", "dari", "lon"} & set(marks), marks
        expect(page.locator("#reasons")).to_contain_text("menawarkan uang untuk suara")
        expect(page.locator("#rules")).to_contain_text("istilah halus politik uang")
        assert "mp_strong_offer" not in page.locator("#item").inner_text()
        expect(page.locator("#item .item-head")).to_contain_text("WIB")

        # Filter by label with the keyboard: / jumps to the search box, Shift+Tab walks back
        # to the label select, ArrowDown picks the first label (hoax), Tab back to the search
        # box and Enter applies; status=new stays so decided items leave the list.
        page.keyboard.press("/")
        expect(page.locator("#f-q")).to_be_focused()
        for _ in range(3):
            page.keyboard.press("Shift+Tab")
        expect(page.locator("#f-label")).to_be_focused()
        page.keyboard.press("ArrowDown")
        expect(page.locator("#f-label")).to_have_value("hoax")
        for _ in range(3):
            page.keyboard.press("Tab")
        expect(page.locator("#f-q")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"label=hoax"))
        expect(rows).to_have_count(1)  # the whole narrative, not three copies
        expect(page.locator("#item")).to_have_attribute("data-id", str(seeded.cluster_post_id))
        expect(page.locator("#debunk a")).to_have_attribute(
            "href", "https://turnbackhoax.id/2024/02/surat-suara-dicoblos/"
        )
        expect(page.locator("#debunk-publisher")).to_have_text("Mafindo")
        expect(page.locator("#reasons")).to_contain_text("cocok dengan bantahan Mafindo")
        expect(page.locator("#rules")).to_contain_text("pesan berantai tentang pemilu")
        expect(page.locator("#post-text mark").first).to_be_visible()
        # The cluster box is ticked by default on a cluster, so `y` decides the narrative.
        expect(page.locator('#form-confirm [data-role="whole"]')).to_be_checked()

        # ? shows the shortcuts; Esc hides them. The filter above reloaded the page: its
        # rows are server-rendered, so wait until app.js has run and listens for keys (a
        # loaded CI machine once pressed "?" before it had).
        page.wait_for_load_state("load")
        page.keyboard.press("?")
        expect(page.locator("#help")).to_be_visible()
        _save(page, tmp_path, "help", backend)
        page.keyboard.press("Escape")
        expect(page.locator("#help")).to_be_hidden()

        # o opens the source in a new tab (aborted by the route: no network).
        with context.expect_page() as popup:
            page.keyboard.press("o")
        assert popup.value.url.startswith("https://example.org/p/") or any(
            u.startswith("https://example.org/p/") for u in outside
        )
        popup.value.close()
        outside.clear()

        # c claims; y confirms the narrative: every copy leaves the queue with no reload.
        page.evaluate("window.__samePage = 1")
        page.keyboard.press("c")
        expect(page.locator("#item-claim")).to_contain_text("reviewer-web")
        _save(page, tmp_path, "queue-claimed", backend)
        page.keyboard.press("y")
        expect(rows).to_have_count(0)
        expect(page.locator("#row-count")).to_have_text("0")
        assert page.evaluate("window.__samePage") == 1  # updated in place, not reloaded
        statuses = _statuses(db_url, tmp_path)
        cluster_ids = [int(x) for x in copies.split()]
        assert {statuses[i] for i in cluster_ids} == {"confirmed"}

        # The single posts: j/k and the arrow keys move the selection and load the panel.
        page.goto(f"{base}/ui/?status=new")
        expect(rows).to_have_count(len(seeded.post_ids) - 3)
        single_ids = [int(x) for x in rows.evaluate_all("rs => rs.map(r => r.dataset.id)")]
        assert page.locator("#rows .row.narrative").count() == 0
        # No cluster, no cluster box.
        expect(page.locator('#form-confirm [data-role="whole"]')).to_have_count(0)
        page.keyboard.press("j")
        expect(page.locator("#item")).to_have_attribute("data-id", str(single_ids[1]))
        page.keyboard.press("k")
        expect(page.locator("#item")).to_have_attribute("data-id", str(single_ids[0]))
        page.keyboard.press("ArrowDown")
        expect(page.locator("#item")).to_have_attribute("data-id", str(single_ids[1]))
        page.keyboard.press("ArrowUp")
        expect(page.locator("#item")).to_have_attribute("data-id", str(single_ids[0]))

        # n opens the dismiss form on its reason; ArrowDown picks the next reason; Enter sends.
        page.keyboard.press("n")
        expect(page.locator("#form-dismiss")).to_have_class("decision active")
        expect(page.locator("#dismiss-reason")).to_be_focused()
        page.keyboard.press("ArrowDown")
        expect(page.locator("#dismiss-reason")).to_have_value("satire")
        page.keyboard.press("Enter")
        expect(rows).to_have_count(len(single_ids) - 1)
        expect(page.locator("#item")).to_have_attribute("data-id", str(single_ids[1]))

        # e opens the escalate form; Enter sends it.
        page.keyboard.press("e")
        expect(page.locator("#escalate-target")).to_be_focused()
        page.keyboard.press("Enter")
        expect(rows).to_have_count(len(single_ids) - 2)
        expect(page.locator("#row-count")).to_have_text(str(len(single_ids) - 2))

        statuses = _statuses(db_url, tmp_path)
        assert "satire" in (_reason(db_url, tmp_path, single_ids[0]) or "").lower()
        assert statuses[single_ids[0]] == "dismissed"
        assert statuses[single_ids[1]] == "escalated"

        # Back to the full open queue: a usable page for the screenshot.
        page.goto(f"{base}/ui/?status=new")
        expect(rows).to_have_count(len(single_ids) - 2)

        # u mixes in the items the model is least sure about, and u again leaves them out.
        page.keyboard.press("u")
        expect(page).to_have_url(re.compile(r"mix=uncertain"))
        expect(page.locator("#f-mix")).to_be_checked()
        expect(rows.first).to_be_visible()
        _save(page, tmp_path, "queue-mix", backend)
        page.keyboard.press("u")
        expect(page).not_to_have_url(re.compile(r"mix="))
        expect(page.locator("#f-mix")).not_to_be_checked()
        shot = _save(page, tmp_path, "queue", backend)
        assert shot.stat().st_size > 10_000

        # A forged POST without the CSRF token is refused, even with the session cookie.
        target = single_ids[2]  # still open
        forged = page.evaluate(
            """async (id) => {
                 const r = await fetch(`/ui/items/${id}/decision`, {method: 'POST',
                   headers: {'Content-Type': 'application/x-www-form-urlencoded',
                             'Accept': 'application/json'},
                   body: 'decision=dismiss&reason=other'});
                 return r.status; }""",
            target,
        )
        assert forged == 403
        form_post = context.request.post(
            f"{base}/ui/items/{target}/decision",
            form={"decision": "dismiss", "reason": "other"},
        )
        assert form_post.status == 403
        assert _statuses(db_url, tmp_path)[target] == "new"

        # English is one click away.
        page.click("a.lang")
        expect(page.locator("h1")).to_have_text("Review queue")

        # A liaison for Jambi (15) sees only Jambi, everywhere.
        liaison = browser.new_context(viewport={"width": 1400, "height": 900})
        liaison.route("**/*", only_local)
        lp = liaison.new_page()
        hidden_panel = f"/ui/items/{seeded.jakarta_ids[0]}/panel"
        lp.on("console", lambda m: _console(m, problems, hidden_panel))
        lp.on("pageerror", lambda e: problems.append(str(e)))
        lp.on("dialog", lambda d: _dismiss(d, problems))
        lp.goto(f"{base}/ui/login")
        lp.keyboard.type(seeded.keys["liaison"])
        lp.keyboard.press("Enter")
        # Why not_to_have_url: "/ui/" also matches the login page itself, so the next goto
        # could race the form's submission (seen once under CI load: no cookie, no rows).
        expect(lp).not_to_have_url(re.compile(r"/ui/login"))
        lp.goto(f"{base}/ui/")
        lrows = lp.locator("#rows .row")
        expect(lrows).to_have_count(len(seeded.jambi_ids) - 2)  # the cluster is one row
        shown = {
            int(x)
            for x in lrows.evaluate_all(
                "rs => rs.flatMap(r => [r.dataset.id, ...(r.dataset.copies || '').split(' ')])"
                ".filter(Boolean)"
            )
        }
        assert shown == set(seeded.jambi_ids)
        expect(lp.locator("#readonly")).to_be_visible()
        lp.goto(f"{base}/ui/?region=31")
        expect(lrows).to_have_count(0)
        lp.goto(f"{base}/ui/liaison")
        expect(lp.locator("#trend")).to_be_visible()
        expect(lp.locator("#selected-region")).to_contain_text("Jambi")
        assert "DKI Jakarta" not in lp.content()
        _save(lp, tmp_path, "liaison", backend)
        # The panel of a Jakarta item answers 404 like a missing one (the console error that
        # the browser logs for it is the expected refusal, not a script error).
        missing = lp.goto(f"{base}{hidden_panel}")
        assert missing is not None and missing.status == 404

        browser.close()
    assert not problems, problems  # no CSP violations, script errors or alert() popups
    assert not outside, outside
