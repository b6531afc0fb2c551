"""Tab 4-3 執行成果 in Chromium: 辦理特色, photo uploads with progress, and the limit of 6."""

from tests.browser import test_report_workspace as workspace
from tests.browser.test_report_workspace import (
    SAVE,
    assert_saved,
    make_image,
    open_tab,
    report,
    rows,
    save,
    stream_values,
    upload,
)

plan_id = workspace.plan_id  # the shared fixtures
school_page = workspace.school_page

LIMIT_MESSAGE = "活動照片以6張為限，無法再新增。"

# Records what the uploaders show while an upload runs (status texts, progress visibility).
WATCH_UPLOADS = """() => {
  window.__uploadLog = [];
  const observer = new MutationObserver(() => {
    document.querySelectorAll('[data-uploader]').forEach((uploader) => {
      const status = uploader.querySelector('[data-status]').textContent;
      const progress = uploader.querySelector('[data-progress]');
      window.__uploadLog.push({status, progressShown: !progress.hidden, value: progress.value});
    });
  });
  observer.observe(document.body, {subtree: true, childList: true, characterData: true,
                                   attributes: true, attributeFilter: ['hidden', 'value']});
}"""


def test_photos_up_to_six_with_progress_and_the_seventh_refused(
    school_page, live_url, plan_id, tmp_path
):
    page = school_page
    open_tab(page, live_url, plan_id, "results")
    photos = rows(page, "photos")
    assert photos.count() == 4
    assert [t.inner_text() for t in photos.locator(".photo-card__title").all()] == [
        "圖片一",
        "圖片二",
        "圖片三",
        "圖片四",
    ]
    page.get_by_label("辦理特色").fill(
        "本校學生以英語發表永續行動方案，並與姊妹校共同討論全球議題。"
    )
    page.evaluate(WATCH_UPLOADS)

    add = page.locator('[data-add-row="photos"]')
    for number, (title, colour) in enumerate(
        [("圖片五", (30, 140, 70)), ("圖片六", (120, 40, 130))], start=5
    ):
        add.click()
        assert photos.count() == number
        card = photos.nth(number - 1)
        assert card.locator(".photo-card__title").inner_text() == title
        card.get_by_label("說明").fill(f"第{number}張活動照片")
        if number == 5:
            card.get_by_label("已取得家長/監護人同意").check()
        upload(page, card, make_image(tmp_path, f"photo{number}.jpg", colour=colour, fmt="JPEG"))

    log = page.evaluate("window.__uploadLog")
    assert any(entry["status"].startswith("上傳中") for entry in log), log
    assert any(entry["progressShown"] for entry in log), log

    # The 7th: refused by the 新增 button, with a message, and no row added.
    add.click()
    assert photos.count() == 6
    assert page.locator("[data-draft-status]").inner_text() == LIMIT_MESSAGE
    assert page.get_by_text(LIMIT_MESSAGE).first.is_visible()

    new_ids = [int(photos.nth(i).locator('input[name$="-image"]').input_value()) for i in (4, 5)]
    save(page)
    assert_saved(page, live_url, plan_id, "results")

    page.reload()
    assert photos.count() == 6
    assert photos.nth(5).get_by_label("說明").input_value() == "第6張活動照片"
    assert photos.nth(4).get_by_label("已取得家長/監護人同意").is_checked()
    assert not photos.nth(5).get_by_label("已取得家長/監護人同意").is_checked()
    for card in photos.all():
        assert card.locator("[data-preview]").evaluate(
            "img => img.complete && img.naturalWidth > 0"
        )
    assert page.get_by_label("辦理特色").input_value().startswith("本校學生以英語發表")

    saved = report()
    values = stream_values(saved.photos)
    assert len(values) == 6
    assert [v["image"] for v in values[4:]] == new_ids
    assert values[5]["caption"] == "第6張活動照片"
    assert saved.features.startswith("本校學生以英語發表")
    from intl_reports.models import PortalImage

    assert PortalImage.objects.get(pk=new_ids[0]).guardian_consent is True
    assert PortalImage.objects.get(pk=new_ids[1]).guardian_consent is False


def test_a_seventh_photo_forced_past_the_button_is_refused_by_the_server(
    school_page, live_url, plan_id, tmp_path
):
    page = school_page
    open_tab(page, live_url, plan_id, "results")
    photos = rows(page, "photos")
    add = page.locator('[data-add-row="photos"]')
    for number in (5, 6):
        add.click()
        upload(page, photos.nth(number - 1), make_image(tmp_path, f"p{number}.png"))
    # A page that lost its limit (old script, crafted request): the server still refuses.
    add.evaluate("button => button.removeAttribute('data-max-rows')")
    add.click()
    assert photos.count() == 7
    upload(page, photos.nth(6), make_image(tmp_path, "p7.png", colour=(0, 0, 0)))
    with page.expect_response(lambda r: r.request.method == "POST" and "/results/" in r.url) as r:
        page.locator(SAVE).click()
    assert r.value.status == 422
    page.wait_for_load_state("domcontentloaded")
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert "活動照片以6張為限，請刪除多餘的照片。" in summary.inner_text()
    assert len(stream_values(report().photos)) == 4
    # Nothing typed is lost: the seven cards are shown again, with their uploaded images.
    assert photos.count() == 7
    assert photos.nth(6).locator('input[name$="-image"]').input_value().isdigit()
    assert (
        page.locator('[data-formset="photos"]').evaluate(
            "list => list.closest('form').querySelector('[name=photos-TOTAL_FORMS]').value"
        )
        == "7"
    )


def test_a_photo_is_replaced_when_six_are_saved(school_page, live_url, plan_id, tmp_path):
    """Delete one of six saved photos, add another: still six, so the save must succeed."""
    page = school_page
    open_tab(page, live_url, plan_id, "results")
    photos = rows(page, "photos")
    add = page.locator('[data-add-row="photos"]')
    for number in (5, 6):
        add.click()
        upload(page, photos.nth(number - 1), make_image(tmp_path, f"p{number}.png"))
    save(page)
    assert_saved(page, live_url, plan_id, "results")
    assert photos.count() == 6

    photos.nth(2).get_by_role("button", name="刪除").click()
    assert photos.count() == 5
    add.click()
    assert photos.count() == 6
    assert photos.nth(5).locator(".photo-card__title").inner_text() == "圖片六"
    upload(page, photos.nth(5), make_image(tmp_path, "replacement.png", colour=(250, 200, 0)))
    new_id = int(photos.nth(5).locator('input[name$="-image"]').input_value())
    save(page)
    summary = page.locator("#error-summary")
    assert summary.count() == 0, summary.inner_text()
    assert_saved(page, live_url, plan_id, "results")
    values = stream_values(report().photos)
    assert len(values) == 6
    assert values[-1]["image"] == new_id
    assert "文化體驗課程：學習當地傳統工藝" not in [v["caption"] for v in values]
