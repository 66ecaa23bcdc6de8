"""The queue, item panel, triage actions and liaison view over a seeded database."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.support.seeds.web import XSS, Seeded

Login = Callable[[str], tuple[TestClient, str]]


def _row_ids(page: str) -> list[int]:
    """Every post the queue lists: each row's post, then the other copies of its narrative."""
    ids: list[int] = []
    for main, attrs in re.findall(r'class="row[^"]*" data-id="(\d+)"([^>]*)>', page):
        copies = re.search(r'data-copies="([\d ]+)"', attrs)
        for x in [main, *(copies.group(1).split() if copies else [])]:
            if int(x) not in ids:
                ids.append(int(x))
    return ids


def _narrative_rows(page: str) -> list[int]:
    return [int(x) for x in re.findall(r'class="row[^"]*" data-id="(\d+)"', page)]


def test_queue_lists_flagged_items_by_priority_with_the_first_open(
    browser_as: Login, seeded: Seeded
) -> None:
    client, _ = browser_as("reviewer")
    page = client.get("/ui/")
    assert page.status_code == 200
    ids = _row_ids(page.text)
    assert sorted(ids) == sorted(seeded.post_ids)
    assert ids[0] == seeded.post_ids[0]  # highest score/priority first
    assert f'id="item" data-id="{ids[0]}"' in page.text
    # the explanation is beside the text: fired terms are marked inside the post text
    assert "<mark" in page.text and "serangan fajar" in page.text


@pytest.mark.parametrize(
    ("query", "expect"),
    [
        ("label=money_politics", "money"),
        ("status=new", "all"),
        ("status=confirmed", "none"),
        ("region=15", "jambi"),
        ("region=Jambi", "jambi"),
        ("region=31.71", "jakpus"),
        ("q=sembako", "jakpus"),
        ("label=hoax&region=15.71", "hoax"),
    ],
)
def test_filters(browser_as: Login, seeded: Seeded, query: str, expect: str) -> None:
    client, _ = browser_as("reviewer")
    ids = set(_row_ids(client.get(f"/ui/?{query}").text))
    want = {
        "money": {seeded.post_ids[0], seeded.post_ids[3]},
        "all": set(seeded.post_ids),
        "none": set(),
        "jambi": set(seeded.jambi_ids),
        "jakpus": {seeded.post_ids[3]},
        "hoax": {seeded.post_ids[1], *seeded.post_ids[5:]},
    }[expect]
    assert ids == want


@pytest.mark.parametrize(
    "query",
    [
        "label=nonsense",
        "status=%27%3B%20DROP%20TABLE%20posts%3B--",
        "q=%27%20OR%201%3D1%20--",
        "q=%25%25%25_%5C",
        "region=%27%20OR%20%271%27%3D%271",
        "region=99.99",
        "cursor=not-a-cursor",
        "item=999999999",
        "q=" + "x" * 500,
        "item=-1",
    ],
)
def test_hostile_filters_are_harmless(browser_as: Login, seeded: Seeded, query: str) -> None:
    client, _ = browser_as("reviewer")
    res = client.get(f"/ui/?{query}")
    assert res.status_code in (200, 422), res.text
    if res.status_code == 200:
        assert len(_row_ids(res.text)) in (0, len(seeded.post_ids))
        assert "DROP TABLE" not in res.text or "&#39;; DROP TABLE" in res.text
    # the database is intact afterwards
    assert len(_row_ids(client.get("/ui/").text)) == len(seeded.post_ids)


def test_bad_label_filter_says_why(browser_as: Login) -> None:
    client, _ = browser_as("reviewer")
    page = client.get("/ui/?label=%3Cb%3Ebold%3C%2Fb%3E")
    assert page.status_code == 200
    assert 'id="filter-error"' in page.text and "Label harus salah satu dari" in page.text
    assert "<b>bold</b>" not in page.text


def test_xss_in_post_text_is_escaped_everywhere(browser_as: Login, seeded: Seeded) -> None:
    client, _ = browser_as("admin")
    page = client.get(f"/ui/?item={seeded.xss_id}").text
    panel = client.get(f"/ui/items/{seeded.xss_id}/panel").text
    for body in (page, panel):
        assert "<script>window.__pwned" not in body
        assert "<img src=x" not in body
        assert html.escape(XSS, quote=False)[:30] in body or "&lt;script&gt;" in body


def test_panel_shows_explanation_debunk_cluster_and_regions(
    browser_as: Login, seeded: Seeded
) -> None:
    client, _ = browser_as("reviewer")
    panel = client.get(f"/ui/items/{seeded.cluster_post_id}/panel").text
    assert re.search(r"<mark[^>]*>sudah dicoblos</mark>", panel)
    assert 'href="https://turnbackhoax.id/2024/02/surat-suara-dicoblos/"' in panel
    assert 'rel="noopener noreferrer nofollow"' in panel
    assert 'id="siblings"' in panel and panel.count('<li><a href="/ui/?item=') == 2
    assert "Kota Jambi" in panel and "15.71" in panel
    # Rules are shown by their Indonesian description, never by their id.
    assert "pesan berantai tentang pemilu yang minta disebarkan" in panel
    assert "hx_chain_claim" not in panel
    copy = client.get(f"/ui/items/{seeded.post_ids[-1]}/panel").text
    assert "javascript:" not in copy  # hostile source URL is shown nowhere as a link


def test_claim_and_decisions_with_csrf(browser_as: Login, seeded: Seeded) -> None:
    client, csrf = browser_as("reviewer")
    first, second, third = seeded.post_ids[:3]
    json_h = {"Accept": "application/json", "X-CSRF-Token": csrf}
    res = client.post(f"/ui/items/{first}/claim", headers=json_h)
    assert res.status_code == 200 and res.json()["claimed_by"] == "reviewer-web"
    res = client.post(
        f"/ui/items/{first}/decision",
        headers=json_h,
        data={"decision": "confirm", "labels": ["money_politics"], "expected_status": "new"},
    )
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "confirmed"
    # a plain form post (no JS) carries the token as a field and is redirected back
    res = client.post(
        f"/ui/items/{second}/decision",
        data={
            "decision": "dismiss",
            "reason": "satire",
            "csrf_token": csrf,
            "back": "/ui/?label=hoax",
        },
    )
    assert res.status_code == 303 and res.headers["location"] == "/ui/?label=hoax"
    res = client.post(
        f"/ui/items/{third}/decision",
        headers=json_h,
        data={"decision": "escalate", "target": "bawaslu", "note": "<b>urgent</b>"},
    )
    assert res.json()["status"] == "escalated"
    open_ids = _row_ids(client.get("/ui/?status=new").text)
    assert first not in open_ids and second not in open_ids and third not in open_ids
    history = client.get(f"/ui/items/{third}/panel").text
    assert "&lt;b&gt;urgent&lt;/b&gt;" in history and "reviewer-web" in history
    dismissed = client.get(f"/ui/items/{second}/panel").text
    assert "Satire/parody" in dismissed


def test_second_reviewer_gets_a_clear_conflict(browser_as: Login, seeded: Seeded) -> None:
    one, csrf1 = browser_as("reviewer")
    two, csrf2 = browser_as("reviewer2")
    item = seeded.post_ids[0]
    h1 = {"Accept": "application/json", "X-CSRF-Token": csrf1}
    h2 = {"Accept": "application/json", "X-CSRF-Token": csrf2}
    assert one.post(f"/ui/items/{item}/claim", headers=h1).status_code == 200
    clash = two.post(f"/ui/items/{item}/claim", headers=h2)
    assert clash.status_code == 409 and "reviewer-web" in clash.json()["detail"]
    assert (
        one.post(
            f"/ui/items/{item}/decision",
            headers=h1,
            data={"decision": "dismiss", "reason": "other"},
        ).json()["status"]
        == "dismissed"
    )
    late = two.post(f"/ui/items/{item}/decision", headers=h2, data={"decision": "confirm"})
    assert late.status_code == 409 and "Ditolak" in late.json()["detail"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-CSRF-Token": "forged"},
        {"X-CSRF-Token": ""},
    ],
)
def test_state_changes_without_the_csrf_token_are_refused(
    browser_as: Login, seeded: Seeded, headers: dict[str, str]
) -> None:
    client, _ = browser_as("reviewer")
    item = seeded.post_ids[0]
    for path, data in [
        (f"/ui/items/{item}/claim", {}),
        (f"/ui/items/{item}/decision", {"decision": "confirm"}),
        ("/ui/logout", {}),
    ]:
        res = client.post(path, data=data, headers={"Accept": "application/json", **headers})
        assert res.status_code == 403, (path, res.text)
    assert item in _row_ids(client.get("/ui/?status=new").text)
    # another session's token is no good either
    _, other_csrf = browser_as("admin")
    res = client.post(
        f"/ui/items/{item}/claim",
        headers={"Accept": "application/json", "X-CSRF-Token": other_csrf},
    )
    assert res.status_code == 403


@pytest.mark.parametrize(
    "data",
    [
        {"decision": "approve"},
        {"decision": "dismiss"},
        {"decision": "escalate", "target": "cia"},
        {"decision": "confirm", "labels": ["not_a_label"]},
        {"decision": "confirm", "expected_status": "whatever"},
        {"decision": "dismiss", "reason": "x" * 5000},
    ],
)
def test_malformed_decisions_are_refused_and_change_nothing(
    browser_as: Login, seeded: Seeded, data: dict[str, str]
) -> None:
    client, csrf = browser_as("reviewer")
    item = seeded.post_ids[0]
    res = client.post(
        f"/ui/items/{item}/decision",
        data=data,
        headers={"Accept": "application/json", "X-CSRF-Token": csrf},
    )
    assert res.status_code == 422, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    assert item in _row_ids(client.get("/ui/?status=new").text)


def test_liaison_sees_only_their_province(browser_as: Login, seeded: Seeded) -> None:
    client, csrf = browser_as("liaison")
    ids = set(_row_ids(client.get("/ui/").text))
    assert ids == set(seeded.jambi_ids)
    for query in ("region=31", "region=DKI%20Jakarta", "q=sembako", "label=identity_politics"):
        assert set(_row_ids(client.get(f"/ui/?{query}").text)) <= set(seeded.jambi_ids)
    outside = seeded.jakarta_ids[0]
    missing = 999_999
    a = client.get(f"/ui/items/{outside}/panel")
    b = client.get(f"/ui/items/{missing}/panel")
    assert a.status_code == b.status_code == 404 and a.text == b.text
    page = client.get(f"/ui/?item={outside}").text
    assert "Sembako gratis" not in page
    # read-only role: no action buttons, and the actions themselves are refused
    assert 'id="readonly"' in client.get("/ui/").text
    h = {"Accept": "application/json", "X-CSRF-Token": csrf}
    assert client.post(f"/ui/items/{seeded.jambi_ids[0]}/claim", headers=h).status_code == 403
    liaison = client.get("/ui/liaison")
    assert liaison.status_code == 200
    assert "Jambi" in liaison.text and "DKI Jakarta" not in liaison.text
    assert 'data-code="31' not in liaison.text
    assert client.get("/ui/liaison?region=31").status_code == 404
    assert client.get("/ui/liaison?region=99").status_code == 404


def test_liaison_view_counts_and_trend(browser_as: Login, seeded: Seeded) -> None:
    client, _ = browser_as("admin")
    page = client.get("/ui/liaison?region=15").text
    assert 'id="trend"' in page and "<polyline" in page
    assert 'id="label-counts"' in page and 'id="ranking"' in page
    assert 'href="/ui/map"' in page  # the province map's nav link and block
    counts = re.search(r'<tr data-code="15.71">.*?</tr>', page, re.S)
    assert counts and "<td>3</td>" in counts.group(0)  # three hoax copies tagged Kota Jambi
    assert "Jambi" in page


def test_researcher_reads_but_cannot_review(browser_as: Login, seeded: Seeded) -> None:
    client, csrf = browser_as("researcher")
    page = client.get("/ui/")
    assert page.status_code == 200 and 'id="readonly"' in page.text
    res = client.post(
        f"/ui/items/{seeded.post_ids[0]}/decision",
        data={"decision": "confirm"},
        headers={"Accept": "application/json", "X-CSRF-Token": csrf},
    )
    assert res.status_code == 403


def test_english_queue(browser_as: Login) -> None:
    client, _ = browser_as("reviewer")
    assert "Review queue" in client.get("/ui/?lang=en").text
    assert "Antrean tinjauan" in client.get("/ui/?lang=id").text
