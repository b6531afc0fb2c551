"""factory_boy factories for the reports system.

Every factory builds valid, realistic rows: Traditional Chinese names, a plan whose budget lines
add up to its approved total, schedule and outcome rows shaped like the manual's.
"""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from intl_reports.models import (
    Authority,
    Membership,
    Plan,
    PortalImage,
    Programme,
    ReviewResult,
    Role,
    School,
    SchoolStage,
)
from intl_reports.roles import ensure_editors_group

DEFAULT_PASSWORD = "Factory-Pass-2024"

SCHEDULE_ITEMS = [
    "召開計畫籌備會議",
    "出訪交流活動",
    "辦理校內出訪分享講座",
    "計畫成果彙整與經費核銷",
]
BUDGET_LINES = [("其他", "國外旅費", 217500), ("其他", "交流活動費", 120000)]
EXPECTED_OUTCOMES = [
    ("推動目標", "學生能洞察並聚焦感興趣的全球議題，提出具體的行動方案。"),
    ("推動目標", "教師能透過與姊妹校老師合作共備、帶領學生交流，提升國際教育教學專業。"),
]


def exchanges_stream():
    return [
        (
            "exchange",
            {
                "kind": "outbound",
                "items": ["contest", "sister"],
                "theme": "永續城市與海洋保育",
                "students": 20,
                "teachers": 3,
            },
        )
    ]


def partners_stream():
    return [("partner", {"region": "亞洲", "country": "菲律賓", "school": "宿霧建基中學"})]


def schedule_stream():
    return [
        (
            "work_item",
            {
                "item": item,
                "planned_date": datetime.date(2024, 1 + index, 15),
                "progress": None,
                "delay_reason": "",
            },
        )
        for index, item in enumerate(SCHEDULE_ITEMS)
    ]


def budget_stream(lines=BUDGET_LINES):
    return [
        (
            "budget_line",
            {"item": item, "secondary_use": use, "approved": approved, "spent": None, "notes": ""},
        )
        for item, use, approved in lines
    ]


def outcomes_stream():
    return [
        ("outcome", {"category": category, "expected": text, "achieved": False, "note": ""})
        for category, text in EXPECTED_OUTCOMES
    ]


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authority

    name = factory.Sequence(lambda n: f"測試主管機關{n:03d}")
    code = factory.Sequence(lambda n: f"AUTH_{n:03d}")
    email = factory.Sequence(lambda n: f"authority{n}@example.gov.tw")
    phone = "02-7736-6666"


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    authority = factory.SubFactory(AuthorityFactory)
    name = factory.Sequence(lambda n: f"測試高級中學{n:03d}")
    code = factory.Sequence(lambda n: f"SCHOOL_{n:04d}")
    address = "臺北市中正區中山南路5號"
    stage = SchoolStage.GENERAL_HIGH
    class_count = "高中部30班"
    student_count = "高中部1050人"
    teacher_count = "85"
    contact_name = "林小華"
    contact_phone = "02-2345-6789#123"
    contact_mobile = "0912-345-678"
    contact_email = factory.Sequence(lambda n: f"contact{n}@school.example.edu.tw")
    principal_name = "張校長"
    principal_phone = "02-2345-6789#100"
    principal_mobile = "0987-654-321"


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("kind", "academic_year")

    kind = Programme.Kind.EXCHANGE
    academic_year = 112
    report_deadline = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=90))


class PlanFactory(factory.django.DjangoModelFactory):
    """A passed 國際交流 plan whose budget lines add up to its approved total (337500)."""

    class Meta:
        model = Plan

    programme = factory.SubFactory(ProgrammeFactory)
    school = factory.SubFactory(SchoolFactory)
    title = factory.LazyAttribute(lambda o: f"{o.programme.academic_year}年度國際交流計畫書")
    serial = factory.Sequence(lambda n: f"20230403-{n:04d}")
    review_result = ReviewResult.PASSED
    approved_total = 337500
    exchanges = factory.LazyFunction(exchanges_stream)
    partners = factory.LazyFunction(partners_stream)
    schedule = factory.LazyFunction(schedule_stream)
    budget = factory.LazyFunction(budget_stream)
    outcomes = factory.LazyFunction(outcomes_stream)


class UserFactory(factory.django.DjangoModelFactory):
    """A plain active user (no membership) whose password is DEFAULT_PASSWORD."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.edu.tw")
    password = factory.django.Password(DEFAULT_PASSWORD)
    is_active = True


class SchoolMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.SCHOOL
    school = factory.SubFactory(SchoolFactory)
    authority = None


class AuthorityMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.AUTHORITY
    school = None
    authority = factory.SubFactory(AuthorityFactory)


class SchoolUserFactory(UserFactory):
    """A school account: SchoolUserFactory(school=some_school), or a new school by default."""

    username = factory.Sequence(lambda n: f"school{n:04d}")

    @factory.post_generation
    def school(self, create, extracted, **kwargs):
        if create:
            SchoolMembershipFactory(user=self, school=extracted or SchoolFactory(**kwargs))


class AuthorityUserFactory(UserFactory):
    """An authority account: AuthorityUserFactory(authority=some_authority)."""

    username = factory.Sequence(lambda n: f"authority{n:04d}")

    @factory.post_generation
    def authority(self, create, extracted, **kwargs):
        if create:
            AuthorityMembershipFactory(user=self, authority=extracted or AuthorityFactory(**kwargs))


class EditorFactory(UserFactory):
    """Ministry staff in the 教育部編輯 group: the Wagtail admin, no membership."""

    username = factory.Sequence(lambda n: f"editor{n:04d}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.gov.tw")

    @factory.post_generation
    def editors_group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(ensure_editors_group())


class SuperuserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"admin{n:04d}")
    is_staff = True
    is_superuser = True


class PortalImageFactory(factory.django.DjangoModelFactory):
    """A small real PNG. With a school it is that school's private report photo."""

    class Meta:
        model = PortalImage

    title = factory.Sequence(lambda n: f"交流活動照片{n}")
    file = factory.django.ImageField(filename="photo.png", width=40, height=30, color="navy")
    school = None
    is_published = False
    guardian_consent = False
