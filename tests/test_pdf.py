"""PDF下載: content, fonts, images, metadata, safety, cache and permissions of the report PDF.

The PDFs are read back with poppler (pdftotext, pdffonts, pdfimages, pdfinfo).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from unittest import mock
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.files.storage import default_storage
from django.urls import reverse

from intl_reports.models import OutcomeReport, Plan
from intl_reports.pdf import cache, render
from intl_reports.pdf.fetcher import RefusedURL, StorageImageFetcher

DEMO_TITLE = "112學年度國際教育精進計畫 - 國際交流計畫實施成果報告"
DEMO_FILENAME = "112學年度_國際交流成果報告_測試學校001.pdf"
CAPTIONS = [
    "學生於國際競賽會場進行簡報",
    "與姊妹校師生交流合影",
    "文化體驗課程：學習當地傳統工藝",
    "返國後於校內辦理出訪分享講座",
]


# -- helpers ------------------------------------------------------------------------------------


def _poppler(tmp_path: Path, pdf: bytes, *command: str) -> str:
    path = tmp_path / f"report-{len(list(tmp_path.iterdir()))}.pdf"
    path.write_bytes(pdf)
    if command[0] == "pdftotext":
        return subprocess.run(
            [*command, str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
    return subprocess.run([*command, str(path)], check=True, capture_output=True, text=True).stdout


def pdf_text(tmp_path, pdf, layout=False) -> str:
    return _poppler(tmp_path, pdf, "pdftotext", *(["-layout"] if layout else []))


def squeezed(text: str) -> str:
    """Text without any whitespace: wrapped lines joined back."""
    return re.sub(r"\s+", "", text)


def pdf_info(tmp_path, pdf) -> dict[str, str]:
    lines = _poppler(tmp_path, pdf, "pdfinfo").splitlines()
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in lines)}


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path_factory):
    """Each test its own MEDIA_ROOT: photos and cached PDFs never leak between tests."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
    # Wagtail caches renditions by image id: ids repeat between tests, files do not.
    for backend in caches.all():
        backend.clear()


@pytest.fixture
def demo_report(demo_data):
    return OutcomeReport.objects.select_related("plan__programme").get(plan__serial="20230403-196")


@pytest.fixture
def demo_pdf(demo_report):
    return render.render_report_pdf(demo_report)


@pytest.fixture
def own_report(plans):
    return OutcomeReport.for_plan(plans["own_passed"])


# -- content ------------------------------------------------------------------------------------


def test_demo_pdf_has_the_whole_report(demo_pdf, tmp_path):
    text = pdf_text(tmp_path, demo_pdf)
    flat = squeezed(text)
    assert DEMO_TITLE in text
    assert "測試學校001" in text
    assert "TEST_SCHOOL_001" in text
    for heading in [
        "1.學校基本資料表",
        "2.計畫基本資料表",
        "3-1.工作進度",
        "3-2.經費執行情形",
        "4-1.成效評估",
        "4-2.學習評量成果分析",
        "4-3.執行成果",
    ]:
        assert heading in text
    # Tab 2: only the checked type and item of the matrix, and the partner.
    assert "二、辦理本國學校、師生出訪" in flat
    assert "國際競賽/會議" in flat
    assert "一、辦理外國學校、師生來訪" not in flat
    assert "文化體驗課程" in flat  # a caption, not the unchecked 文化體驗 item
    assert "☑文化體驗" not in flat
    assert "大阪府立國際交流高等學校" in flat
    # Tab 3-1 and 3-2.
    for item in ["辦理校內出訪分享講座", "計畫成果彙整與經費核銷", "整體交流計畫檢討"]:
        assert item in flat
    for figure in ["217500", "200000", "120000", "91.95", "100.00", "94.81", "337500"]:
        assert figure in text
    assert "核定計畫總額" in text
    assert "經費執行率" in text
    # Tab 4.
    assert "學生能洞察並聚焦感興趣的全球議題" in flat
    assert "平均分數由3.2提升至4.1" in flat
    assert "亞洲青年永續發展論壇" in flat
    for caption in CAPTIONS:
        assert caption in flat
    # Sign-off and stamp boxes.
    assert "已透過email確認 (2023-04-10 11:08:25)" in text
    for stamp in ["承辦人", "單位主管", "校長"]:
        assert stamp in text


def test_every_page_is_numbered_and_headed(demo_pdf, tmp_path):
    pages = int(pdf_info(tmp_path, demo_pdf)["Pages"])
    text = pdf_text(tmp_path, demo_pdf)
    assert pages >= 3
    for page in range(1, pages + 1):
        assert f"第 {page} 頁／共 {pages} 頁" in text
    # The running header: school and title on every page (pdftotext separates pages by \f).
    for page_text in text.split("\f")[:pages]:
        assert "測試學校001" in page_text
        assert DEMO_TITLE in page_text


def test_fonts_are_embedded_and_subsetted(demo_pdf, tmp_path):
    rows = _poppler(tmp_path, demo_pdf, "pdffonts").splitlines()[2:]
    assert rows
    names = []
    for row in rows:
        name, *_middle, emb, sub, uni, _obj, _gen = row.split()
        names.append(name)
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row
        assert re.fullmatch(r"[A-Z]{6}\+.+", name), row
    assert any("Noto-Sans-CJK-TC" in name for name in names), names


def test_metadata_language_and_tags(demo_pdf, tmp_path):
    info = pdf_info(tmp_path, demo_pdf)
    assert info["Title"] == f"測試學校001 {DEMO_TITLE}"
    assert info["Author"] == "測試學校001"
    assert info["Tagged"] == "yes"  # the pdf/ua-1 variant: a structure tree
    assert info["PDF version"] == "1.7"
    assert info["Page size"].endswith("(A4)")


def test_pdf_catalog_declares_language_and_pdf_ua(demo_report):
    fetcher = StorageImageFetcher()
    raw = render.html_to_pdf(
        render.render_html(demo_report, fetcher), fetcher, uncompressed_pdf=True
    )
    assert b"/Lang (zh-Hant)" in raw
    assert b"/StructTreeRoot" in raw
    assert b"/MarkInfo" in raw
    assert b"pdfuaid:part" in raw or b'pdfuaid:part="1"' in raw


def test_photos_are_print_sized_renditions(demo_pdf, tmp_path):
    """The demo photos are 1600×1200: the PDF embeds ~150 dpi renditions, never originals."""
    rows = _poppler(tmp_path, demo_pdf, "pdfimages", "-list").splitlines()[2:]
    assert len(rows) == 5  # four photos, one assessment image
    for row in rows:
        columns = row.split()
        width, height, encoding = int(columns[3]), int(columns[4]), columns[8]
        x_ppi = int(columns[12])
        assert width <= 700 and height <= 700, row
        assert encoding == "jpeg", row
        assert 120 <= x_ppi <= 200, row  # about 150 dpi at the printed size
    assert len(demo_pdf) < 1_000_000


# -- safety -------------------------------------------------------------------------------------

HOSTILE = (
    '<img src="file:///etc/passwd"> <link rel="stylesheet" href="http://169.254.169.254/x.css">'
)


def test_report_text_is_escaped_never_interpreted(demo_report, tmp_path):
    demo_report.features = HOSTILE
    demo_report.work_items = [
        {"type": "work_item", "value": {"item": "<b>http://example.com/a.png</b>"}}
    ]
    fetcher = StorageImageFetcher()
    html = render.render_html(demo_report, fetcher)
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    pdf = render.html_to_pdf(html, fetcher)
    text = pdf_text(tmp_path, pdf)
    assert '<img src="file:///etc/passwd">' in text
    assert "<b>http://example.com/a.png</b>" in text
    assert "root:" not in text
    assert fetcher.refused == []  # nothing tried to load it: it was only text


def test_fetcher_refuses_files_and_network():
    fetcher = StorageImageFetcher()
    for url in [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/a.png",
        "ftp://example.com/a.png",
        "data:image/png;base64,iVBORw0KGgo=",
        "report-image:999",  # the private scheme, but not registered for this report
    ]:
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
        assert fetcher.refused[-1] == url


def test_renderer_loads_nothing_but_registered_images(demo_report, tmp_path):
    """Even markup that reached WeasyPrint could not read files or the network."""
    fetcher = StorageImageFetcher()
    html = render.render_html(demo_report, fetcher)
    html = html.replace(
        "</body>",
        '<img src="file:///etc/passwd" alt="x"><img src="http://127.0.0.1:9/a.png" alt="y">'
        '<link rel="stylesheet" href="https://example.com/s.css"></body>',
    )
    with mock.patch("urllib.request.OpenerDirector.open") as network:
        pdf = render.html_to_pdf(html, fetcher)
    network.assert_not_called()
    assert "file:///etc/passwd" in fetcher.refused
    assert "http://127.0.0.1:9/a.png" in fetcher.refused
    assert "root:" not in pdf_text(tmp_path, pdf)
    # The report's own five images were served by the fetcher from storage.
    assert len(fetcher.files) == 5


# -- cache --------------------------------------------------------------------------------------


def _download(client, plan_id):
    response = client.get(reverse("intl_reports:report_pdf", args=[plan_id]))
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


def test_unchanged_report_is_served_from_cache(demo_school_client, demo_report):
    first = _download(demo_school_client, demo_report.plan_id)
    with mock.patch.object(render, "render_report_pdf", side_effect=AssertionError) as renderer:
        second = _download(demo_school_client, demo_report.plan_id)
    renderer.assert_not_called()
    assert first == second
    assert first.startswith(b"%PDF-")


def test_a_saved_change_makes_a_new_pdf_and_drops_the_old(
    demo_school_client, demo_report, tmp_path
):
    first = _download(demo_school_client, demo_report.plan_id)
    old_name = cache.cache_name(demo_report)
    assert default_storage.exists(old_name)

    demo_report.features = "修改後的辦理特色：新增返國成果發表會。"
    demo_report.save()
    demo_report.save_revision(user=get_user_model().objects.get(username="school001"))
    demo_report.refresh_from_db()
    new_name = cache.cache_name(demo_report)
    assert new_name != old_name

    with mock.patch.object(render, "render_report_pdf", wraps=render.render_report_pdf) as spy:
        second = _download(demo_school_client, demo_report.plan_id)
    spy.assert_called_once()
    assert second != first
    assert "新增返國成果發表會" in squeezed(pdf_text(tmp_path, second))
    assert not default_storage.exists(old_name)
    _dirs, files = default_storage.listdir(cache.folder(demo_report))
    assert files == [new_name.rsplit("/", 1)[1]]


def test_a_signoff_without_revision_still_refreshes_the_pdf(demo_report):
    old_name = cache.cache_name(demo_report)
    demo_report.principal_confirmed_at = demo_report.unit_head_confirmed_at
    demo_report.save(update_fields=["principal_confirmed_at"])
    assert cache.cache_name(demo_report) != old_name


def test_cached_pdfs_live_in_private_storage_under_pdf_cache(demo_report):
    name = cache.cached_pdf_name(demo_report)
    assert name.startswith("pdf-cache/")
    assert not name.startswith(("images/", "original_images/"))


# -- the view: permissions and headers ------------------------------------------------------------


def _url(plan):
    return reverse("intl_reports:report_pdf", args=[plan.pk])


def test_anonymous_is_sent_to_login(client, plans):
    url = _url(plans["own_passed"])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("intl_reports:login"))
    assert (
        f"next={quote(url, safe='')}" in response["Location"]
        or f"next={url}" in response["Location"]
    )


@pytest.mark.parametrize(
    "who, status",
    [
        ("school_client", 200),
        ("other_school_client", 404),
        ("authority_client", 200),
        ("other_authority_client", 404),
        ("editor_client", 200),
        ("superuser_client", 200),
    ],
)
def test_pdf_follows_the_report_view_permission(request, plans, who, status):
    client = request.getfixturevalue(who)
    response = client.get(_url(plans["own_passed"]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
        assert "no-cache" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]


def test_a_far_school_cannot_download_either(far_school_user, plans, client):
    client.force_login(far_school_user)
    assert client.get(_url(plans["own_passed"])).status_code == 404


def test_plans_without_a_report_are_not_found(school_client, plans):
    assert school_client.get(_url(plans["own_rejected"])).status_code == 404
    assert school_client.get(_url(plans["own_reviewing"])).status_code == 404
    missing = Plan.objects.order_by("-pk").first().pk + 1000
    response = school_client.get(reverse("intl_reports:report_pdf", args=[missing]))
    assert response.status_code == 404


def test_chinese_file_name_is_sent_rfc6266(demo_school_client, demo_report):
    response = demo_school_client.get(_url(demo_report.plan))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote(DEMO_FILENAME)}" in disposition
    assert render.pdf_filename(demo_report) == DEMO_FILENAME


def test_authority_and_editor_download_the_demo_report(
    demo_data, demo_editor_client, client, django_user_model
):
    plan = Plan.objects.get(serial="20230403-196")
    assert demo_editor_client.get(_url(plan)).status_code == 200
    client.force_login(django_user_model.objects.get(username="bear_authority"))
    assert client.get(_url(plan)).status_code == 200
