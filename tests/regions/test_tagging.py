"""Loading the official list and tagging stored posts (both databases)."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from monitor.posts import repository as posts_repo
from monitor.posts.models import PostRegion
from monitor.posts.regiontags import tag_posts
from monitor.regions import repository
from monitor.regions.models import Region
from monitor.regions.service import load_regions
from tests.regions.seed import load, post, source


def test_load_is_complete_and_idempotent(db: Session) -> None:
    first = load_regions(db, with_districts=False)
    assert first.inserted == 38 + 514
    again = load_regions(db, with_districts=False)
    assert again.inserted == 0 and again.total == 552
    assert db.get(Region, "15.07").parent_code == "15"  # type: ignore[union-attr]
    assert db.get(Region, "15.71").level == "city"  # type: ignore[union-attr]


def test_load_repairs_renamed_regions(db: Session) -> None:
    load(db)
    db.get(Region, "15.07").name = "Old name"  # type: ignore[union-attr]
    db.flush()
    db.execute(delete(Region).where(Region.code == "15.72"))
    result = load_regions(db, with_districts=False)
    assert result.inserted == 1 and result.renamed == 1
    assert db.get(Region, "15.07").name == "Kabupaten Tanjung Jabung Timur"  # type: ignore[union-attr]


def test_done_when_posts_land_on_15_07_and_roll_up_to_15(db: Session) -> None:
    load(db)
    a = post(db, "Warga Tanjab Timur resah soal amplop")
    b = post(db, "Bawaslu Kab. Tanjung Jabung Timur terima laporan")
    for p in (a, b):
        rows = posts_repo.post_regions(db, p.id)
        assert [(r.region_code, r.province_code, r.origin) for r in rows] == [
            ("15.07", "15", "text")
        ]
    assert rows[0].evidence == "Kab. Tanjung Jabung Timur"
    in_15 = db.scalar(
        select(func.count(func.distinct(PostRegion.post_id))).where(
            PostRegion.province_code == "15"
        )
    )
    assert in_15 == 2


def test_source_default_region_combines_with_text(db: Session) -> None:
    load(db)
    src = source(db, "jambi-news", region="15.71")
    p = post(db, "Spanduk provokatif di Jaksel", src=src)
    rows = {r.region_code: r for r in posts_repo.post_regions(db, p.id)}
    assert rows["31.74"].origin == "text" and rows["31.74"].evidence == "Jaksel"
    assert rows["15.71"].origin == "source" and rows["15.71"].evidence == "source"
    assert rows["15.71"].province_code == "15"


def test_unknown_source_default_is_skipped(db: Session) -> None:
    load(db)
    src = source(db, "bad-default", region="99.99")
    p = post(db, "Tidak ada wilayah di sini", src=src)
    assert posts_repo.post_regions(db, p.id) == []


def test_retagging_replaces_and_kecamatan_rolls_up_without_districts(db: Session) -> None:
    load(db)
    p = post(db, "Serangan fajar di Kecamatan Nipah Panjang")
    # Kecamatan are not loaded here: the tag rolls up to the kabupaten.
    assert [r.region_code for r in posts_repo.post_regions(db, p.id)] == ["15.07"]
    p.text = "Kini soal Kota Jambi"
    tag_posts(db, [p])
    assert [r.region_code for r in posts_repo.post_regions(db, p.id)] == ["15.71"]


def test_hook_loads_regions_when_table_is_empty(db: Session) -> None:
    assert repository.region_count(db) == 0
    p = post(db, "Kabupaten Tanjung Jabung Timur")
    assert repository.region_count(db) > 7000
    assert [r.region_code for r in posts_repo.post_regions(db, p.id)] == ["15.07"]


def test_region_tagging_is_the_first_arrival_step() -> None:
    from monitor.flows.arrival import STEPS

    assert STEPS[:2] == ("store", "regions")


def test_hostile_post_text_is_stored_safely(db: Session) -> None:
    load(db)
    p = post(db, "Kabupaten" + "x" * 100_000 + " Bogor ' OR 1=1 -- Jaksel")
    # Bare "Bogor" is Kota or Kabupaten: only its province is certain.
    assert [r.region_code for r in posts_repo.post_regions(db, p.id)] == ["31.74", "32"]
