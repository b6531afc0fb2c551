"""Demo content of the public portal, loaded by ``manage.py load_demo_data``.

Idempotent: every object is looked up by a stable key (slug, image title) and created only when
missing, so a second run changes nothing. Images are drawn with Pillow at load time; nothing is
fetched from the internet.
"""

import datetime
import io
import math
from pathlib import Path

from django.core.files.images import ImageFile
from django.db import transaction
from PIL import Image, ImageDraw, ImageFont
from wagtail.models import Collection, Page, Site
from wagtail.rich_text import RichText

from intl_reports.models import (
    OutcomeExchangeType,
    OutcomeGalleryImage,
    OutcomeIndexPage,
    OutcomePage,
    OutcomePartner,
    PortalImage,
    SchoolStage,
)

from .models import (
    ArticlePage,
    ArticleRelatedPage,
    HomeFeaturedOutcome,
    HomePage,
    PortalSettings,
    SectionPage,
)

SITE_NAME = "教育部中小學國際教育全球資訊網"
COLLECTION_NAME = "入口網站"
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Bold.ttc",
)

# (slug, title, intro, in the main menu)
SECTIONS = [
    (
        "about",
        "認識教育部中小學國際教育中程計畫",
        "中小學國際教育中程計畫以「培育全球公民」為願景，透過課程與教學、國際交流與學校國際化，"
        "協助學生具備國家認同、國際素養、全球競合力與全球責任感。",
        True,
    ),
    (
        "curriculum",
        "課程發展與教學",
        "提供國際教育融入課程的設計原則、教學示例與評量工具，支持教師在各領域課程中"
        "引導學生探究全球議題。",
        True,
    ),
    (
        "exchange",
        "國際交流",
        "補助學校辦理外國師生來訪、本國師生出訪、國際網路交流及參與國際會議與競賽，"
        "並展示各校精彩的交流成果。",
        True,
    ),
    (
        "internationalization",
        "學校國際化",
        "協助學校從課程、行政、環境與人力等面向建構國際化校園，逐步發展學校本位的國際教育特色。",
        True,
    ),
    (
        "training",
        "培力課程",
        "為校長、行政人員與教師規劃國際教育增能研習與認證課程，培養推動國際教育的專業能力。",
        True,
    ),
    (
        "alliance",
        "高級中等以下學校國際教育交流聯盟",
        "串連各縣市學校與國際夥伴，提供交流媒合、經驗分享與資源整合的平臺。",
        True,
    ),
    (
        "regulations",
        "國際法規",
        "國際教育相關補助要點、作業規定與表件下載，供學校申請與核銷時參考。",
        True,
    ),
    (
        SectionPage.NEWS_SLUG,
        "最新消息",
        "國際教育的最新消息、活動與公告。",
        False,
    ),
    (
        "privacy",
        "隱私權政策",
        "本網站重視您的隱私，說明我們如何蒐集、處理及利用您的個人資料。",
        False,
    ),
    (
        "accessibility",
        "無障礙聲明",
        "本網站依據數位發展部「網站無障礙規範」（以 WCAG 2.1 為基礎）建置，以 AA 等級為目標。",
        False,
    ),
]

SUBSECTIONS = {
    "training": [
        (
            "workshops",
            "國際教育增能研習",
            "各區國際教育增能研習的場次、報名方式與課程內容。",
        ),
        (
            "certification",
            "國際教育認證課程",
            "校長、主任與教師的國際教育認證課程說明。",
        ),
    ],
    "curriculum": [
        (
            "teaching-examples",
            "教學示例",
            "國際教育議題融入各領域的教學示例與教材。",
        ),
    ],
}

# (title, slug, colours, caption)
IMAGES = {
    "beiyuan-1": ("北園國小師生與宿霧建基中學師生合影", ("#0b5c73", "#f2a541")),
    "beiyuan-2": ("北園國小學生在建基中學體驗菲律賓傳統舞蹈", ("#2a6f3e", "#f6d743")),
    "beiyuan-3": ("兩校校長簽署姊妹校協議", ("#6b2f76", "#f28f6b")),
    "taichung-1": ("國中學生與日本姊妹校同學視訊共備", ("#1d4e89", "#9fd8cb")),
    "taichung-2": ("學生展示雙語地方文化簡報", ("#8c2f39", "#f7c59f")),
    "kaohsiung-1": ("高中學生於新加坡國際學生高峰會發表", ("#283d3b", "#e26d5c")),
    "kaohsiung-2": ("學生與各國代表分組討論永續議題", ("#3d348b", "#f7b801")),
    "hualien-1": ("紐西蘭師生於花蓮國小體驗原住民族文化", ("#0f6657", "#f4e285")),
    "hualien-2": ("兩國學生合作完成海洋保育海報", ("#124e78", "#d74e09")),
    "news-1": ("國際教育成果發表會主視覺", ("#7b2d26", "#ffc857")),
    "news-2": ("線上填報系統操作說明", ("#264653", "#2a9d8f")),
}

OUTCOMES = [
    {
        "slug": "beiyuan-cebu-sister-school",
        "title": "嘉市北園國小訪菲律賓 — 與宿霧建基中學締結姊妹校",
        "display_name": "嘉義市北區北園國民小學",
        "academic_year": 112,
        "stage": SchoolStage.ELEMENTARY,
        "types": ["outbound"],
        "partners": [("亞洲", "菲律賓", "宿霧建基中學")],
        "summary": "北園國小師生於112學年度出訪菲律賓宿霧，與建基中學締結姊妹校，"
        "透過課程交流、文化體驗與英語互動，開啟兩校長期合作。",
        "features": "<ul><li>行前以「認識菲律賓」主題課程培養學生的跨文化理解。</li>"
        "<li>學生以英語介紹嘉義的木都文化與雞肉飯，並學習宿霧的傳統舞蹈。</li>"
        "<li>兩校簽署姊妹校協議，約定每學期進行一次線上共學。</li></ul>",
        "photos": ["beiyuan-1", "beiyuan-2", "beiyuan-3"],
    },
    {
        "slug": "taichung-japan-online",
        "title": "臺中市光明國中與日本姊妹校線上共學 — 用雙語介紹家鄉",
        "display_name": "臺中市立光明國民中學",
        "academic_year": 112,
        "stage": SchoolStage.JUNIOR_HIGH,
        "types": ["online"],
        "partners": [("亞洲", "日本", "福岡縣立博多中學")],
        "summary": "光明國中與日本福岡的姊妹校以數位雲端夥伴學校方案進行六週線上共學，"
        "兩國學生分組製作地方文化簡報並相互回饋。",
        "features": "<p>以「我的家鄉」為主題，學生運用英語與簡易日語進行視訊交流，"
        "並在雲端協作平臺共同完成作品。</p>",
        "photos": ["taichung-1", "taichung-2"],
    },
    {
        "slug": "kaohsiung-youth-summit",
        "title": "高雄市海青高中參與亞洲青年永續高峰會 — 提出海洋廢棄物行動方案",
        "display_name": "高雄市立海青高級中學",
        "academic_year": 111,
        "stage": SchoolStage.GENERAL_HIGH,
        "types": ["conference"],
        "partners": [("亞洲", "新加坡", "新加坡萊佛士書院"), ("亞洲", "馬來西亞", "")],
        "summary": "海青高中學生代表參與在新加坡舉辦的亞洲青年永續高峰會，"
        "以海洋廢棄物為題發表行動方案，獲得大會肯定。",
        "features": "<p>學生從高雄港的在地觀察出發，結合數據分析與社區訪談，"
        "在高峰會中與各國青年交流永續發展的解方。</p>",
        "photos": ["kaohsiung-1", "kaohsiung-2"],
    },
    {
        "slug": "hualien-new-zealand-visit",
        "title": "花蓮縣明廉國小接待紐西蘭師生來訪 — 原住民族文化交流",
        "display_name": "花蓮縣花蓮市明廉國民小學",
        "academic_year": 113,
        "stage": SchoolStage.ELEMENTARY,
        "types": ["inbound"],
        "partners": [("大洋洲", "紐西蘭", "基督城聖瑪格麗特小學")],
        "summary": "明廉國小接待紐西蘭基督城的師生來訪，兩國學生分享阿美族與毛利族文化，"
        "並合作完成海洋保育主題海報。",
        "features": "<p>以原住民族文化為交流主軸，學生擔任小小導覽員，"
        "用英語介紹阿美族豐年祭與花蓮的海洋生態。</p>",
        "photos": ["hualien-1", "hualien-2"],
    },
]

ARTICLES = [
    {
        "parent": SectionPage.NEWS_SLUG,
        "slug": "outcome-report-online-filing",
        "title": "112學年度國際交流成果報告開放線上填報",
        "category": ArticlePage.Category.ANNOUNCEMENT,
        "date": datetime.date(2024, 6, 3),
        "summary": "獲核補助之學校請於期限內登入計畫服務網完成成果報告線上填報，"
        "填寫完成後存檔即完成線上填報。",
        "image": "news-2",
        "tags": ["成果報告", "計畫服務網"],
    },
    {
        "parent": SectionPage.NEWS_SLUG,
        "slug": "beiyuan-cebu-news",
        "title": "嘉市北園國小赴菲律賓宿霧締結姊妹校 開啟跨國學習新頁",
        "category": ArticlePage.Category.NEWS,
        "date": datetime.date(2024, 5, 20),
        "summary": "北園國小師生出訪菲律賓宿霧，與建基中學簽署姊妹校協議，"
        "未來將持續以線上共學深化交流。",
        "image": "beiyuan-1",
        "tags": ["姊妹校", "國際交流"],
    },
    {
        "parent": SectionPage.NEWS_SLUG,
        "slug": "showcase-fair-2024",
        "title": "國際教育成果發表會即日起開放報名",
        "category": ArticlePage.Category.NEWS,
        "date": datetime.date(2024, 4, 15),
        "summary": "年度國際教育成果發表會將於臺北舉行，歡迎各級學校教師報名參加，"
        "分享課程、交流與學校國際化的實踐經驗。",
        "image": "news-1",
        "tags": ["研習", "成果發表"],
    },
    {
        "parent": SectionPage.NEWS_SLUG,
        "slug": "deadline-reminder",
        "title": "成果報告繳交期限提醒",
        "category": ArticlePage.Category.NEWS,
        "date": datetime.date(2024, 7, 1),
        "summary": "提醒各校於規定期限內完成成果報告填報並下載PDF核章，逾期將無法修改。",
        "image": None,
        "tags": ["成果報告"],
    },
    {
        "parent": "regulations",
        "slug": "subsidy-guidelines",
        "title": "教育部補助高級中等以下學校推動國際教育作業要點",
        "category": ArticlePage.Category.REGULATION,
        "date": datetime.date(2023, 8, 1),
        "summary": "規定補助對象、補助項目與基準、申請程序、審查方式及成果報告繳交等事項。",
        "image": None,
        "tags": ["補助要點"],
    },
]


@transaction.atomic
def load_portal_demo(image_size=(1600, 900)) -> None:
    """Load the demo content; tests pass a small ``image_size`` to keep renditions quick."""
    collection = _collection()
    images = {
        key: _image(collection, key, title, colours, image_size)
        for key, (title, colours) in IMAGES.items()
    }
    home = _home_page()
    sections = {}
    for slug, title, intro, in_menu in SECTIONS:
        sections[slug] = _child(
            home,
            SectionPage,
            slug,
            title=title,
            intro=intro,
            show_in_menus=in_menu,
            body=_section_body(title),
        )
    for parent_slug, children in SUBSECTIONS.items():
        for slug, title, intro in children:
            _child(
                sections[parent_slug],
                SectionPage,
                slug,
                title=title,
                intro=intro,
                show_in_menus=True,
                body=_section_body(title),
            )
    showcase = _child(
        sections["exchange"],
        OutcomeIndexPage,
        "showcase",
        title="交流成果展示",
        intro="各校辦理國際交流的精彩成果。可依學年度、交流類型、地區與國家、學習階段或關鍵字篩選。",
        show_in_menus=True,
    )
    outcomes = [_outcome(showcase, spec, images) for spec in OUTCOMES]
    for spec in ARTICLES:
        _article(sections[spec["parent"]], spec, images, sections)
    _feature(home, outcomes[:3])
    _settings(sections)


def _collection():
    root = Collection.get_first_root_node()
    existing = root.get_children().filter(name=COLLECTION_NAME).first()
    return existing or root.add_child(name=COLLECTION_NAME)


def _font(size):
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size=size)


def _draw(text, colours, size) -> bytes:
    """A gradient with circles and the text: recognisable, colourful, generated offline."""
    width, height = size
    start = tuple(int(colours[0][i : i + 2], 16) for i in (1, 3, 5))
    end = tuple(int(colours[1][i : i + 2], 16) for i in (1, 3, 5))
    picture = Image.new("RGB", size)
    draw = ImageDraw.Draw(picture)
    for x in range(width):
        ratio = x / (width - 1)
        draw.line(
            [(x, 0), (x, height)],
            fill=tuple(round(a + (b - a) * ratio) for a, b in zip(start, end, strict=True)),
        )
    for index in range(7):
        radius = (60 + 40 * index) * width // 1600
        cx = int(width * (0.15 + 0.12 * index))
        cy = int(height * (0.5 + 0.3 * math.sin(index)))
        draw.ellipse(
            [cx - radius, cy - radius, cx + radius, cy + radius],
            outline=(255, 255, 255),
            width=max(2, width // 270),
        )
    font = _font(max(16, height // 14))
    box = draw.textbbox((0, 0), text, font=font)
    text_width = box[2] - box[0]
    x = max(40, (width - text_width) // 2)
    top = height - height // 4
    text_height = box[3] - box[1]
    draw.rectangle([x - 30, top - 20, x + text_width + 30, top + text_height + 30], fill=(0, 0, 0))
    draw.text((x, top - box[1]), text, font=font, fill=(255, 255, 255))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _image(collection, key, title, colours, size):
    existing = PortalImage.objects.filter(collection=collection, title=title).first()
    if existing is not None:
        return existing
    label = title if len(title) <= 20 else title[:20] + "…"
    image = PortalImage(title=title, collection=collection, school=None)
    image.file = ImageFile(io.BytesIO(_draw(label, colours, size)), name=f"portal-demo-{key}.jpg")
    image.save()
    return image


def _publish(page):
    page.save_revision().publish()
    return page


def _home_page():
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        old_site = Site.objects.filter(is_default_site=True).first()
        hostname, port = (old_site.hostname, old_site.port) if old_site else ("localhost", 80)
        # Wagtail's "Welcome to your new Wagtail site!" page: a plain Page with no children.
        for welcome in root.get_children().filter(slug="home"):
            if welcome.specific_class is Page and welcome.numchild == 0:
                welcome.delete()  # takes its Site along (root_page cascades)
        home = root.add_child(
            instance=HomePage(
                title="首頁",
                slug="home",
                seo_title=SITE_NAME,
                hero_heading="培育全球公民，連結世界",
                intro="教育部中小學國際教育全球資訊網提供國際教育政策、課程資源、交流成果"
                "與計畫服務，陪伴每一所學校走向世界。",
                search_description="教育部中小學國際教育的政策、課程、交流成果與計畫服務。",
            )
        )
        _publish(home)
        Site.objects.filter(hostname=hostname, port=port).delete()
        Site.objects.create(
            hostname=hostname,
            port=port,
            root_page=home,
            is_default_site=True,
            site_name=SITE_NAME,
        )
    elif not Site.objects.filter(root_page=home).exists():
        Site.objects.update_or_create(
            is_default_site=True,
            defaults={"root_page": home, "hostname": "localhost", "site_name": SITE_NAME},
        )
    return home


def _child(parent, model, slug, **fields):
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing is not None:
        return existing
    page = parent.add_child(instance=model(slug=slug, **fields))
    return _publish(page)


def _section_body(title):
    return [
        ("heading", {"heading_text": "單元說明", "size": "h2"}),
        (
            "paragraph",
            RichText(
                f"<p>「{title}」單元彙整相關政策、資源與最新辦理情形。"
                "學校可參考本單元內容規劃校內的國際教育，並透過計畫服務網提出申請與繳交成果。</p>"
            ),
        ),
    ]


def _outcome(index, spec, images):
    existing = OutcomePage.objects.child_of(index).filter(slug=spec["slug"]).first()
    if existing is not None:
        return existing
    page = OutcomePage(
        slug=spec["slug"],
        title=spec["title"],
        display_name=spec["display_name"],
        academic_year=spec["academic_year"],
        stage=spec["stage"],
        summary=spec["summary"],
        features=spec["features"],
        search_description=spec["summary"],
    )
    page.exchange_types = [OutcomeExchangeType(kind=kind) for kind in spec["types"]]
    page.partners = [
        OutcomePartner(region=region, country=country, school_name=school)
        for region, country, school in spec["partners"]
    ]
    page.gallery_images = [
        OutcomeGalleryImage(image=images[key], alt_text=IMAGES[key][0], caption=IMAGES[key][0])
        for key in spec["photos"]
    ]
    index.add_child(instance=page)
    return _publish(page)


def _article(parent, spec, images, sections):
    existing = ArticlePage.objects.child_of(parent).filter(slug=spec["slug"]).first()
    if existing is not None:
        return existing
    image = images.get(spec["image"]) if spec["image"] else None
    page = ArticlePage(
        slug=spec["slug"],
        title=spec["title"],
        category=spec["category"],
        date=spec["date"],
        summary=spec["summary"],
        search_description=spec["summary"],
        listing_image=image,
        listing_image_alt=IMAGES[spec["image"]][0] if image else "",
        body=_article_body(spec, image, cta_page=sections["exchange"]),
    )
    page.tags.add(*spec["tags"])
    page.related_pages = [ArticleRelatedPage(page=sections["exchange"])]
    parent.add_child(instance=page)
    return _publish(page)


def _article_body(spec, image, cta_page):
    body = [
        (
            "paragraph",
            RichText(
                f"<p>{spec['summary']}</p>"
                "<p>相關說明與表件請參閱下方資料，如有疑問請洽本部國際教育承辦人員。</p>"
            ),
        ),
    ]
    if image is not None:
        body.append(
            (
                "image",
                {
                    "image": image,
                    "alt_text": IMAGES[spec["image"]][0],
                    "caption": IMAGES[spec["image"]][0],
                    "attribution": "教育部國際及兩岸教育司",
                },
            )
        )
    body += [
        ("heading", {"heading_text": "重要時程", "size": "h2"}),
        (
            "table",
            {
                "first_row_is_table_header": True,
                "first_col_is_header": False,
                "table_caption": "重要時程",
                "data": [
                    ["項目", "日期"],
                    ["開放線上填報", "2024-06-03"],
                    ["填報截止", "2024-08-31"],
                    ["紙本核章寄送", "2024-09-15"],
                ],
            },
        ),
        (
            "quote",
            {
                "text": "填寫完成後存檔即完成線上填報，期限內皆可修改。",
                "attribution": "成果報告系統操作說明",
            },
        ),
        (
            "call_to_action",
            {
                "title": "看看各校的交流成果",
                "text": "從學年度、交流類型與國家，找到值得參考的國際交流經驗。",
                "page": cta_page,
                "url": "",
                "button_text": "前往國際交流單元",
            },
        ),
    ]
    return body


def _feature(home, outcomes):
    if home.featured_outcomes.exists():
        return
    home = HomePage.objects.get(pk=home.pk)
    home.featured_outcomes = [
        HomeFeaturedOutcome(outcome=outcome, sort_order=index)
        for index, outcome in enumerate(outcomes)
    ]
    _publish(home)


def _settings(sections):
    portal = PortalSettings.load()
    if portal.organisation:
        return
    portal.organisation = "教育部國際及兩岸教育司"
    portal.address = "100217 臺北市中正區中山南路5號"
    portal.phone = "02-7736-5678"
    portal.email = "intl-edu@example.gov.tw"
    portal.office_hours = "週一至週五 08:30–17:30"
    portal.privacy_page = sections["privacy"]
    portal.accessibility_page = sections["accessibility"]
    portal.save()
