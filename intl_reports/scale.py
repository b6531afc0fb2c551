"""Scale data: a realistic national load of schools, plans, reports and photos, for benchmarks.

`manage.py generate_scale_data --schools 4000 --authorities 22 --years 10` builds, under the real
22 縣市 education authorities, 4,000 schools with their plans and outcome reports over 10 學年度:

- every year has a 國際交流 programme, the later years a 課程 programme too, with a deadline
  one month after the end of the year (so the current year is open, the others are past);
- 20–65 % of schools (about 40 % on average) hand in a plan to a programme each year; most plans
  are 通過, some 不通過, and in the current year some still 審查中;
- nearly every passed plan of a past year has its report, most of them saved and complete; in the
  current year fewer are opened, fewer saved, fewer complete;
- a report is brought in from its plan (`OutcomeReport.brought_in_from`) and filled as a school
  would: work items, 3–12 budget lines with what was spent, outcome notes, assessments, features
  and 2–6 photos; its figures and completeness come from `reporting.recompute`, the code every
  save runs, so they are consistent by construction;
- editors' decisions (已審閱, 退回補正), a few deadline extensions and some revisions.

Photos are real `PortalImage` rows (one per photo block, in the school's private collection), of
tiny generated 64×48 JPEGs. To keep the disk small, a school's photo rows share the school's two
files (about 1 KB each) instead of one file per row. They stay within one school, so the media
view (which finds the image owning a path) still answers with that school's permission. Deleting
one of these image rows would delete the shared file: this is benchmark data only.

Generated schools have codes starting with `SCALE`. A run tops the data up to `--schools`: a
second run with the same number adds nothing, a larger number adds only the new schools (the
same seed gives the same schools). Rows are written with bulk_create, a batch of schools at a
time, each batch in its own transaction.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Value
from django.utils import timezone
from wagtail.models import Revision

from .academic_year import ROC_OFFSET, academic_year_of
from .exchange import EXCHANGE_TYPES
from .models import (
    Authority,
    DeadlineExtension,
    Membership,
    OutcomeReport,
    Plan,
    PortalImage,
    Programme,
    ReviewDecision,
    ReviewResult,
    ReviewState,
    Role,
    School,
    SchoolStage,
    Tab,
)
from .photos import school_collection
from .reporting import recompute

CODE_PREFIX = "SCALE"
ACCOUNT_PREFIX = "rush"
# Shared by every load-test account; printed by the command. Never under production settings.
ACCOUNT_PASSWORD = "Rush-Scale-2024"
BATCH_SCHOOLS = 250
PHOTO_SIZE = (64, 48)
FILES_PER_SCHOOL = 2

# The 22 縣市 (直轄市 have an 教育局, the others an 教育處), their administrative codes, and their
# approximate number of primary and secondary schools, used as weights (about 3,800 in all).
AUTHORITIES: tuple[tuple[str, str, str, int], ...] = (
    ("63000", "臺北市", "臺北市政府教育局", 260),
    ("65000", "新北市", "新北市政府教育局", 330),
    ("68000", "桃園市", "桃園市政府教育局", 280),
    ("66000", "臺中市", "臺中市政府教育局", 340),
    ("67000", "臺南市", "臺南市政府教育局", 310),
    ("64000", "高雄市", "高雄市政府教育局", 370),
    ("10017", "基隆市", "基隆市政府教育處", 60),
    ("10018", "新竹市", "新竹市政府教育處", 50),
    ("10020", "嘉義市", "嘉義市政府教育處", 35),
    ("10004", "新竹縣", "新竹縣政府教育處", 110),
    ("10005", "苗栗縣", "苗栗縣政府教育處", 150),
    ("10007", "彰化縣", "彰化縣政府教育處", 230),
    ("10008", "南投縣", "南投縣政府教育處", 180),
    ("10009", "雲林縣", "雲林縣政府教育處", 190),
    ("10010", "嘉義縣", "嘉義縣政府教育處", 160),
    ("10013", "屏東縣", "屏東縣政府教育處", 230),
    ("10002", "宜蘭縣", "宜蘭縣政府教育處", 110),
    ("10015", "花蓮縣", "花蓮縣政府教育處", 140),
    ("10014", "臺東縣", "臺東縣政府教育處", 120),
    ("10016", "澎湖縣", "澎湖縣政府教育處", 55),
    ("09020", "金門縣", "金門縣政府教育處", 30),
    ("09007", "連江縣", "連江縣政府教育處", 15),
)

STAGES = (
    (SchoolStage.ELEMENTARY, "國民小學", 65),
    (SchoolStage.JUNIOR_HIGH, "國民中學", 19),
    (SchoolStage.GENERAL_HIGH, "高級中學", 9),
    (SchoolStage.TECHNICAL_HIGH, "高級工業職業學校", 4),
    (SchoolStage.COMPREHENSIVE_HIGH, "完全中學", 2),
    (SchoolStage.SPECIALIZED_HIGH, "高級商業職業學校", 1),
)
NAME_FIRST = "文中光民仁信和復建自成勝忠大新育明永福東西南北華興德安平樂"
NAME_SECOND = "華正復生愛義平興國強功利孝同英德康山門湖埔和昌美榮"
SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周"
GIVEN = ("淑芬", "志明", "雅婷", "家豪", "怡君", "建宏", "美玲", "俊傑", "佩珊", "文雄")

PARTNERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("亞洲", "日本", ("大阪府立國際交流高等學校", "京都市立堀川高等學校", "福岡縣立香住丘高校")),
    ("亞洲", "韓國", ("首爾世宗高等學校", "釜山國際高等學校")),
    ("亞洲", "菲律賓", ("宿霧建基中學", "馬尼拉中華中學")),
    ("亞洲", "越南", ("胡志明市黎貴惇高中", "河內阿姆斯特丹高中")),
    ("亞洲", "泰國", ("曼谷清邁府立中學", "清萊中華學校")),
    ("亞洲", "馬來西亞", ("吉隆坡尊孔獨立中學", "檳城鍾靈獨立中學")),
    ("亞洲", "新加坡", ("新加坡華僑中學", "南洋女子中學")),
    ("亞洲", "印尼", ("雅加達八華學校",)),
    ("歐洲", "德國", ("慕尼黑歌德文理中學", "柏林洪堡中學")),
    ("歐洲", "法國", ("巴黎亨利四世中學",)),
    ("歐洲", "英國", ("倫敦國王學院附屬中學",)),
    ("北美洲", "美國", ("加州爾灣高中", "紐約史岱文森高中", "西雅圖湖濱中學")),
    ("北美洲", "加拿大", ("溫哥華約翰奧利佛中學",)),
    ("大洋洲", "澳洲", ("雪梨北悉尼男子中學", "墨爾本大學附屬中學")),
    ("大洋洲", "紐西蘭", ("奧克蘭文法學校",)),
    ("中南美洲", "巴拉圭", ("亞松森中華學校",)),
    ("非洲", "史瓦帝尼", ("墨巴本國際中學",)),
)
# Japan and its neighbours are chosen far more often than the rest, as in real exchanges.
PARTNER_WEIGHTS = (30, 14, 8, 7, 6, 8, 6, 3, 4, 3, 3, 8, 3, 5, 2, 1, 1)

SCHEDULE_ITEMS = (
    "召開計畫籌備會議",
    "確認交流行程與交流學校",
    "辦理行前說明會",
    "學生行前培訓課程",
    "辦理保險與行政作業",
    "與交流學校線上會議",
    "交流活動",
    "參與國際競賽/會議",
    "學生交流心得撰寫",
    "交流成果展示",
    "辦理校內分享講座",
    "計畫成果彙整與經費核銷",
    "整體計畫檢討",
)
BUDGET_ITEMS = (
    ("業務費", "國外旅費"),
    ("業務費", "膳宿費"),
    ("業務費", "保險費"),
    ("業務費", "印刷費"),
    ("業務費", "講座鐘點費"),
    ("業務費", "國內交通費"),
    ("業務費", "教材費"),
    ("業務費", "場地使用費"),
    ("業務費", "翻譯費"),
    ("業務費", "雜支"),
    ("設備及投資", "資訊設備"),
    ("其他", "交流活動費"),
)
OUTCOME_TEXTS = (
    "學生能運用外語與他國學生溝通，表達自己的想法。",
    "學生能了解交流國家的文化，並反思臺灣的在地文化。",
    "學生能洞察並聚焦感興趣的全球議題，提出具體的行動方案。",
    "教師能透過與姊妹校老師合作共備，提升國際教育教學專業。",
    "學校能持續深化與姊妹校的關係與交流，建立長期合作機制。",
    "學生能認識國際競賽與會議的運作方式，具備參與國際活動的基本能力。",
)
FEATURES = (
    "本校以永續發展為主軸，學生與交流學校共同探究在地環境議題，並以英語發表行動方案。",
    "結合校本課程與國際交流，學生於行前完成文化探究，交流後辦理成果分享，擴散學習成效。",
    "透過線上與實體交流並行，學生持續與姊妹校夥伴合作完成專題，深化跨文化溝通能力。",
)
DEFAULT_PHOTO_RATIO = 0.8


@dataclass
class ScaleResult:
    created: Counter = field(default_factory=Counter)
    existing_schools: int = 0
    elapsed: float = 0.0
    accounts: list[str] = field(default_factory=list)


class ScaleDataRefused(Exception):
    """The generator will not run here (production settings, or nothing sensible to do)."""


def authority_for_index(count: int, weights: list[int]) -> list[int]:
    """The authority (an index into `weights`) of schools 0…count-1, by smooth weighted
    round-robin: deterministic, proportional at every prefix, so topping up keeps the earlier
    schools where they were."""
    total = sum(weights)
    current = [0] * len(weights)
    result = []
    for _ in range(count):
        for index, weight in enumerate(weights):
            current[index] += weight
        chosen = max(range(len(weights)), key=lambda index: current[index])
        current[chosen] -= total
        result.append(chosen)
    return result


def expected_schools_per_authority(schools: int, authorities: int = len(AUTHORITIES)) -> Counter:
    """How many of `schools` each authority code gets (what the benchmark picks from)."""
    chosen = AUTHORITIES[:authorities]
    indexes = authority_for_index(schools, [weight for *_rest, weight in chosen])
    return Counter(chosen[index][0] for index in indexes)


def authority_code(county_code: str) -> str:
    return f"{CODE_PREFIX}_{county_code}"


def school_code(index: int) -> str:
    return f"{CODE_PREFIX}{index:05d}"


def photo_bytes(variant: int) -> bytes:
    """A tiny, real JPEG: a coloured gradient with a mark, one of a few variants."""
    from PIL import Image, ImageDraw

    palette = [(33, 102, 172), (214, 96, 77), (27, 120, 55), (118, 42, 131), (230, 171, 2)]
    base = palette[variant % len(palette)]
    width, height = PHOTO_SIZE
    image = Image.new("RGB", PHOTO_SIZE, base)
    draw = ImageDraw.Draw(image)
    for row in range(0, height, 4):
        shade = tuple(min(255, channel + row * 2) for channel in base)
        draw.rectangle([0, row, width, row + 4], fill=shade)
    x = (variant * 17) % (width - 16)
    draw.ellipse([x, 12, x + 16, 28], outline="white", width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()


def _insert(model, objects: list, marker: str, batch_size: int = 250) -> None:
    """bulk_create through INSERT … VALUES. On PostgreSQL, Django 5.2 otherwise sends each column
    as one array (UNNEST), and psycopg escapes long JSON texts inside an array in Python:
    measured 2.4× slower for plans. A value given as an expression makes Django use VALUES."""
    for obj in objects:
        setattr(obj, marker, Value(getattr(obj, marker)))
    try:
        model.objects.bulk_create(objects, batch_size=batch_size)
    finally:
        for obj in objects:
            setattr(obj, marker, getattr(obj, marker).value)


def _stream(block_type: str, values: list[dict]) -> list[dict]:
    return [{"type": block_type, "value": value} for value in values]


def _mobile(rng) -> str:
    return f"09{rng.randint(10, 89)}-{rng.randint(100, 999)}-{rng.randint(100, 999)}"


def _aware(year, month, day, hour=0, minute=0):
    return timezone.make_aware(
        datetime.datetime(year, month, day, hour, minute), timezone.get_default_timezone()
    )


class _Generator:
    def __init__(self, *, schools, authorities, years, seed, photo_ratio, now, log):
        self.target = schools
        self.authority_rows = AUTHORITIES[:authorities]
        self.years = years
        self.seed = seed
        self.photo_ratio = photo_ratio
        self.now = now
        self.log = log
        self.current_year = academic_year_of(timezone.localtime(now).date())
        self.result = ScaleResult()
        self.report_type = ContentType.objects.get_for_model(OutcomeReport)

    # -- reference data --------------------------------------------------------------------

    def ensure_authorities(self) -> list[Authority]:
        existing = {
            a.code: a
            for a in Authority.objects.filter(
                code__in=[authority_code(code) for code, *_rest in self.authority_rows]
            )
        }
        missing = [
            Authority(
                code=authority_code(code),
                name=name,
                email=f"intl-{code}@edu.example.gov.tw",
                phone=f"0{2 + index % 7}-2{index:03d}-{1000 + index * 37}",
            )
            for index, (code, _county, name, _weight) in enumerate(self.authority_rows)
            if authority_code(code) not in existing
        ]
        Authority.objects.bulk_create(missing)
        self.result.created["authorities"] += len(missing)
        by_code = {a.code: a for a in Authority.objects.filter(code__startswith=CODE_PREFIX)}
        return [by_code[authority_code(code)] for code, *_rest in self.authority_rows]

    def ensure_programmes(self) -> list[Programme]:
        """國際交流 every year; 課程 in the later years only (one or two programmes a year)."""
        programmes = []
        first = self.current_year - self.years + 1
        for year in range(first, self.current_year + 1):
            kinds = [Programme.Kind.EXCHANGE]
            if year - first >= self.years // 3:
                kinds.append(Programme.Kind.CURRICULUM)
            for kind in kinds:
                deadline = _aware(year + ROC_OFFSET + 1, 8, 31, 23, 59)
                programme, created = Programme.objects.get_or_create(
                    kind=kind, academic_year=year, defaults={"report_deadline": deadline}
                )
                self.result.created["programmes"] += int(created)
                programmes.append(programme)
        return programmes

    # -- one school and its plans ----------------------------------------------------------

    def school(self, index: int, authority: Authority, county: str, rng) -> School:
        stage, suffix, _weight = rng.choices(STAGES, weights=[w for *_r, w in STAGES])[0]
        name = f"{county}立{rng.choice(NAME_FIRST)}{rng.choice(NAME_SECOND)}{suffix}"
        classes = rng.randint(6, 72)
        contact = f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}"
        phone = f"0{rng.randint(2, 8)}-{rng.randint(2000000, 8999999)}"
        return School(
            authority=authority,
            name=name,
            code=school_code(index),
            address=f"{county}中正路{rng.randint(1, 500)}號",
            stage=stage,
            class_count=f"{classes}班",
            student_count=f"{classes * rng.randint(20, 30)}人",
            teacher_count=str(int(classes * 1.8)),
            contact_name=contact,
            contact_phone=f"{phone}#{rng.randint(100, 399)}",
            contact_mobile=_mobile(rng),
            contact_email=f"intl{index:05d}@school.example.edu.tw",
            principal_name=f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}",
            principal_phone=f"{phone}#100",
            principal_mobile=_mobile(rng),
        )

    def plan(self, school: School, programme: Programme, rng) -> Plan:
        current = programme.academic_year == self.current_year
        if current:
            result = rng.choices(
                [ReviewResult.PASSED, ReviewResult.REVIEWING, ReviewResult.REJECTED], [70, 18, 12]
            )[0]
        else:
            result = rng.choices([ReviewResult.PASSED, ReviewResult.REJECTED], [88, 12])[0]
        exchange_types = rng.sample(EXCHANGE_TYPES, rng.choices([1, 2], [70, 30])[0])
        exchanges = []
        for exchange_type in exchange_types:
            keys = [key for key, _label in exchange_type.items]
            exchanges.append(
                {
                    "kind": exchange_type.key,
                    "items": rng.sample(keys, rng.randint(1, min(3, len(keys)))),
                    "theme": rng.choice(("永續城市", "海洋保育", "文化交流", "科技與生活")),
                    "students": rng.randint(5, 40),
                    "teachers": rng.randint(1, 5) if exchange_type.counts_teachers else None,
                }
            )
        partners = []
        for region, country, schools in rng.choices(
            PARTNERS, PARTNER_WEIGHTS, k=rng.choices([1, 2, 3], [65, 25, 10])[0]
        ):
            partners.append({"region": region, "country": country, "school": rng.choice(schools)})
        start = datetime.date(programme.academic_year + ROC_OFFSET, 8, 20)
        schedule = [
            {
                "item": item,
                "planned_date": (start + datetime.timedelta(days=25 * n)).isoformat(),
                "progress": None,
                "delay_reason": "",
            }
            for n, item in enumerate(SCHEDULE_ITEMS[: rng.randint(4, len(SCHEDULE_ITEMS))])
        ]
        budget = [
            {
                "item": item,
                "secondary_use": use,
                "approved": rng.randint(10, 240) * 500,
                "spent": None,
                "notes": "",
            }
            for item, use in rng.sample(BUDGET_ITEMS, rng.randint(3, 12))
        ]
        outcomes = [
            {"category": "推動目標", "expected": text, "achieved": False, "note": ""}
            for text in rng.sample(OUTCOME_TEXTS, rng.randint(3, 6))
        ]
        label = "國際交流" if programme.kind == Programme.Kind.EXCHANGE else "國際教育課程"
        return Plan(
            programme=programme,
            school=school,
            title=f"{programme.academic_year}年度{label}計畫書",
            serial=f"{CODE_PREFIX}-{programme.academic_year}-{programme.kind[:2]}-{school.code}",
            review_result=result,
            approved_total=sum(line["approved"] for line in budget),
            exchanges=_stream("exchange", exchanges),
            partners=_stream("partner", partners),
            schedule=_stream("work_item", schedule),
            budget=_stream("budget_line", budget),
            outcomes=_stream("outcome", outcomes),
        )

    # -- the report of a passed plan -------------------------------------------------------

    def report_profile(self, plan: Plan, rng) -> dict | None:
        """Whether the report exists, was saved, has photos, and which tabs stay unfinished."""
        current = plan.programme.academic_year == self.current_year
        if rng.random() >= (0.7 if current else 0.98):
            return None  # never opened
        if rng.random() >= (0.6 if current else 0.97):
            return {"saved": False, "photos": 0, "unfinished": set()}
        photos = rng.randint(2, 6) if rng.random() < self.photo_ratio else 0
        complete = bool(photos) and rng.random() < (0.4 if current else 0.9)
        unfinished = set()
        if not complete:
            optional = [Tab.PLAN, Tab.WORK, Tab.BUDGET, Tab.OUTCOMES, Tab.ASSESSMENT]
            unfinished = set(rng.sample(optional, rng.randint(1, 3)))
            if photos and rng.random() < 0.5:
                unfinished.add(Tab.RESULTS)
        return {"saved": True, "photos": photos, "unfinished": unfinished}

    def fill(self, report: OutcomeReport, profile: dict, image_ids: list[int], rng) -> None:
        """What a school types into the tabs; the figures come from recompute()."""
        unfinished = profile["unfinished"]
        programme = report.plan.programme
        partners = [dict(item["value"]) for item in report.partners.raw_data]
        if Tab.PLAN in unfinished:
            partners[-1]["school"] = ""
        report.partners = _stream("partner", partners)
        work = [dict(item["value"]) for item in report.work_items.raw_data]
        for n, row in enumerate(work):
            behind = Tab.WORK in unfinished and n >= len(work) - 2
            row["progress"] = None if behind else rng.choice((80, 90, 100, 100, 100))
            if row["progress"] is not None and row["progress"] < 100:
                row["delay_reason"] = "受天候影響延後辦理，已調整後續期程補足。"
        report.work_items = _stream("work_item", work)
        lines = [dict(item["value"]) for item in report.budget_lines.raw_data]
        for n, line in enumerate(lines):
            if Tab.BUDGET in unfinished and n == len(lines) - 1:
                continue
            line["spent"] = min(
                line["approved"] * 2, int(line["approved"] * rng.uniform(0.55, 1.08))
            )
            line["notes"] = "依計畫執行。"
        report.budget_lines = _stream("budget_line", lines)
        checks = [dict(item["value"]) for item in report.outcome_checks.raw_data]
        for n, row in enumerate(checks):
            if Tab.OUTCOMES in unfinished and n == 0:
                continue
            row["achieved"] = rng.random() < 0.9
            row["note"] = "已透過交流活動與學生回饋檢核。"
        report.outcome_checks = _stream("outcome", checks)
        if Tab.ASSESSMENT not in unfinished:
            report.assessments = _stream(
                "assessment",
                [
                    {
                        "text": "學生於行前與返國後完成全球素養自評，平均分數明顯提升。",
                        "image": image_ids[0] if image_ids and n == 0 else None,
                    }
                    for n in range(rng.randint(1, 3))
                ],
            )
        report.features = "" if Tab.RESULTS in unfinished else rng.choice(FEATURES)
        report.photos = _stream(
            "photo",
            [{"image": pk, "caption": f"交流活動照片{n + 1}"} for n, pk in enumerate(image_ids)],
        )
        recompute(report)
        year_start = programme.academic_year + ROC_OFFSET
        deadline = programme.report_deadline
        if programme.academic_year == self.current_year:
            saved = self.now - datetime.timedelta(days=rng.randint(0, 80), hours=rng.randint(0, 9))
        else:
            saved = _aware(
                year_start + 1, rng.randint(3, 7), rng.randint(1, 28), rng.randint(8, 21)
            )
        report.last_saved_at = min(saved, deadline, self.now)
        report.last_saved_tab = rng.choice(Tab.values)
        if report.completeness == 100 and rng.random() < 0.6:
            report.unit_head_name = f"{rng.choice(SURNAMES)}主任"
            report.unit_head_confirmed_at = report.last_saved_at

    def review(self, report: OutcomeReport, rng) -> ReviewDecision | None:
        past = report.plan.programme.academic_year < self.current_year
        if report.last_saved_at is None:
            return None
        if report.completeness == 100:
            weights = [85, 5, 10] if past else [15, 3, 82]
        else:
            weights = [0, 20, 80] if past else [0, 8, 92]
        state = rng.choices(
            [ReviewState.ACCEPTED, ReviewState.RETURNED, ReviewState.PENDING], weights
        )[0]
        report.review_state = state
        if state == ReviewState.PENDING:
            return None
        decided = report.last_saved_at + datetime.timedelta(days=rng.randint(3, 40))
        decided = min(decided, self.now)
        note = "內容完整，准予備查。"
        reopen = None
        if state == ReviewState.RETURNED:
            note = "經費執行說明不足，請補正後再送。"
            reopen = decided + datetime.timedelta(days=14)
            report.reopened_until = reopen
        return ReviewDecision(
            report=report, decision=state, note=note, reopen_until=reopen, decided_at=decided
        )

    # -- a batch of schools ----------------------------------------------------------------

    def run_batch(self, indexes, assignment, authorities, programmes) -> None:
        created = self.result.created
        rngs = {index: random.Random(f"{self.seed}:{index}") for index in indexes}
        schools = []
        for index in indexes:
            authority_index = assignment[index]
            county = self.authority_rows[authority_index][1]
            schools.append(self.school(index, authorities[authority_index], county, rngs[index]))
        School.objects.bulk_create(schools)
        created["schools"] += len(schools)

        plans = []
        for school in schools:
            rng = rngs[int(school.code[len(CODE_PREFIX) :])]
            activity = rng.uniform(0.2, 0.65)
            for programme in programmes:
                chance = activity if programme.kind == Programme.Kind.EXCHANGE else activity * 0.7
                if rng.random() < chance:
                    plans.append(self.plan(school, programme, rng))
        _insert(Plan, plans, "serial")
        created["plans"] += len(plans)

        # Decide every report first: the photo rows must exist before the photo blocks.
        decided = []
        for plan in plans:
            rng = rngs[int(plan.school.code[len(CODE_PREFIX) :])]
            if plan.review_result != ReviewResult.PASSED:
                continue
            profile = self.report_profile(plan, rng)
            if profile is not None:
                decided.append((plan, profile, rng))
        images_by_plan = self.photo_rows(decided)

        reports, decisions, extensions = [], [], []
        for plan, profile, rng in decided:
            report = OutcomeReport.brought_in_from(plan)
            if profile["saved"]:
                self.fill(report, profile, images_by_plan.get(plan.pk, []), rng)
                decision = self.review(report, rng)
                if decision is not None:
                    decisions.append(decision)
            reports.append(report)
        for plan in plans:
            rng = rngs[int(plan.school.code[len(CODE_PREFIX) :])]
            if plan.programme.academic_year == self.current_year and rng.random() < 0.02:
                extensions.append(
                    DeadlineExtension(
                        programme=plan.programme,
                        school=plan.school,
                        deadline=plan.programme.report_deadline + datetime.timedelta(days=30),
                        reason="學校行事曆調整，延後繳交。",
                    )
                )
        _insert(OutcomeReport, reports, "school_code")
        created["reports"] += len(reports)
        created["saved reports"] += sum(1 for r in reports if r.last_saved_at)
        created["complete reports"] += sum(1 for r in reports if r.completeness == 100)
        ReviewDecision.objects.bulk_create(decisions, batch_size=1000)
        created["review decisions"] += len(decisions)
        DeadlineExtension.objects.bulk_create(extensions, ignore_conflicts=True)
        created["deadline extensions"] += len(extensions)
        self.revisions([r for r in reports if r.last_saved_at], rngs)

    def photo_rows(self, decided) -> dict[int, list[int]]:
        """PortalImage rows for the photos of the decided reports: each school's rows share two
        tiny files written once for that school."""
        needs = [(plan, profile["photos"]) for plan, profile, _rng in decided if profile["photos"]]
        if not needs:
            return {}
        schools = list({plan.school.pk: plan.school for plan, _count in needs}.values())
        collections = self.collections(sorted(schools, key=lambda school: school.code))
        files: dict[int, list[tuple[str, int, str]]] = {}
        for school in schools:
            stored = []
            for variant in range(FILES_PER_SCHOOL):
                content = photo_bytes(school.pk + variant)
                name = default_storage.save(
                    f"original_images/scale/{school.code.lower()}-{variant}.jpg",
                    ContentFile(content),
                )
                stored.append((name, len(content), hashlib.sha1(content).hexdigest()))
            files[school.pk] = stored
            self.result.created["photo files"] += len(stored)
        images, owners = [], []
        for plan, count in needs:
            rng = random.Random(f"{self.seed}:photos:{plan.serial}")
            for n in range(count):
                name, size, digest = files[plan.school.pk][n % FILES_PER_SCHOOL]
                images.append(
                    PortalImage(
                        title=f"{plan.school.name} 交流活動照片{n + 1}",
                        file=name,
                        width=PHOTO_SIZE[0],
                        height=PHOTO_SIZE[1],
                        file_size=size,
                        file_hash=digest,
                        collection=collections[plan.school.pk],
                        school=plan.school,
                        guardian_consent=rng.random() < 0.7,
                    )
                )
                owners.append(plan.pk)
        PortalImage.objects.bulk_create(images, batch_size=1000)
        self.result.created["photos"] += len(images)
        by_plan: dict[int, list[int]] = {}
        for plan_pk, image in zip(owners, images, strict=True):
            by_plan.setdefault(plan_pk, []).append(image.pk)
        return by_plan

    def collections(self, schools: list[School]) -> dict:
        """Each school's private collection, named as photos.school_collection names it.

        Collections are a sorted tree (treebeard, ordered by name) and add_child costs about
        ten queries; the schools of a batch are new and their codes sort after every existing
        sibling, so they are appended in one bulk_create at the paths treebeard would give
        them. Should a sibling sort after them, each school goes through add_child instead."""
        from wagtail.models import Collection

        if not schools:
            return {}
        first = school_collection(schools[0])  # makes the common parent on the first run
        result = {schools[0].pk: first}
        rest = schools[1:]
        names = [f"{school.code} {school.name}"[:255] for school in rest]
        parent = first.get_parent(update=True)
        last = parent.get_last_child()
        if names != sorted(names) or (names and names[0] <= last.name):
            result.update((school.pk, school_collection(school)) for school in rest)
            return result
        step = Collection._str2int(last.path[-Collection.steplen :])
        depth = parent.depth + 1
        created = Collection.objects.bulk_create(
            Collection(
                name=name,
                depth=depth,
                numchild=0,
                path=Collection._get_path(parent.path, depth, step + offset),
            )
            for offset, name in enumerate(names, start=1)
        )
        Collection.objects.filter(pk=parent.pk).update(numchild=F("numchild") + len(created))
        result.update((school.pk, c) for school, c in zip(rest, created, strict=True))
        return result

    def revisions(self, reports: list[OutcomeReport], rngs) -> None:
        """A quarter of saved reports keep one or two revisions, as their saves would."""
        revisions, latest = [], []
        for report in reports:
            rng = rngs[int(report.school_code[len(CODE_PREFIX) :])]
            if rng.random() >= 0.25:
                continue
            content = report.serializable_data()
            for n in range(rng.randint(1, 2), 0, -1):
                revisions.append(
                    Revision(
                        content_type=self.report_type,
                        base_content_type=self.report_type,
                        object_id=str(report.pk),
                        created_at=report.last_saved_at - datetime.timedelta(days=n - 1),
                        object_str=str(report)[:255],
                        content=content,
                    )
                )
            latest.append((report, len(revisions) - 1))
        _insert(Revision, revisions, "object_id")
        for report, position in latest:
            report.latest_revision = revisions[position]
        OutcomeReport.objects.bulk_update(
            [report for report, _position in latest], ["latest_revision"], batch_size=500
        )
        self.result.created["revisions"] += len(revisions)

    def date_reports(self, programmes) -> None:
        """Reports were opened during their year, not today (created_at is auto_now_add)."""
        for programme in programmes:
            opened = _aware(programme.academic_year + ROC_OFFSET, 10, 1, 9)
            OutcomeReport.objects.filter(
                plan__programme=programme, plan__serial__startswith=CODE_PREFIX
            ).update(created_at=min(opened, self.now))

    def run(self) -> ScaleResult:
        started = time.monotonic()
        existing = School.objects.filter(code__startswith=CODE_PREFIX).count()
        self.result.existing_schools = existing
        authorities = self.ensure_authorities()
        programmes = self.ensure_programmes()
        if existing < self.target:
            assignment = authority_for_index(
                self.target, [weight for *_rest, weight in self.authority_rows]
            )
            for start in range(existing, self.target, BATCH_SCHOOLS):
                indexes = range(start, min(start + BATCH_SCHOOLS, self.target))
                with transaction.atomic():
                    self.run_batch(indexes, assignment, authorities, programmes)
                self.log(f"  schools {indexes[-1] + 1}/{self.target}")
            self.date_reports(programmes)
        self.result.elapsed = time.monotonic() - started
        return self.result


def generate(
    *,
    schools: int,
    authorities: int = len(AUTHORITIES),
    years: int = 10,
    seed: int = 2024,
    photo_ratio: float = DEFAULT_PHOTO_RATIO,
    accounts: int = 0,
    allow_production: bool = False,
    now: datetime.datetime | None = None,
    log=lambda message: None,
) -> ScaleResult:
    """Top the scale data up to `schools` schools (see the module docstring)."""
    if not getattr(settings, "DEMO_DATA_ALLOWED", False) and not allow_production:
        raise ScaleDataRefused(
            "These settings refuse generated data and accounts with a known password "
            "(DEMO_DATA_ALLOWED is false). Use --allow-production only on a throw-away database."
        )
    if not 1 <= authorities <= len(AUTHORITIES):
        raise ScaleDataRefused(f"--authorities must be between 1 and {len(AUTHORITIES)}.")
    if schools < 0 or years < 1 or not 0 <= photo_ratio <= 1 or accounts < 0:
        raise ScaleDataRefused(
            "--schools and --accounts must be ≥ 0, --years ≥ 1, --photo-ratio in 0…1."
        )
    generator = _Generator(
        schools=schools,
        authorities=authorities,
        years=years,
        seed=seed,
        photo_ratio=photo_ratio,
        now=now or timezone.now(),
        log=log,
    )
    result = generator.run()
    if accounts:
        started = time.monotonic()
        result.accounts = ensure_accounts(accounts, result)
        result.elapsed += time.monotonic() - started
    return result


def account_username(index: int) -> str:
    return f"{ACCOUNT_PREFIX}{index + 1:04d}"


@transaction.atomic
def ensure_accounts(count: int, result: ScaleResult | None = None) -> list[str]:
    """School accounts rush0001… for the first `count` scale schools, all with
    ACCOUNT_PASSWORD. The password is hashed once and the hash shared: hashing it thousands of
    times would take minutes, and these accounts exist only for load tests."""
    schools = list(School.objects.filter(code__startswith=CODE_PREFIX).order_by("code")[:count])
    if len(schools) < count:
        raise ScaleDataRefused(
            f"Only {len(schools)} scale schools exist: generate more before {count} accounts."
        )
    User = get_user_model()
    usernames = [account_username(index) for index in range(count)]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    password = make_password(ACCOUNT_PASSWORD)
    users = [
        User(username=username, email=f"{username}@school.example.edu.tw", password=password)
        for username in usernames
        if username not in existing
    ]
    User.objects.bulk_create(users, batch_size=1000)
    by_name = {
        user.username: user
        for user in User.objects.filter(username__in=[u.username for u in users])
    }
    Membership.objects.bulk_create(
        [
            Membership(user=by_name[username], role=Role.SCHOOL, school=school)
            for username, school in zip(usernames, schools, strict=True)
            if username in by_name
        ],
        batch_size=1000,
    )
    if result is not None:
        result.created["accounts"] += len(users)
    return usernames
