"""The demo data of the manual (domain.md), loaded idempotently by `manage.py load_demo_data`."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .models import Authority, Membership, Plan, Programme, ReviewResult, Role, School, SchoolStage
from .roles import ensure_editors_group

# Listed in README.md. Demo only: the command refuses to run under production settings.
DEMO_ACCOUNTS = [
    ("學校", "school001", "Demo-School-2023", "測試學校001"),
    ("主管機關", "bear_authority", "Demo-Authority-2023", "熊大_主管機關"),
    ("編輯", "editor", "Demo-Editor-2023", "教育部編輯（Wagtail 後台）"),
]

SCHEDULE = [
    "召開計畫籌備會議",
    "確認出訪行程與交流學校",
    "辦理行前說明會",
    "學生行前培訓課程",
    "辦理出訪保險與行政作業",
    "與交流學校線上會議",
    "出訪交流活動",
    "參與國際競賽/會議",
    "學生交流心得撰寫",
    "交流成果展示",
    "辦理校內出訪分享講座",
    "計畫成果彙整與經費核銷",
    "整體交流計畫檢討",
]

EXPECTED_OUTCOMES = [
    ("推動目標", "學生能認識國際競賽與會議的運作方式，並具備參與國際活動的基本能力。"),
    ("推動目標", "學生能運用外語與他國學生溝通，表達自己的想法。"),
    ("推動目標", "學生能了解交流國家的文化，並反思臺灣的在地文化。"),
    ("推動目標", "學生能洞察並聚焦感興趣的全球議題，提出具體的行動方案。"),
    ("推動目標", "教師能透過與姊妹校老師合作共備、帶領學生交流，提升國際教育教學專業。"),
    ("推動目標", "學校能持續深化與姊妹校的關係與交流，建立長期合作機制。"),
]

BUDGET = [("其他", "", 217500), ("其他", "", 120000)]


def _stream(block_type, values):
    """Stream data in its raw (JSON) form, with image ids, as a form would submit it."""
    return [{"type": block_type, "value": value} for value in values]


@transaction.atomic
def load_reports_demo() -> None:
    ensure_editors_group()
    authority, _ = Authority.objects.get_or_create(
        code="BEAR_AUTHORITY",
        defaults={
            "name": "熊大_主管機關",
            "email": "authority@example.edu.tw",
            "phone": "02-1234-5678",
        },
    )
    school, _ = School.objects.get_or_create(
        code="TEST_SCHOOL_001",
        defaults={
            "authority": authority,
            "name": "測試學校001",
            "address": "臺北市中正區中山南路5號",
            "stage": SchoolStage.GENERAL_HIGH,
            "class_count": "高中部30班",
            "student_count": "高中部1050人",
            "teacher_count": "85",
            "contact_name": "王小明",
            "contact_phone": "02-2345-6789#123",
            "contact_mobile": "0912-345-678",
            "contact_email": "contact@test-school-001.example.edu.tw",
            "principal_name": "陳校長",
            "principal_phone": "02-2345-6789#100",
            "principal_mobile": "0987-654-321",
        },
    )
    programme, _ = Programme.objects.get_or_create(
        kind=Programme.Kind.EXCHANGE,
        academic_year=112,
        # Set once, at the first load, so the demo report stays editable for a while.
        defaults={"report_deadline": timezone.now() + datetime.timedelta(days=90)},
    )
    Plan.objects.get_or_create(
        serial="20230403-196",
        defaults={
            "programme": programme,
            "school": school,
            "title": "112年度國際交流計畫書",
            "review_result": ReviewResult.PASSED,
            "approved_total": 337500,
            "exchanges": _stream(
                "exchange",
                [
                    {
                        "kind": "outbound",
                        "items": ["contest"],
                        "theme": "",
                        "students": None,
                        "teachers": None,
                    }
                ],
            ),
            "partners": _stream("partner", [{"region": "亞洲", "country": "", "school": ""}]),
            "schedule": _stream(
                "work_item",
                [
                    {"item": item, "planned_date": None, "progress": None, "delay_reason": ""}
                    for item in SCHEDULE
                ],
            ),
            "budget": _stream(
                "budget_line",
                [
                    {
                        "item": item,
                        "secondary_use": use,
                        "approved": approved,
                        "spent": None,
                        "notes": "",
                    }
                    for item, use, approved in BUDGET
                ],
            ),
            "outcomes": _stream(
                "outcome",
                [
                    {"category": category, "expected": text, "achieved": False, "note": ""}
                    for category, text in EXPECTED_OUTCOMES
                ],
            ),
        },
    )
    _ensure_user("school001", "Demo-School-2023", membership=(Role.SCHOOL, school, None))
    _ensure_user(
        "bear_authority", "Demo-Authority-2023", membership=(Role.AUTHORITY, None, authority)
    )
    editor = _ensure_user("editor", "Demo-Editor-2023", email="editor@example.gov.tw")
    editor.groups.add(ensure_editors_group())
    fill_demo_report()


def _ensure_user(username, password, membership=None, email=""):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    if membership is not None:
        role, school, authority = membership
        Membership.objects.get_or_create(
            user=user, defaults={"role": role, "school": school, "authority": authority}
        )
    return user


# -- the demo report, filled as in the manual --------------------------------------------------

DEMO_PHOTOS = [
    ("學生於國際競賽會場進行簡報", True),
    ("與姊妹校師生交流合影", True),
    ("文化體驗課程：學習當地傳統工藝", False),
    ("返國後於校內辦理出訪分享講座", True),
]
UNIT_HEAD_CONFIRMED = datetime.datetime(2023, 4, 10, 11, 8, 25)
DEMO_LAST_SAVED = datetime.datetime(2023, 4, 10, 10, 52, 0)


def demo_photo_bytes(index: int, size=(1600, 1200)) -> bytes:
    """A generated, colourful JPEG (no network, no shipped binaries)."""
    import io

    from PIL import Image, ImageDraw

    palette = [(33, 102, 172), (214, 96, 77), (27, 120, 55), (118, 42, 131), (230, 171, 2)]
    base = palette[index % len(palette)]
    image = Image.new("RGB", size, base)
    draw = ImageDraw.Draw(image)
    width, height = size
    for step in range(0, height, 8):
        shade = tuple(min(255, channel + step * 60 // height) for channel in base)
        draw.rectangle([0, step, width, step + 8], fill=shade)
    for k in range(6):
        x = (k * 997 + index * 131) % width
        y = (k * 613 + index * 71) % height
        radius = 60 + (k * 37) % 140
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], outline="white", width=10)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


@transaction.atomic
def fill_demo_report() -> None:
    """Fill the demo school's report as the manual shows it, once."""
    from .models import OutcomeReport
    from .photos import store_photo
    from .reporting import recompute

    plan = Plan.objects.get(serial="20230403-196")
    report = OutcomeReport.for_plan(plan)
    if report.last_saved_at is not None:
        return
    school_user = get_user_model().objects.get(username="school001")
    tz = timezone.get_default_timezone()
    report.unit_head_name = "林主任"
    report.unit_head_email = "director@test-school-001.example.edu.tw"
    report.principal_email = "principal@test-school-001.example.edu.tw"
    report.unit_head_confirmed_at = timezone.make_aware(UNIT_HEAD_CONFIRMED, tz)
    report.partners = _stream(
        "partner", [{"region": "亞洲", "country": "日本", "school": "大阪府立國際交流高等學校"}]
    )
    report.exchanges = _stream(
        "exchange",
        [
            {
                "kind": "outbound",
                "items": ["contest"],
                "theme": "亞洲青年永續發展論壇",
                "students": 12,
                "teachers": 2,
            }
        ],
    )
    start = datetime.date(2023, 8, 15)
    report.work_items = _stream(
        "work_item",
        [
            {
                "item": item,
                "planned_date": (start + datetime.timedelta(days=25 * i)).isoformat(),
                "progress": 100,
                "delay_reason": "",
            }
            for i, item in enumerate(SCHEDULE)
        ],
    )
    report.budget_lines = _stream(
        "budget_line",
        [
            {
                "item": "其他",
                "secondary_use": "",
                "approved": 217500,
                "spent": 200000,
                "notes": "機票與住宿費用較預估為低。",
            },
            {
                "item": "其他",
                "secondary_use": "",
                "approved": 120000,
                "spent": 120000,
                "notes": "依計畫執行完畢。",
            },
        ],
    )
    report.outcome_checks = _stream(
        "outcome",
        [
            {
                "category": category,
                "expected": text,
                "achieved": True,
                "note": "已透過交流活動與成果分享檢核達成。",
            }
            for category, text in EXPECTED_OUTCOMES
        ],
    )
    photos = [
        store_photo(
            plan.school, demo_photo_bytes(i), title=caption, consent=consent, user=school_user
        )
        for i, (caption, consent) in enumerate(DEMO_PHOTOS)
    ]
    report.assessments = _stream(
        "assessment",
        [
            {
                "text": (
                    "學生於行前與返國後各完成一次全球素養自評，"
                    "平均分數由 3.2 提升至 4.1（滿分 5）。"
                ),
                "image": photos[0].pk,
            },
            {
                "text": "質性分析：學生心得顯示對國際議題的關注與跨文化溝通信心明顯提升。",
                "image": None,
            },
        ],
    )
    report.features = (
        "本校以「國際競賽/會議」為主軸，帶領學生出訪參與亞洲青年永續發展論壇，"
        "學生以英語發表在地永續行動方案，並與姊妹校師生共同討論全球議題。"
    )
    report.photos = _stream(
        "photo", [{"image": photo.pk, "caption": photo.title} for photo in photos]
    )
    recompute(report)
    report.last_saved_at = timezone.make_aware(DEMO_LAST_SAVED, tz)
    report.last_saved_by = school_user
    report.save()
    report.save_revision(user=school_user, clean=False)
