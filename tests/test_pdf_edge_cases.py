"""PDF edge cases: none may crash or lose content."""

from __future__ import annotations

import re
import subprocess

import pytest
from django.core.cache import caches

from intl_reports.demo import demo_photo_bytes
from intl_reports.models import OutcomeReport
from intl_reports.pdf import render
from intl_reports.photos import store_photo
from tests.factories import PlanFactory, SchoolFactory


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path_factory):
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
    for backend in caches.all():
        backend.clear()


def text_of(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pages_of(pdf: bytes, tmp_path) -> int:
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)[1])


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def report(school):
    plan = PlanFactory(school=school, serial="EDGE-1")
    return OutcomeReport.for_plan(plan)


def test_an_empty_report(school, tmp_path):
    plan = PlanFactory(
        school=school,
        serial="EMPTY-1",
        approved_total=0,
        exchanges=[],
        partners=[],
        schedule=[],
        budget=[],
        outcomes=[],
    )
    report = OutcomeReport.for_plan(plan)
    for name in ["address", "stage", "class_count", "contact_name", "principal_name"]:
        setattr(report, name, "")
    text = text_of(render.render_report_pdf(report), tmp_path)
    assert "（未勾選交流類型）" in text
    assert "（無資料）" in text
    assert "（無照片）" in text
    assert "無法計算" in text  # 經費執行率 with a 0 total: no error
    assert "第 1 頁／共" in text


def test_200_budget_lines_repeat_the_table_header(report, tmp_path):
    report.budget_lines = [
        {
            "type": "budget_line",
            "value": {
                "item": f"項目{n:03d}",
                "secondary_use": "國外旅費",
                "approved": 1000,
                "spent": n * 5,
                "notes": "",
            },
        }
        for n in range(1, 201)
    ]
    report.approved_total = 200_000
    pdf = render.render_report_pdf(report)
    text = text_of(pdf, tmp_path)
    for n in range(1, 201):
        assert f"項目{n:03d}" in text
    assert "100.00" in text  # line 200: 1000 / 1000
    assert "0.50" in text  # line 1: 5 / 1000
    # Σ實支 = 5 × (1 + … + 200) = 100500; / 200000 → 50.25 % overall
    assert "50.25 %" in text
    pages_with_budget_rows = [p for p in text.split("\f") if "項目1" in p]
    assert len(pages_with_budget_rows) >= 3
    for page in pages_with_budget_rows:
        assert "補(捐)助項目" in page  # the thead is repeated on every page of the table


def test_20000_character_features_are_printed_whole(report, tmp_path):
    chunks = [f"第{n:04d}段辦理特色說明。" + ("\n" if n % 40 == 0 else "") for n in range(1, 1700)]
    report.features = "".join(chunks)[:20_000]
    assert len(report.features) == 20_000
    text = flat(text_of(render.render_report_pdf(report), tmp_path))
    markers = re.findall(r"第\d{4}段", report.features)
    assert len(markers) > 1400
    for marker in markers:
        assert marker in text
    assert flat(report.features[-200:]) in text  # the very end too


def test_long_cells_in_rows_that_avoid_breaks_are_not_lost(report, tmp_path):
    note = "".join(f"質性說明第{n:04d}句。" for n in range(1, 900))
    report.outcome_checks = [
        {
            "type": "outcome",
            "value": {
                "category": "推動目標",
                "expected": "預期成效",
                "achieved": True,
                "note": note,
            },
        }
    ]
    text = flat(text_of(render.render_report_pdf(report), tmp_path))
    for n in (1, 450, 899):
        assert f"質性說明第{n:04d}句" in text


def test_long_unbroken_latin_strings_wrap(report, tmp_path):
    long_word = "A" * 3000
    url = "https://example.com/" + "x" * 500
    report.features = f"{long_word} {url}"
    report.work_items = [
        {
            "type": "work_item",
            "value": {"item": "B" * 800, "progress": 50, "delay_reason": "C" * 800},
        }
    ]
    report.contact_email = "a" * 60 + "@example.edu.tw"
    text = flat(text_of(render.render_report_pdf(report), tmp_path))
    assert text.count("A") >= 3000
    assert "B" * 800 in text
    assert "C" * 800 in text
    assert "x" * 500 in text


def test_a_photo_whose_file_is_missing_shows_a_placeholder(report, school, tmp_path):
    kept = store_photo(school, demo_photo_bytes(0), title="保留的照片", consent=True)
    lost = store_photo(school, demo_photo_bytes(1), title="遺失的照片", consent=True)
    lost.file.storage.delete(lost.file.name)
    report.photos = [
        {"type": "photo", "value": {"image": kept.pk, "caption": "保留的照片說明"}},
        {"type": "photo", "value": {"image": lost.pk, "caption": "遺失的照片說明"}},
        {"type": "photo", "value": {"image": 999_999, "caption": "不存在的圖片說明"}},
    ]
    pdf = render.render_report_pdf(report)
    text = flat(text_of(pdf, tmp_path))
    assert "保留的照片說明" in text
    assert "遺失的照片說明" in text
    assert "不存在的圖片說明" in text
    assert text.count(flat(render.MISSING_IMAGE_NOTE)) == 2


def test_a_rendition_whose_file_is_missing_is_made_again(report, school, tmp_path):
    photo = store_photo(school, demo_photo_bytes(2), title="照片", consent=True)
    rendition = photo.get_rendition(render.PHOTO_SPEC)
    rendition.file.storage.delete(rendition.file.name)
    report.photos = [{"type": "photo", "value": {"image": photo.pk, "caption": "重新產生"}}]
    text = flat(text_of(render.render_report_pdf(report), tmp_path))
    assert flat(render.MISSING_IMAGE_NOTE) not in text
    assert "重新產生" in text


def test_another_schools_photo_is_never_printed(report, tmp_path):
    stranger = SchoolFactory(name="別校", code="OTHER_X")
    photo = store_photo(stranger, demo_photo_bytes(3), title="別校照片", consent=True)
    report.photos = [{"type": "photo", "value": {"image": photo.pk, "caption": "別校照片說明"}}]
    fetcher = render.StorageImageFetcher()
    html = render.render_html(report, fetcher)
    assert fetcher.files == {}
    assert render.FOREIGN_IMAGE_NOTE in html
    assert "別校照片說明" in html
