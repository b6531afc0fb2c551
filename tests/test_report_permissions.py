"""Who may see, edit, upload to and request sign-off for a report; and who may fetch which
image bytes under /media/ (originals and renditions)."""

import datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from intl_reports.models import DeadlineExtension, PortalImage
from tests import report_helpers
from tests.factories import PlanFactory, PortalImageFactory, SchoolFactory, SchoolUserFactory
from tests.report_helpers import (
    TABS,
    client_for,
    full_state,
    html_of,
    image_bytes,
    media_files,
    parse_tab_form,
    post_tab,
    read_response,
    tab_data,
    tab_url,
    upload_file,
)

pytestmark = pytest.mark.django_db

own_plan = report_helpers.own_plan
own_report = report_helpers.own_report
demo_plan = report_helpers.demo_plan
demo_report = report_helpers.demo_report

THUMB = "max-320x240|format-jpeg|jpegquality-80"
AUTHORITY_READ_ONLY = "主管機關帳號僅能檢視成果報告，無法修改。"
PAST_DEADLINE = "已超過成果報告繳交期限"


def report_urls(plan):
    """(method, url) of every URL of one report."""
    base = f"/service/reports/{plan.pk}/"
    urls = [("get", base), ("get", f"{base}pdf/"), ("post", f"{base}photos/")]
    urls += [("post", f"{base}signoff/{role}/") for role in ("unit_head", "principal")]
    for tab in TABS:
        urls += [("get", tab_url(plan, tab)), ("post", tab_url(plan, tab))]
    return urls


def request(client, method, url, plan=None):
    if method == "get":
        return client.get(url)
    if url.endswith("/photos/"):
        return client.post(url, {"file": upload_file("a.jpg", image_bytes())})
    return client.post(url, {"version": "0", "address": "改過的地址"})


def everything(report):
    return full_state(report), PortalImage.objects.count(), len(mail.outbox)


# ------------------------------------------------------------------ who gets in


def test_anonymous_users_are_sent_to_the_login_on_every_report_url(own_report):
    client = Client()
    before = everything(own_report)
    for method, url in report_urls(own_report.plan):
        response = request(client, method, url)
        assert response.status_code == 302, (method, url)
        assert response["Location"] == f"/login/?next={quote(url)}", (method, url)
    assert everything(own_report) == before


@pytest.mark.parametrize("who", ["other_school_client", "other_authority_client"])
def test_another_school_or_authority_gets_404_on_every_report_url(request, own_report, who):
    client = request.getfixturevalue(who)
    before = everything(own_report)
    files = media_files()
    wrong = []
    for method, url in report_urls(own_report.plan):
        response = globals()["request"](client, method, url)
        if response.status_code != 404:
            wrong.append((method, url, response.status_code))
    assert wrong == [], f"{who}: not 404: {wrong}"
    assert everything(own_report) == before
    assert media_files() == files


def test_a_report_not_yet_opened_is_not_created_by_a_stranger(other_school_client, own_plan):
    assert other_school_client.get(tab_url(own_plan, "school")).status_code == 404
    assert not hasattr(own_plan, "report") or own_plan.report_or_none is None


def test_ids_that_do_not_exist_or_plans_not_passed_are_404(school_client, school):
    rejected = PlanFactory(school=school, serial="P-REJ", review_result="rejected")
    for url in [tab_url(rejected, "school"), "/service/reports/999999/school/"]:
        assert school_client.get(url).status_code == 404
    assert school_client.get(f"/service/reports/{rejected.pk}/nonsense/").status_code == 404


def test_editors_may_not_use_the_service(editor_client, own_report):
    before = everything(own_report)
    for method, url in report_urls(own_report.plan):
        if url.endswith("/pdf/"):
            continue  # editors review every report's PDF (see the next test)
        assert request(editor_client, method, url).status_code == 403, (method, url)
    assert editor_client.get("/service/reports/").status_code == 403
    assert everything(own_report) == before


def test_editors_may_download_a_reports_pdf(editor_client, own_report):
    response = editor_client.get(f"/service/reports/{own_report.plan.pk}/pdf/")
    assert response.status_code == 200
    assert read_response(response)[:5] == b"%PDF-"


def test_the_right_authority_sees_every_tab_read_only(authority_client, own_report):
    plan = own_report.plan
    for tab in TABS:
        response = authority_client.get(tab_url(plan, tab))
        assert response.status_code == 200, tab
        html = html_of(response)
        assert parse_tab_form(html).disabled, f"{tab}: the fieldset is not disabled"
        assert AUTHORITY_READ_ONLY in html
        assert ">存檔</button>" not in html
        assert "記得存檔" not in html
    assert authority_client.get(f"/service/reports/{plan.pk}/").status_code == 302


def test_the_right_authority_cannot_save_upload_or_request_sign_off(
    authority_client, school_client, own_report
):
    plan = own_report.plan
    before = everything(own_report)
    files = media_files()
    for tab in TABS:
        data = tab_data(school_client, plan, tab)  # what the school's page would post
        response = post_tab(authority_client, plan, tab, data)
        assert response.status_code == 403, tab
        assert AUTHORITY_READ_ONLY in html_of(response)
    response = authority_client.post(
        f"/service/reports/{plan.pk}/photos/", {"file": upload_file("a.jpg", image_bytes())}
    )
    assert response.status_code == 403
    assert "error" in response.json()
    for role in ("unit_head", "principal"):
        response = authority_client.post(f"/service/reports/{plan.pk}/signoff/{role}/", follow=True)
        assert "您無法為此成果報告寄送核章確認信。" in html_of(response)
    assert everything(own_report) == before
    assert media_files() == files


def test_the_owning_school_sees_editable_tabs(school_client, own_report):
    for tab in TABS:
        response = school_client.get(tab_url(own_report.plan, tab))
        assert response.status_code == 200
        html = html_of(response)
        assert not parse_tab_form(html).disabled
        assert ">存檔</button>" in html
        assert "僅供檢視" not in html


def test_the_report_list_shows_only_what_each_role_may_see(
    school_client, authority_client, other_school_client, other_authority_client, own_report
):
    title = str(own_report.plan)
    assert title in html_of(school_client.get("/service/reports/"))
    assert title in html_of(authority_client.get("/service/reports/"))
    assert title not in html_of(other_school_client.get("/service/reports/"))
    assert title not in html_of(other_authority_client.get("/service/reports/"))


# ------------------------------------------------------------------ the deadline


@pytest.fixture
def past_deadline(own_report):
    programme = own_report.plan.programme
    programme.report_deadline = timezone.now() - datetime.timedelta(days=1)
    programme.save()
    return programme


def test_past_the_deadline_the_school_reads_only(school_client, own_report, past_deadline):
    plan = own_report.plan
    data = tab_data(school_client, plan, "work")
    assert data.disabled
    html = html_of(school_client.get(tab_url(plan, "work")))
    assert PAST_DEADLINE in html
    assert ">存檔</button>" not in html

    before = everything(own_report)
    data["work-0-progress"] = "100"
    response = post_tab(school_client, plan, "work", data)
    assert response.status_code == 403
    assert PAST_DEADLINE in html_of(response)
    response = school_client.post(
        f"/service/reports/{plan.pk}/photos/", {"file": upload_file("a.jpg", image_bytes())}
    )
    assert response.status_code == 403
    assert everything(own_report) == before


def test_a_deadline_extension_reopens_editing_for_that_school_only(
    school_client, other_school, own_report, past_deadline
):
    plan = own_report.plan
    DeadlineExtension.objects.create(
        programme=past_deadline, school=other_school, deadline=timezone.now() + timedelta(7)
    )
    assert tab_data(school_client, plan, "work").disabled  # another school's extension

    DeadlineExtension.objects.create(
        programme=past_deadline,
        school=plan.school,
        deadline=timezone.now() + timedelta(7),
        reason="颱風停課",
    )
    data = tab_data(school_client, plan, "work")
    assert not data.disabled
    html = html_of(school_client.get(tab_url(plan, "work")))
    assert PAST_DEADLINE not in html
    data["work-0-progress"] = "100"
    assert post_tab(school_client, plan, "work", data).status_code == 302
    response = school_client.post(
        f"/service/reports/{plan.pk}/photos/", {"file": upload_file("a.jpg", image_bytes())}
    )
    assert response.status_code == 201


def test_an_expired_extension_does_not_reopen(school_client, own_report, past_deadline):
    DeadlineExtension.objects.create(
        programme=past_deadline,
        school=own_report.plan.school,
        deadline=timezone.now() - datetime.timedelta(hours=1),
    )
    assert tab_data(school_client, own_report.plan, "budget").disabled


def timedelta(days):
    return datetime.timedelta(days=days)


# ------------------------------------------------------------------ /media/: every byte checked


@pytest.fixture
def media_roles(demo_plan, django_user_model, other_authority_user):
    demo_school = demo_plan.school
    sibling = SchoolFactory(authority=demo_school.authority, name="熊大第二學校", code="BEAR_002")
    return {
        "school": client_for(django_user_model.objects.get(username="school001")),
        "authority": client_for(django_user_model.objects.get(username="bear_authority")),
        "editor": client_for(django_user_model.objects.get(username="editor")),
        "anonymous": Client(),
        "other_school": client_for(SchoolUserFactory(username="bear002", school=sibling)),
        "other_authority": client_for(other_authority_user),
    }


@pytest.fixture
def demo_image_urls(demo_report):
    """The original and the thumbnail rendition of two of the demo report's photos."""
    images = PortalImage.objects.filter(school=demo_report.plan.school).order_by("pk")[:2]
    assert len(images) == 2
    urls = []
    for image in images:
        urls += [image.file.url, image.get_rendition(THUMB).url]
    return urls


@pytest.mark.parametrize("role", ["school", "authority", "editor"])
def test_a_schools_photos_are_served_to_the_school_its_authority_and_editors(
    media_roles, demo_image_urls, role
):
    for url in demo_image_urls:
        assert url.startswith("/media/")
        response = media_roles[role].get(url)
        assert response.status_code == 200, (role, url)
        assert read_response(response)[:3] == b"\xff\xd8\xff", "not JPEG bytes"
        assert response["Content-Type"] == "image/jpeg"
        cache = response["Cache-Control"]
        assert "no-store" in cache and "private" in cache
        assert "public" not in cache
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("role", ["anonymous", "other_school", "other_authority"])
def test_a_schools_photos_are_404_for_everyone_else(media_roles, demo_image_urls, role):
    for url in demo_image_urls:
        response = media_roles[role].get(url)
        assert response.status_code == 404, (role, url)
        assert b"\xff\xd8" not in read_response(response)[:16]


def test_guessed_media_paths_are_404(media_roles, demo_image_urls, school):
    stray = Path(settings.MEDIA_ROOT) / "original_images" / "stray-guess.jpg"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(image_bytes())
    foreign = PortalImageFactory(school=school)
    foreign_urls = [foreign.file.url, foreign.get_rendition(THUMB).url]
    original = demo_image_urls[0]
    guesses = [
        "/media/../site/portal/settings/base.py",
        "/media/%2e%2e/site/portal/settings/base.py",
        "/media/original_images/../../manage.py",
        "/media/original_images/nonexistent.jpg",
        "/media/original_images/stray-guess.jpg",
        "/media/original_images/",
        "/media/images/",
        original + ".bak",
        original.upper(),
        original.replace("original_images", "images"),
        original.rsplit(".", 1)[0] + ".max-100x100.jpg",
        *foreign_urls,
    ]
    anonymous_only = ["/media//" + original.removeprefix("/media/"), original + "?download=1"]
    try:
        for url in anonymous_only:
            assert media_roles["anonymous"].get(url).status_code == 404, url
        for role in ("school", "authority", "anonymous"):
            for url in guesses:
                response = media_roles[role].get(url)
                assert response.status_code == 404, (role, url)
                read_response(response)
    finally:
        stray.unlink()


def test_a_public_image_is_served_to_anyone_with_public_caching(db):
    image = PortalImageFactory(school=None)
    client = Client()
    for url in (image.file.url, image.get_rendition(THUMB).url):
        response = client.get(url)
        assert response.status_code == 200, url
        assert read_response(response)[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xdb")
        assert "public" in response["Cache-Control"]
        assert "no-store" not in response["Cache-Control"]


def test_a_published_school_photo_becomes_public(school):
    image = PortalImageFactory(school=school, is_published=True)
    response = Client().get(image.file.url)
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    read_response(response)


def test_media_refuses_writes(media_roles, demo_image_urls):
    assert media_roles["school"].post(demo_image_urls[0]).status_code == 405
