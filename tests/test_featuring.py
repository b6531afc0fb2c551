"""Featuring an accepted report: only consented photos, public exactly while published."""

import pytest
from django.test import Client
from django.urls import reverse

from intl_reports.models import OutcomeIndexPage, OutcomePage, OutcomeReport, ReviewState
from intl_reports.photos import THUMBNAIL_SPEC

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal(demo_data):
    from home.demo import load_portal_demo

    load_portal_demo()
    return OutcomeIndexPage.objects.get()


@pytest.fixture
def report(portal):
    report = OutcomeReport.objects.get(school_code="TEST_SCHOOL_001")
    OutcomeReport.objects.filter(pk=report.pk).update(review_state=ReviewState.ACCEPTED)
    report.refresh_from_db()
    return report


def photos_of(report):
    from intl_reports.featuring import report_photos

    return report_photos(report)


def anonymous_can_see(image) -> bool:
    urls = [image.file.url, image.get_rendition(THUMBNAIL_SPEC).url]
    answers = {Client().get(url).status_code for url in urls}
    assert len(answers) == 1, answers  # original and rendition always answer alike
    return answers == {200}


def feature_url(report):
    return reverse("intl_reports_feature", args=[report.pk])


def test_the_form_offers_only_consented_photos_and_says_why(demo_editor_client, report):
    page = demo_editor_client.get(feature_url(report)).content.decode()
    consented = [image for image, _ in photos_of(report) if image.guardian_consent]
    refused = [image for image, _ in photos_of(report) if not image.guardian_consent]
    assert refused, "the demo report has a photo without consent"
    for image in consented:
        assert f'name="photos" value="{image.pk}"' in page
    for image in refused:
        assert f'name="photos" value="{image.pk}"' not in page
    assert "無法選取：學校未記錄家長/監護人同意。" in page


def test_a_photo_without_consent_cannot_be_picked(demo_editor_client, report, portal):
    refused = next(image for image, _ in photos_of(report) if not image.guardian_consent)
    response = demo_editor_client.post(
        feature_url(report),
        {"parent": portal.pk, "title": "展示", "summary": "摘要", "photos": [refused.pk]},
    )
    assert response.status_code == 200
    assert "只能選擇已取得家長/監護人同意的照片" in response.content.decode()
    assert not OutcomePage.objects.filter(report=report).exists()


def test_publishing_makes_exactly_the_picked_photos_public(demo_editor_client, report, portal):
    photos = [image for image, _ in photos_of(report)]
    picked = [image for image in photos if image.guardian_consent][:2]
    response = demo_editor_client.post(
        feature_url(report),
        {
            "parent": portal.pk,
            "title": "測試學校001 出訪成果",
            "summary": "摘要",
            "photos": [image.pk for image in picked],
        },
    )
    page = OutcomePage.objects.get(report=report)
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[page.pk])
    assert not page.live
    assert page.display_name == "測試學校001"
    assert [p.country for p in page.partners.all()] == ["日本"]
    assert [t.kind for t in page.exchange_types.all()] == ["outbound"]
    assert {g.image_id for g in page.gallery_images.all()} == {image.pk for image in picked}
    assert not any(anonymous_can_see(image) for image in photos)  # a draft shows nothing

    page.save_revision().publish()
    visible = {image.pk for image in photos if anonymous_can_see(image)}
    assert visible == {image.pk for image in picked}
    public_page = Client().get(page.url).content.decode()
    assert "測試學校001 出訪成果" in public_page

    page.refresh_from_db()  # publish() worked on the revision's copy of the page
    page.unpublish()
    assert not any(anonymous_can_see(image) for image in photos)


def test_deleting_the_page_makes_the_photos_private_again(
    demo_editor_client, report, portal, django_capture_on_commit_callbacks
):
    picked = [image for image, _ in photos_of(report) if image.guardian_consent][:1]
    demo_editor_client.post(
        feature_url(report),
        {"parent": portal.pk, "title": "展示", "summary": "摘要", "photos": [picked[0].pk]},
    )
    page = OutcomePage.objects.get(report=report)
    page.save_revision().publish()
    assert anonymous_can_see(picked[0])
    page.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        page.delete()
    assert not anonymous_can_see(picked[0])


def test_withdrawing_consent_hides_a_published_photo(demo_editor_client, report, portal):
    picked = [image for image, _ in photos_of(report) if image.guardian_consent][:1]
    demo_editor_client.post(
        feature_url(report),
        {"parent": portal.pk, "title": "展示", "summary": "摘要", "photos": [picked[0].pk]},
    )
    OutcomePage.objects.get(report=report).save_revision().publish()
    assert anonymous_can_see(picked[0])
    picked[0].guardian_consent = False
    picked[0].save()
    from intl_reports.models.outcomes import sync_published_photos

    sync_published_photos([picked[0].pk])
    assert not anonymous_can_see(picked[0])


def test_only_accepted_reports_can_be_featured(demo_editor_client, report, portal):
    OutcomeReport.objects.filter(pk=report.pk).update(review_state=ReviewState.PENDING)
    response = demo_editor_client.post(
        feature_url(report), {"parent": portal.pk, "title": "展示", "summary": "摘要"}
    )
    assert "只有「已審閱」的成果報告可以建立展示成果" in response.content.decode()
    assert not OutcomePage.objects.filter(report=report).exists()


def test_the_school_sees_that_its_report_is_featured(
    demo_editor_client, demo_school_client, report, portal
):
    demo_editor_client.post(
        feature_url(report), {"parent": portal.pk, "title": "北園展示", "summary": "摘要"}
    )
    OutcomePage.objects.get(report=report).save_revision().publish()
    tab = reverse("intl_reports:report_tab", args=[report.plan_id, "results"])
    assert "此成果已選為網站展示成果" in demo_school_client.get(tab).content.decode()


@pytest.mark.parametrize("client_name", ["school_client", "authority_client", "client"])
def test_only_editors_feature(request, client_name, report, portal):
    client = request.getfixturevalue(client_name)
    response = client.post(feature_url(report), {"parent": portal.pk, "title": "x", "summary": "y"})
    assert response.status_code in (302, 403)
    assert not OutcomePage.objects.filter(report=report).exists()


def test_a_photo_placed_through_the_image_chooser_stays_private(report, portal):
    """An editor can choose any image for an article, but a school photo placed there is still
    served to nobody outside the school: publishing an article never publishes a photo."""
    from home.models import ArticlePage, SectionPage
    from intl_reports.models.outcomes import sync_published_photos

    photo = next(image for image, _ in photos_of(report) if not image.guardian_consent)
    section = SectionPage.objects.live().first()
    article = section.add_child(
        instance=ArticlePage(
            title="誤放學校照片的新聞",
            slug="chooser-photo",
            summary="摘要",
            body=[("image", {"image": photo, "alt_text": "學生合影", "caption": ""})],
        )
    )
    article.save_revision().publish()
    sync_published_photos()
    assert Client().get(article.url).status_code == 200
    photo.refresh_from_db()
    assert not photo.is_published
    assert not anonymous_can_see(photo)


def test_there_is_no_public_api_to_reach_photos(report):
    for url in ("/api/v2/images/", "/api/v2/pages/", "/api/images/"):
        assert Client().get(url).status_code == 404
