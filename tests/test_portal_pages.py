"""The public portal's page types: tree rules, rendering, admin creation, alt text, chrome."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from wagtail.blocks import StructBlockValidationError
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    rich_text,
    streamfield,
)

from home.blocks import ImageBlock
from home.models import ArticlePage, HomeFeaturedOutcome, HomePage, SectionPage
from intl_reports.models import OutcomeGalleryImage, OutcomeIndexPage, OutcomePage
from tests.factories import SuperuserFactory
from tests.portal_helpers import build_portal, clear_page_cache, make_image


@pytest.fixture(autouse=True)
def _fresh_page_cache():
    clear_page_cache()


@pytest.fixture
def portal(db):
    return build_portal()


class TestPageTree(WagtailPageTestCase):
    def test_home_page(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertAllowedSubpageTypes(HomePage, {SectionPage})

    def test_section_page(self):
        self.assertAllowedParentPageTypes(SectionPage, {HomePage, SectionPage})
        self.assertAllowedSubpageTypes(SectionPage, {SectionPage, ArticlePage, OutcomeIndexPage})

    def test_article_page(self):
        self.assertAllowedParentPageTypes(ArticlePage, {SectionPage})
        self.assertAllowedSubpageTypes(ArticlePage, set())

    def test_showcase_pages(self):
        self.assertAllowedParentPageTypes(OutcomeIndexPage, {SectionPage})
        self.assertAllowedSubpageTypes(OutcomeIndexPage, {OutcomePage})
        self.assertAllowedParentPageTypes(OutcomePage, {OutcomeIndexPage})
        self.assertAllowedSubpageTypes(OutcomePage, set())

    def test_what_goes_where(self):
        self.assertCanCreateAt(HomePage, SectionPage)
        self.assertCanCreateAt(SectionPage, ArticlePage)
        self.assertCanCreateAt(SectionPage, OutcomeIndexPage)
        self.assertCanCreateAt(OutcomeIndexPage, OutcomePage)
        self.assertCanNotCreateAt(HomePage, ArticlePage)
        self.assertCanNotCreateAt(HomePage, OutcomePage)
        self.assertCanNotCreateAt(SectionPage, OutcomePage)
        self.assertCanNotCreateAt(ArticlePage, ArticlePage)

    def test_one_home_page_per_site(self):
        self.assertEqual(HomePage.max_count, 1)


class TestEditorsCreatePagesInTheAdmin(WagtailPageTestCase):
    """Editors build showcased exchanges by hand, through Wagtail's own page editor."""

    @classmethod
    def setUpTestData(cls):
        cls.portal = build_portal(outcomes=0, articles=0)

    def setUp(self):
        # Axes needs a request to authenticate: log in without a password.
        self.client.force_login(SuperuserFactory())

    def test_an_outcome_with_partners_types_and_photos(self):
        image = make_image("宿霧合影")
        data = nested_form_data(
            {
                "title": "嘉市北園國小訪菲律賓",
                "slug": "beiyuan",
                "display_name": "嘉義市北區北園國民小學",
                "academic_year": 112,
                "stage": "elementary",
                "summary": "與宿霧建基中學締結姊妹校。",
                "features": rich_text("<p>學生以英語介紹嘉義。</p>"),
                "body": streamfield([]),
                "exchange_types": inline_formset([{"kind": "outbound"}]),
                "partners": inline_formset(
                    [{"region": "亞洲", "country": "菲律賓", "school_name": "宿霧建基中學"}]
                ),
                "gallery_images": inline_formset(
                    [{"image": image.pk, "alt_text": "兩校師生合影", "caption": "合影"}]
                ),
                "related_outcomes": inline_formset([]),
            }
        )
        self.assertCanCreate(self.portal.showcase, OutcomePage, data)
        outcome = OutcomePage.objects.get(slug="beiyuan")
        self.assertEqual(outcome.countries(), ["菲律賓"])
        self.assertEqual(outcome.exchange_type_labels(), ["二、辦理本國學校、師生出訪"])

    def test_a_photo_without_alt_text_is_refused(self):
        image = make_image("無替代文字")
        data = nested_form_data(
            {
                "title": "缺替代文字",
                "slug": "no-alt",
                "display_name": "測試國小",
                "academic_year": 112,
                "summary": "摘要",
                "features": rich_text(""),
                "body": streamfield([]),
                "exchange_types": inline_formset([{"kind": "inbound"}]),
                "partners": inline_formset([{"region": "亞洲", "country": "日本"}]),
                "gallery_images": inline_formset([{"image": image.pk, "alt_text": ""}]),
                "related_outcomes": inline_formset([]),
            }
        )
        with self.assertRaises(AssertionError):
            self.assertCanCreate(self.portal.showcase, OutcomePage, data)
        self.assertFalse(OutcomePage.objects.filter(slug="no-alt").exists())


@pytest.mark.django_db
class TestAltTextIsRequired:
    def test_image_block(self):
        image = make_image()
        with pytest.raises(StructBlockValidationError):
            ImageBlock().clean({"image": image, "alt_text": "", "caption": "", "attribution": ""})
        ImageBlock().clean({"image": image, "alt_text": "合影", "caption": "", "attribution": ""})

    def test_gallery_photo(self, portal):
        photo = OutcomeGalleryImage(page=portal.outcomes[0], image=portal.image, alt_text=" ")
        with pytest.raises(ValidationError) as error:
            photo.full_clean()
        assert "alt_text" in error.value.message_dict

    def test_home_slide_with_its_own_image(self, portal):
        slide = HomeFeaturedOutcome(
            page=portal.home, outcome=portal.outcomes[0], image=portal.image
        )
        with pytest.raises(ValidationError) as error:
            slide.full_clean()
        assert "image_alt" in error.value.message_dict

    def test_article_listing_image(self, portal):
        article = portal.articles[0]
        article.listing_image = portal.image
        article.listing_image_alt = ""
        with pytest.raises(ValidationError) as error:
            article.full_clean()
        assert "listing_image_alt" in error.value.message_dict

    def test_unconsented_school_photo_cannot_be_shown(self, portal, school):
        private = make_image("學校照片", school=school, guardian_consent=False)
        photo = OutcomeGalleryImage(page=portal.outcomes[0], image=private, alt_text="合影")
        with pytest.raises(ValidationError) as error:
            photo.full_clean()
        assert "image" in error.value.message_dict


@pytest.mark.django_db
class TestEveryPageRenders:
    def test_home(self, client, portal):
        response = client.get("/")
        assert response.status_code == 200
        html = response.content.decode()
        assert '<html lang="zh-Hant">' in html
        assert 'lang="en">The Ministry of Education\'s Website' in html
        assert html.count('accesskey="U"') == html.count('accesskey="C"') == 1
        assert html.count('accesskey="Z"') == 1
        assert 'class="skip-link" href="#main-content"' in html
        assert "登入計畫服務網" in html and 'href="/login/"' in html
        for _slug, title in [(s.slug, s.title) for s in portal.sections.values()]:
            assert title in html
        # Carousel: the featured outcomes in the editors' order, with a pause control.
        positions = [html.index(o.title) for o in portal.outcomes[:3]]
        assert positions == sorted(positions)
        assert "data-carousel-pause" in html
        assert portal.articles[0].title in html

    def test_carousel_follows_the_editors_order(self, client, portal):
        home = HomePage.objects.get(pk=portal.home.pk)
        home.featured_outcomes = [
            HomeFeaturedOutcome(outcome=portal.outcomes[2], sort_order=0),
            HomeFeaturedOutcome(outcome=portal.outcomes[0], sort_order=1),
        ]
        home.save_revision().publish()
        html = client.get("/").content.decode()
        carousel = html[html.index("data-carousel-slides") : html.index("home-news-title")]
        assert carousel.index(portal.outcomes[2].title) < carousel.index(portal.outcomes[0].title)
        assert portal.outcomes[1].title not in carousel

    def test_section_lists_its_children(self, client, portal):
        response = client.get(portal.news.url)
        assert response.status_code == 200
        for article in portal.articles:
            assert article.title in response.content.decode()
        assert 'aria-label="導覽路徑"' in response.content.decode()

    def test_article(self, client, portal):
        response = client.get(portal.articles[0].url)
        html = response.content.decode()
        assert response.status_code == 200
        assert portal.articles[0].summary in html
        assert 'property="og:type" content="article"' in html

    def test_outcome_index_and_outcome(self, client, portal):
        response = client.get(portal.showcase.url)
        assert response.status_code == 200
        outcome = portal.outcomes[0]
        assert outcome.title in response.content.decode()
        response = client.get(outcome.url)
        html = response.content.decode()
        assert response.status_code == 200
        assert "嘉義市北區北園國民小學" in html
        assert "宿霧建基中學" in html and "菲律賓" in html
        assert "二、辦理本國學校、師生出訪" in html
        assert 'alt="學生與姊妹校師生合影"' in html
        assert "<picture>" in html and 'type="image/avif"' in html and 'type="image/webp"' in html
        assert 'loading="lazy"' in html
        assert 'property="og:image"' in html
        # Related outcomes: those sharing an exchange type.
        assert portal.outcomes[2].title in html

    def test_search_sitemap_feeds_robots(self, client, portal):
        assert client.get("/search/?q=北園").status_code == 200
        response = client.get("/sitemap/")
        assert response.status_code == 200
        assert "交流成果展示" in response.content.decode()
        response = client.get("/sitemap.xml")
        assert response.status_code == 200
        assert portal.outcomes[0].full_url.encode() in response.content
        robots = client.get("/robots.txt").content.decode()
        assert "Disallow: /admin/" in robots and "Sitemap: http://testserver/sitemap.xml" in robots
        rss = client.get("/news/rss.xml")
        assert rss.status_code == 200 and portal.articles[0].title.encode() in rss.content
        atom = client.get("/news/atom.xml")
        assert atom.status_code == 200 and b"<feed" in atom.content

    def test_404_is_in_chinese_with_the_site_chrome(self, client, portal):
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        html = response.content.decode()
        assert "找不到網頁" in html and 'accesskey="C"' in html

    def test_500_renders_without_a_request(self):
        html = render_to_string("500.html")
        assert "系統發生錯誤" in html and 'lang="zh-Hant"' in html

    def test_main_menu_has_the_sections_and_their_children(self, client, portal):
        html = client.get(portal.sections["training"].url).content.decode()
        nav = html[html.index('aria-label="主選單"') : html.index("</nav>", html.index("主選單"))]
        assert len(re.findall(r'class="main-nav__link"', nav)) == 7
        assert "國際教育增能研習" in nav
        assert 'aria-current="page"' in nav
        assert "最新消息" not in nav  # not in the menu


@pytest.mark.django_db
def test_english_interface_keeps_content_in_chinese(client, portal):
    from django.core.management import call_command

    call_command("compilemessages", locale=["en"], verbosity=0, ignore_patterns=[".venv"])
    client.cookies["portal_language"] = "en"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Log in to the Plan Service" in html
    assert "Skip to main content" in html
    # Editors' content stays Chinese and is marked so.
    assert '<li lang="zh-Hant">' in html and portal.articles[0].title in html
