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
    return [(block_type, value) for value in values]


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
