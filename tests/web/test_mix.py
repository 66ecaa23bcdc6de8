"""The review page's uncertainty toggle: borderline rows interleaved and marked."""

from __future__ import annotations

import re

from monitor.core.runtime import Runtime
from tests.support.client import app_client
from tests.support.seeds.mix import seed_mix
from tests.web.conftest import web_login


def _rows(html: str) -> list[tuple[int, str]]:
    return [(int(i), why) for i, why in re.findall(r'data-id="(\d+)"[^>]*data-why="(\w+)"', html)]


def test_toggle_interleaves_marked_uncertain_rows(rt: Runtime) -> None:
    with rt.session() as s:
        mixed = seed_mix(s)
    client = app_client(rt, follow_redirects=False)
    web_login(client, mixed.keys["reviewer"])

    plain = client.get("/ui/", params={"status": "new"})
    assert plain.status_code == 200
    assert 'id="f-mix"' in plain.text and "checked" not in plain.text.split('id="f-mix"')[1][:20]
    assert {why for _, why in _rows(plain.text)} == {"order"}
    assert mixed.uncertain[2] not in {i for i, _ in _rows(plain.text)}  # unflagged

    page = client.get("/ui/", params={"status": "new", "mix": "uncertain"})
    assert page.status_code == 200
    rows = _rows(page.text)
    explored = [i for i, why in rows if why != "order"]
    assert explored[:3] == [mixed.disagree, mixed.uncertain[0], mixed.uncertain[1]]
    assert 'id="f-mix" checked' in page.text
    assert "ragu: dekat ambang" in page.text and "ragu: versi model berbeda" in page.text
    # The panel of an explored item opens like any other and keeps the mix in its links.
    panel = client.get(
        f"/ui/items/{mixed.uncertain[2]}/panel", params={"back": "/ui/?mix=uncertain"}
    )
    assert panel.status_code == 200
    english = client.get("/ui/", params={"mix": "uncertain", "lang": "en"})
    assert "uncertain: near threshold" in english.text


def test_liaison_mix_stays_in_province_and_bad_mix_is_explained(rt: Runtime) -> None:
    with rt.session() as s:
        mixed = seed_mix(s)
    client = app_client(rt, follow_redirects=False)
    web_login(client, mixed.keys["liaison"])
    page = client.get("/ui/", params={"mix": "uncertain"})
    ids = {i for i, _ in _rows(page.text)}
    assert mixed.uncertain[0] in ids and mixed.jakarta_borderline not in ids
    bad = client.get("/ui/", params={"mix": "<script>"})
    assert bad.status_code == 200 and 'id="filter-error"' in bad.text
    assert "<script>" not in bad.text.split('id="filter-error"')[1][:200]
