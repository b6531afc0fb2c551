"""Builders for the public portal's tests: a small page tree, outcomes, tiny images."""

import io
import itertools
from dataclasses import dataclass, field

from django.core.cache import caches
from django.core.files.images import ImageFile
from PIL import Image
from wagtail.models import Page, Site
from wagtail.rich_text import RichText

from home.models import ArticlePage, HomeFeaturedOutcome, HomePage, SectionPage
from intl_reports.models import (
    OutcomeExchangeType,
    OutcomeGalleryImage,
    OutcomeIndexPage,
    OutcomePage,
    OutcomePartner,
    PortalImage,
    SchoolStage,
)

_counter = itertools.count(1)

SECTION_TITLES = [
    ("about", "認識教育部中小學國際教育中程計畫"),
    ("curriculum", "課程發展與教學"),
    ("exchange", "國際交流"),
    ("internationalization", "學校國際化"),
    ("training", "培力課程"),
    ("alliance", "高級中等以下學校國際教育交流聯盟"),
    ("regulations", "國際法規"),
]


def clear_page_cache():
    caches["pages"].clear()


def make_image(title="測試照片", colour=(200, 80, 40), school=None, **fields):
    buffer = io.BytesIO()
    Image.new("RGB", (48, 32), colour).save(buffer, "PNG")
    return PortalImage.objects.create(
        title=title, school=school, file=ImageFile(buffer, name="test-photo.png"), **fields
    )


def publish(page):
    page.save_revision().publish()
    return page


@dataclass
class Portal:
    home: HomePage
    sections: dict
    news: SectionPage
    showcase: OutcomeIndexPage
    image: PortalImage
    outcomes: list = field(default_factory=list)
    articles: list = field(default_factory=list)


def build_home():
    root = Page.get_first_root_node()
    for welcome in root.get_children().filter(slug="home"):
        welcome.delete()
    home = root.add_child(instance=HomePage(title="首頁", slug="home"))
    Site.objects.all().delete()
    Site.objects.create(
        hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="入口"
    )
    return home


def build_portal(outcomes=3, articles=3) -> Portal:
    """Home, the seven sections, a news section, a showcase with outcomes, some news."""
    home = build_home()
    sections = {}
    for slug, title in SECTION_TITLES:
        sections[slug] = home.add_child(
            instance=SectionPage(
                title=title, slug=slug, intro=f"{title}的簡介。", show_in_menus=True
            )
        )
    news = home.add_child(
        instance=SectionPage(title="最新消息", slug="news", intro="最新消息。", show_in_menus=False)
    )
    sections["training"].add_child(
        instance=SectionPage(title="國際教育增能研習", slug="workshops", show_in_menus=True)
    )
    showcase = sections["exchange"].add_child(
        instance=OutcomeIndexPage(title="交流成果展示", slug="showcase", show_in_menus=True)
    )
    image = make_image()
    portal = Portal(home, sections, news, showcase, image)
    samples = [
        dict(
            title="嘉市北園國小訪菲律賓 — 與宿霧建基中學締結姊妹校",
            display_name="嘉義市北區北園國民小學",
            academic_year=112,
            stage=SchoolStage.ELEMENTARY,
            types=["outbound"],
            partners=[("亞洲", "菲律賓", "宿霧建基中學")],
        ),
        dict(
            title="光明國中與日本姊妹校線上共學",
            display_name="臺中市立光明國民中學",
            academic_year=112,
            stage=SchoolStage.JUNIOR_HIGH,
            types=["online"],
            partners=[("亞洲", "日本", "福岡縣立博多中學")],
        ),
        dict(
            title="海青高中參與亞洲青年永續高峰會",
            display_name="高雄市立海青高級中學",
            academic_year=111,
            stage=SchoolStage.GENERAL_HIGH,
            types=["conference", "outbound"],
            partners=[("亞洲", "新加坡", "萊佛士書院"), ("歐洲", "德國", "")],
        ),
    ]
    for index in range(outcomes):
        spec = dict(samples[index % len(samples)])
        if index >= len(samples):
            spec["title"] = f"{spec['title']}（第{index + 1}則）"
        portal.outcomes.append(add_outcome(showcase, image=image, slug=f"outcome-{index}", **spec))
    for index in range(articles):
        portal.articles.append(
            add_article(
                news,
                title=f"國際教育最新消息第{index + 1}則",
                slug=f"news-{index}",
                summary="成果報告開放線上填報，請於期限內完成。",
            )
        )
    home.featured_outcomes = [
        HomeFeaturedOutcome(outcome=outcome, sort_order=index)
        for index, outcome in enumerate(portal.outcomes[:3])
    ]
    publish(home)
    clear_page_cache()
    return portal


def add_outcome(showcase, *, title, types, partners, image=None, slug=None, **fields):
    fields.setdefault("display_name", "測試國民小學")
    fields.setdefault("academic_year", 112)
    fields.setdefault("summary", f"{title}的摘要。")
    page = OutcomePage(title=title, slug=slug or f"outcome-x{next(_counter)}", **fields)
    page.exchange_types = [OutcomeExchangeType(kind=kind) for kind in types]
    page.partners = [
        OutcomePartner(region=region, country=country, school_name=school)
        for region, country, school in partners
    ]
    if image is not None:
        page.gallery_images = [
            OutcomeGalleryImage(image=image, alt_text="學生與姊妹校師生合影", caption="合影")
        ]
    return showcase.add_child(instance=page)


def add_article(parent, *, title, slug=None, category=ArticlePage.Category.NEWS, **fields):
    fields.setdefault("summary", f"{title}的摘要。")
    fields.setdefault("body", [("paragraph", RichText("<p>國際交流成果報告的內文。</p>"))])
    slug = slug or f"article-{next(_counter)}"
    return parent.add_child(
        instance=ArticlePage(title=title, slug=slug, category=category, **fields)
    )
