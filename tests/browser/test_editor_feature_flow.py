"""An editor's whole featuring walk in Chromium: review the demo report in the Wagtail admin,
feature it with two of its consented photos, publish the draft page; then a visitor sees exactly
those two photos on the public showcase, and nothing else of the school's leaks."""

import re
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import assert_no_axe_violations, screenshot
from tests.portal_helpers import clear_page_cache

EDITOR = ("editor", "Demo-Editor-2023")
SCHOOL_NAME = "測試學校001"
NO_CONSENT = "無法選取：學校未記錄家長/監護人同意。"
# The zh-hant catalogue of Wagtail spells it 發佈; the brief (and common usage) say 發布.
PUBLISH = re.compile(r"^\s*(發布|發佈|Publish)\s*$")
SLOW = 60_000  # a first visit renders AVIF/WebP renditions of the photos


@pytest.fixture
def feature_demo(transactional_db):
    """The reports demo (editor, school, report with 4 photos) and the portal's page tree."""
    from home.demo import load_portal_demo
    from intl_reports.demo import load_reports_demo
    from intl_reports.models import OutcomeReport

    load_reports_demo()
    load_portal_demo(image_size=(640, 360))
    clear_page_cache()
    return OutcomeReport.objects.get(plan__serial="20230403-196")


def demo_photos(report):
    """(image, caption) of the report's photos, in order."""
    from intl_reports.featuring import report_photos

    return report_photos(report)


def admin_login(page, live_url, username, password):
    page.goto(f"{live_url}/admin/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.locator("form.login-form button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    assert urlsplit(page.url).path == "/admin/", page.url


def click_listing_button(page, row, name):
    """A row's listing button: shown inline or inside the row's "more" dropdown."""
    link = row.get_by_role("link", name=name, exact=True)
    toggle = row.locator("[data-w-dropdown-target=toggle]")
    if not (link.count() and link.first.is_visible()) and toggle.count():
        toggle.first.click()
    assert link.count(), (
        f"the report's row has no {name} button (the listing's first column must be its "
        "title column, which carries the rows' buttons)"
    )
    link.first.wait_for(state="visible")
    with page.expect_navigation():
        link.first.click()


def click_publish(page):
    """發布 in the page editor's footer: the primary action, or in its more-actions menu."""
    button = page.locator("footer button[name=action-publish]")
    if button.count() == 0:
        button = page.get_by_role("button", name=PUBLISH)
    if not button.first.is_visible():
        toggle = page.locator("footer [data-w-dropdown-target=toggle]").first
        toggle.click()
        button.first.wait_for(state="visible")
    with page.expect_navigation(timeout=SLOW):
        button.first.click()
    page.wait_for_load_state("domcontentloaded")


def admin_screenshot(page, name):
    """The whole admin page: its content scrolls inside the window, so grow the window."""
    size = page.viewport_size
    height = page.evaluate(
        "Math.max(...[document.body, ...document.querySelectorAll('main, .content-wrapper')]"
        ".map(el => el.scrollHeight))"
    )
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    page.evaluate("window.scrollTo(0, 0)")
    path = screenshot(page, name)
    page.set_viewport_size(size)
    return path


def media_path(url):
    path = urlsplit(url).path
    from django.conf import settings

    return path.removeprefix(settings.MEDIA_URL)


def owning_image_id(url):
    """The PortalImage behind a rendition (or original) URL shown on a page."""
    from intl_reports.models import PortalImage, PortalRendition

    path = media_path(url)
    rendition = PortalRendition.objects.filter(file=path).first()
    if rendition is not None:
        return rendition.image_id
    return PortalImage.objects.get(file=path).pk


def test_editor_reviews_features_and_publishes_then_visitors_see_only_picked_photos(
    browser, page, live_url, feature_demo
):
    from intl_reports.models import OutcomePage, ReviewState

    report = feature_demo
    photos = demo_photos(report)
    assert len(photos) == 4
    consented = [image for image, _caption in photos if image.guardian_consent]
    not_consented = [image for image, _caption in photos if not image.guardian_consent]
    assert len(consented) == 3 and len(not_consented) == 1
    picked, unpicked = consented[:2], consented[2]
    captions = {image.pk: caption for image, caption in photos}

    # -- the editor: list, search, review ---------------------------------------------------
    admin_login(page, live_url, *EDITOR)
    page.goto(f"{live_url}/admin/intl-reports/reports/")
    listing = page.locator("table.listing")
    assert listing.get_by_text(SCHOOL_NAME).first.is_visible()
    admin_screenshot(page, "admin-report-list")

    # The listing's own search (the sidebar has another): results swap in as one types.
    search = page.get_by_role("search").filter(has=page.locator("input[name=q]")).last
    search.locator("input[name=q]").fill("001")
    page.wait_for_url(re.compile(r"[?&]q=001"))
    page.wait_for_load_state("networkidle")
    row = page.locator("table.listing tbody tr", has_text=SCHOOL_NAME)
    assert row.count() == 1
    click_listing_button(page, row, "審閱")
    assert urlsplit(page.url).path == f"/admin/intl-reports/review/{report.pk}/"

    page.get_by_role("radio", name="已審閱").check()
    page.get_by_label("審閱意見").fill("內容完整，照片可供展示。")
    with page.expect_navigation():
        page.get_by_role("button", name="送出審閱結果").click()
    assert urlsplit(page.url).path == f"/admin/intl-reports/review/{report.pk}/"
    assert page.get_by_text(f"已將「{report}」標示為已審閱。").is_visible()
    history = page.locator("table.listing tbody tr")
    assert history.count() == 1
    assert "已審閱" in history.first.inner_text()
    assert "editor" in history.first.inner_text()
    report.refresh_from_db()
    assert report.review_state == ReviewState.ACCEPTED
    admin_screenshot(page, "admin-review")

    # -- the editor: feature with two consented photos ---------------------------------------
    with page.expect_navigation():
        page.get_by_role("link", name="展示成果", exact=True).click()
    assert urlsplit(page.url).path == f"/admin/intl-reports/feature/{report.pk}/"

    checkboxes = page.locator("input[type=checkbox][name=photos]")
    assert checkboxes.count() == 3
    for image in consented:
        box = page.locator(f"input[type=checkbox][name=photos][value='{image.pk}']")
        assert box.is_enabled() and box.is_checked()
    for image in not_consented:
        item = page.locator("ul.feature-photos li", has_text=captions[image.pk])
        assert item.locator("input[type=checkbox]").is_disabled()
        assert item.locator(f"[value='{image.pk}']").count() == 0
        reason = item.locator(f"#no-consent-{image.pk}")
        assert reason.inner_text() == NO_CONSENT
        assert (
            item.locator("input[type=checkbox]").get_attribute("aria-describedby")
            == f"no-consent-{image.pk}"
        )
    page.locator(f"input[type=checkbox][name=photos][value='{unpicked.pk}']").uncheck()
    assert page.locator("input[type=checkbox][name=photos]:checked").count() == 2
    admin_screenshot(page, "admin-feature")

    with page.expect_navigation(timeout=SLOW):
        page.get_by_role("button", name="建立展示成果草稿").click()
    outcome = OutcomePage.objects.get(report=report)
    assert urlsplit(page.url).path == f"/admin/pages/{outcome.pk}/edit/"
    assert not outcome.live
    assert [g.image_id for g in outcome.gallery_images.all()] == [i.pk for i in picked]
    for image in consented + not_consented:
        image.refresh_from_db()
        assert not image.is_published, "a draft must not publish any photo"

    click_publish(page)
    outcome.refresh_from_db()
    assert outcome.live, f"publishing failed; the editor shows {page.url}"
    for image in picked:
        image.refresh_from_db()
        assert image.is_published
    for image in [unpicked, *not_consented]:
        image.refresh_from_db()
        assert not image.is_published

    # -- a visitor (no session) ---------------------------------------------------------------
    visitor = browser.new_context(locale="zh-TW", viewport={"width": 1280, "height": 900})
    visitor.set_default_timeout(15_000)
    visitor.set_default_navigation_timeout(SLOW)
    try:
        public = visitor.new_page()
        public.goto(f"{live_url}/exchange/showcase/")
        card = public.locator("article.card--outcome", has_text=outcome.title)
        assert card.count() == 1
        card_images = card.locator("img")
        assert card_images.count() == 1
        assert owning_image_id(card_images.get_attribute("src")) == picked[0].pk
        with public.expect_navigation():
            card.get_by_role("link", name=outcome.title).click()
        assert urlsplit(public.url).path == urlsplit(outcome.full_url).path
        assert public.get_by_role("heading", level=1).inner_text() == outcome.title

        gallery = public.locator("ul.gallery img")
        assert gallery.count() == 2
        srcs = [gallery.nth(i).get_attribute("src") for i in range(gallery.count())]
        assert [owning_image_id(src) for src in srcs] == [image.pk for image in picked]
        alts = [gallery.nth(i).get_attribute("alt") for i in range(gallery.count())]
        assert alts == [captions[image.pk] for image in picked]
        # Every file the gallery shows (img and the sources of the pictures) is the picked two.
        shown = set(srcs)
        for srcset in public.locator("ul.gallery source").evaluate_all(
            "els => els.map(el => el.getAttribute('srcset'))"
        ):
            shown.update(part.strip().split(" ")[0] for part in srcset.split(","))
        assert {owning_image_id(url) for url in shown} == {image.pk for image in picked}
        for url in [*srcs, *(image.file.url for image in picked)]:
            response = visitor.request.get(f"{live_url}{url}")
            assert response.status == 200, url
            # Answered by serve_media (not by a test server's shortcut), as public.
            assert response.headers.get("x-content-type-options") == "nosniff", url
            assert "public" in response.headers.get("cache-control", ""), url
        for image in [unpicked, *not_consented]:
            response = visitor.request.get(f"{live_url}{image.file.url}")
            assert response.status == 404, f"{captions[image.pk]}: HTTP {response.status}"

        screenshot(public, "public-featured-outcome")
        assert_no_axe_violations(public)

        # -- unpublished: the photos are private again -------------------------------------
        outcome.refresh_from_db()
        outcome.unpublish()
        for image in picked:
            image.refresh_from_db()
            assert not image.is_published
            response = visitor.request.get(f"{live_url}{image.file.url}")
            assert response.status == 404, f"{captions[image.pk]}: HTTP {response.status}"
        for url in srcs:
            assert visitor.request.get(f"{live_url}{url}").status == 404, url
        response = public.goto(public.url)
        assert response.status == 404
    finally:
        visitor.close()
