"""Photo uploads through /service/reports/<plan_id>/photos/: good photos of every kind are
re-encoded (EXIF and GPS gone, orientation applied) into the school's private collection;
everything else is refused with a Chinese message and leaves nothing behind."""

import io

import pytest
from PIL import Image

from intl_reports.models import OutcomeReport, PortalImage
from tests import report_helpers
from tests.report_helpers import (
    animated_gif_bytes,
    bomb_png,
    heic_bytes,
    image_bytes,
    jpeg_with_gps_and_orientation,
    media_files,
    png_16bit_bytes,
    post_tab,
    read_response,
    tab_data,
    upload_file,
    upload_url,
)

pytestmark = pytest.mark.django_db

own_plan = report_helpers.own_plan
own_report = report_helpers.own_report
demo_plan = report_helpers.demo_plan


def upload(client, plan, name, content, content_type="image/jpeg", **extra):
    return client.post(
        upload_url(plan), {"file": upload_file(name, content, content_type), **extra}
    )


def stored(image_id) -> Image.Image:
    image = PortalImage.objects.get(pk=image_id)
    with image.file.open("rb") as handle:
        picture = Image.open(io.BytesIO(handle.read()))
        picture.load()
    return picture


def accepted(client, plan, name, content, content_type="image/jpeg"):
    response = upload(client, plan, name, content, content_type)
    assert response.status_code == 201, response.content.decode()
    body = response.json()
    assert isinstance(body["id"], int)
    assert body["thumbnail"].startswith("/media/images/")
    # The thumbnail URL the page shows is served to the school.
    thumb = client.get(body["thumbnail"])
    assert thumb.status_code == 200
    read_response(thumb)
    return body


# ------------------------------------------------------------------ accepted


def test_a_jpeg_is_stored_re_encoded_without_gps_and_upright(school_client, own_plan, school):
    original = jpeg_with_gps_and_orientation(size=(60, 40))
    source = Image.open(io.BytesIO(original))
    assert source.getexif().get_ifd(0x8825), "the test photo must carry GPS"
    assert source.getexif()[0x0112] == 6

    body = accepted(school_client, own_plan, "IMG_0001.JPG", original)
    picture = stored(body["id"])
    assert picture.format == "JPEG"
    assert picture.size == (40, 60), "orientation 6 must be applied (width and height swap)"
    exif = picture.getexif()
    assert not exif.get_ifd(0x8825), "GPS survived the upload"
    assert 0x8825 not in exif and 0x0112 not in exif and 0x010F not in exif
    assert b"PhoneMaker" not in PortalImage.objects.get(pk=body["id"]).file.read()
    assert (body["width"], body["height"]) == (40, 60)


def test_the_photo_belongs_to_the_school_in_its_own_collection(school_client, own_plan, school):
    body = accepted(school_client, own_plan, "photo.jpg", image_bytes())
    image = PortalImage.objects.get(pk=body["id"])
    assert image.school == school
    assert image.is_published is False
    assert image.collection.name == f"{school.code} {school.name}"
    assert image.collection.get_parent().name == "學校成果報告照片"
    assert "photo" not in image.file.name and school.code not in image.file.name
    assert image.uploaded_by_user.username == "north001"


def test_two_schools_get_two_collections(school_client, other_school_client, school, other_school):
    from tests.factories import PlanFactory

    other_plan = PlanFactory(school=other_school, serial="P-SIB-7")
    own = PlanFactory(school=school, serial="P-OWN-7")
    first = accepted(school_client, own, "a.jpg", image_bytes())
    second = accepted(other_school_client, other_plan, "b.jpg", image_bytes())
    collections = {
        PortalImage.objects.get(pk=first["id"]).collection_id,
        PortalImage.objects.get(pk=second["id"]).collection_id,
    }
    assert len(collections) == 2


def test_a_png_with_alpha_stays_png_with_alpha(school_client, own_plan):
    content = image_bytes("PNG", mode="RGBA", color=(10, 20, 30, 128))
    body = accepted(school_client, own_plan, "logo.png", content, "image/png")
    picture = stored(body["id"])
    assert picture.format == "PNG"
    assert picture.mode == "RGBA"
    assert picture.getpixel((0, 0))[3] == 128


def test_a_heic_photo_from_a_phone_is_accepted_as_jpeg(school_client, own_plan):
    body = accepted(school_client, own_plan, "IMG_0002.HEIC", heic_bytes(), "image/heic")
    picture = stored(body["id"])
    assert picture.format == "JPEG"
    assert picture.size == (64, 48)


def test_a_cmyk_jpeg_is_re_encoded_as_rgb(school_client, own_plan):
    content = image_bytes("JPEG", mode="CMYK", color=(0, 255, 255, 0))
    body = accepted(school_client, own_plan, "print.jpg", content)
    picture = stored(body["id"])
    assert picture.format == "JPEG" and picture.mode == "RGB"
    red, green, blue = picture.getpixel((5, 5))
    assert red > 200 and green < 60 and blue < 60, "colours survive the conversion"


def test_a_16_bit_png_is_re_encoded_as_8_bit(school_client, own_plan):
    body = accepted(school_client, own_plan, "scan.png", png_16bit_bytes(), "image/png")
    picture = stored(body["id"])
    assert picture.mode in ("RGB", "L")
    assert picture.format in ("JPEG", "PNG")
    assert picture.size == (50, 40)


def test_an_animated_gif_keeps_its_first_frame(school_client, own_plan):
    body = accepted(school_client, own_plan, "anim.gif", animated_gif_bytes(), "image/gif")
    picture = stored(body["id"])
    assert getattr(picture, "n_frames", 1) == 1
    assert picture.format in ("JPEG", "PNG")
    assert picture.size == (40, 30)


def test_a_huge_photo_is_downscaled(school_client, own_plan):
    content = image_bytes("JPEG", size=(6000, 1000))
    body = accepted(school_client, own_plan, "pano.jpg", content)
    assert stored(body["id"]).size == (4000, 667)


# ------------------------------------------------------------------ refused

GOOD = image_bytes("JPEG", size=(80, 60))
NOT_AN_IMAGE = "這個檔案不是可讀取的圖片，或檔案已損毀，請重新選擇。"
TOO_MANY_PIXELS = "圖片尺寸過大（像素過多），請縮小後再上傳。"

REFUSED = [
    pytest.param("cut.jpg", GOOD[: len(GOOD) // 2], NOT_AN_IMAGE, id="truncated-jpeg"),
    pytest.param(
        "page.jpg",
        b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        NOT_AN_IMAGE,
        id="html-renamed-jpg",
    ),
    pytest.param(
        "logo.jpg",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>",
        NOT_AN_IMAGE,
        id="svg-with-script-renamed-jpg",
    ),
    pytest.param("empty.jpg", b"", "檔案是空的，請重新選擇圖片。", id="zero-bytes"),
    pytest.param(
        "big.jpg",
        GOOD + b"\0" * (15 * 1024 * 1024),
        "檔案超過 15 MB 上限，請縮小後再上傳。",
        id="over-15MB",
    ),
    pytest.param("bomb.png", bomb_png(20000, 20000), TOO_MANY_PIXELS, id="bomb-20000x20000"),
    pytest.param("wide.png", bomb_png(8000, 6000), TOO_MANY_PIXELS, id="48M-pixels"),
    pytest.param("x.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 100, NOT_AN_IMAGE, id="jpeg-header-only"),
    pytest.param("x.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", NOT_AN_IMAGE, id="pdf"),
    pytest.param(
        "x.ico",
        image_bytes("ICO", size=(16, 16)),
        "不支援此圖片格式，請上傳 JPEG、PNG、HEIC 或 WebP 圖片。",
        id="unsupported-format",
    ),
]


@pytest.mark.parametrize(("name", "content", "message"), REFUSED)
def test_a_bad_upload_is_refused_and_leaves_nothing(
    school_client, own_plan, name, content, message
):
    files = media_files()
    images = PortalImage.objects.count()
    response = upload(school_client, own_plan, name, content)
    assert response.status_code == 400
    assert response.json() == {"error": message}
    assert media_files() == files
    assert PortalImage.objects.count() == images


def test_the_bomb_is_small_on_disk_but_over_the_pixel_limit(settings):
    content = bomb_png(20000, 20000)
    assert len(content) < 200_000
    assert 20000 * 20000 > settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS == 40_000_000
    assert 8000 * 6000 > settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS


def test_a_post_without_a_file_is_refused(school_client, own_plan):
    response = school_client.post(upload_url(own_plan), {"caption": "沒有檔案"})
    assert response.status_code == 400
    assert response.json() == {"error": "請選擇要上傳的圖片。"}


def test_upload_refuses_get(school_client, own_plan):
    assert school_client.get(upload_url(own_plan)).status_code == 405


# ------------------------------------------------------------------ consent


def test_consent_given_at_upload_is_recorded(school_client, own_plan):
    body = upload(school_client, own_plan, "a.jpg", GOOD, consent="true").json()
    assert PortalImage.objects.get(pk=body["id"]).guardian_consent is True
    body = upload(school_client, own_plan, "b.jpg", GOOD).json()
    assert PortalImage.objects.get(pk=body["id"]).guardian_consent is False


def test_the_consent_checkbox_of_the_results_tab_saves_to_the_image(demo_school_client, demo_plan):
    data = tab_data(demo_school_client, demo_plan, "results")
    rows = data.rows("photos")
    given = [bool(row.get("consent")) for row in rows]
    assert given == [True, True, False, True]  # as the demo data says
    data["photos-2-consent"] = "on"
    del data["photos-0-consent"]
    response = post_tab(demo_school_client, demo_plan, "results", data)
    assert response.status_code == 302
    consent = {
        int(row["image"]): PortalImage.objects.get(pk=row["image"]).guardian_consent for row in rows
    }
    assert list(consent.values()) == [False, True, True, True]
    again = tab_data(demo_school_client, demo_plan, "results")
    assert [bool(row.get("consent")) for row in again.rows("photos")] == [
        False,
        True,
        True,
        True,
    ]


def test_an_uploaded_photo_is_then_saved_on_the_results_tab(school_client, own_plan):
    body = accepted(school_client, own_plan, "a.jpg", GOOD)
    data = tab_data(school_client, own_plan, "results")
    data.add_row("photos", {"image": str(body["id"]), "caption": "出訪合影", "consent": "on"})
    data["features"] = "辦理特色說明"
    assert post_tab(school_client, own_plan, "results", data).status_code == 302
    report = OutcomeReport.objects.get(plan=own_plan)
    assert report.photo_count == 1
    assert report.photos.raw_data[0]["value"] == {"image": body["id"], "caption": "出訪合影"}
    assert PortalImage.objects.get(pk=body["id"]).guardian_consent is True
    assert report.tab_status["results"] is True
