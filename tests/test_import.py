"""Bulk import of schools and plans in the Wagtail admin: CSV and XLSX, all or nothing."""

import csv
import io

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from intl_reports.importing import PLAN_IMPORTER, SCHOOL_IMPORTER
from intl_reports.models import Plan, School
from tests.factories import AuthorityFactory, PlanFactory, ProgrammeFactory, SchoolFactory

pytestmark = pytest.mark.django_db

URL = "/admin/intl-reports/import/"
SCHOOL_COLUMNS = list(SCHOOL_IMPORTER.columns)
PLAN_COLUMNS = list(PLAN_IMPORTER.columns)
WRONG_TYPE = "只接受 CSV（.csv）或 Excel（.xlsx）檔案。"
CORRUPT_XLSX = "無法讀取此 Excel 檔案，請確認檔案未損毀且為 .xlsx 格式。"
NOTHING_IMPORTED = "未匯入任何資料，請修正以下錯誤後重新上傳："


@pytest.fixture
def editor_client_ready(editor_client):
    """An editor, and the rows' reference data (the demo's names, not its report)."""
    authority = AuthorityFactory(name="熊大_主管機關", code="BEAR_AUTHORITY")
    school = SchoolFactory(authority=authority, name="測試學校001", code="TEST_SCHOOL_001")
    PlanFactory(school=school, serial="20230403-196", programme=ProgrammeFactory(academic_year=112))
    return editor_client


def school_row(code, name, authority="熊大_主管機關", stage="國民小學", email=""):
    values = {column: "" for column in SCHOOL_COLUMNS}
    values.update(
        {
            "主管機關": authority,
            "學校名稱": name,
            "學校代碼": code,
            "學校地址": "嘉義市東區北園路1號",
            "學習階段與類型": stage,
            "班級數": "24班",
            "學生數": "620人",
            "教師數": "45",
            "聯絡人姓名": "李老師",
            "聯絡人Email": email or f"{code.lower()}@example.edu.tw",
        }
    )
    return [values[column] for column in SCHOOL_COLUMNS]


def plan_row(serial, school_code="TEST_SCHOOL_001", total="337500", result="通過", year="112"):
    values = {
        "學校代碼": school_code,
        "類別": "國際交流",
        "學年度": year,
        "計畫名稱": f"國際交流計畫 {serial}",
        "計畫編號": serial,
        "計畫書審查結果": result,
        "核定計畫總額": total,
    }
    return [values[column] for column in PLAN_COLUMNS]


def csv_file(header, rows, name="import.csv", encoding="utf-8-sig"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), content_type="text/csv")


def xlsx_file(header, rows, name="import.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        # Numbers as spreadsheets store them: 112 and 337500 as numbers, not text.
        sheet.append([int(cell) if cell.isdigit() else cell for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(
        name,
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def upload(client, kind, file):
    return client.post(URL, {"kind": kind, "file": file})


def messages_of(response):
    """The messages waiting to be shown after this request."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def body(response):
    """The bytes of a response, streamed (a CSV download may be) or not."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def errors_of(response):
    return response.context["errors"]


# ---------------------------------------------------------------- good files


def test_the_import_page_lists_columns_and_templates(demo_editor_client):
    response = demo_editor_client.get(URL)
    text = response.content.decode()
    assert response.status_code == 200
    assert "批次匯入學校與計畫書" in text
    assert "、".join(SCHOOL_COLUMNS) in text
    assert "/admin/intl-reports/import/template/schools.csv" in text
    assert "/admin/intl-reports/import/template/plans.csv" in text


def test_a_good_csv_with_bom_imports_schools(demo_editor_client):
    file = csv_file(
        SCHOOL_COLUMNS,
        [school_row("CY_BEIYUAN", "嘉市北園國小"), school_row("CY_MINGHSIUNG", "嘉市民雄國中")],
    )
    assert file.read(3) == b"\xef\xbb\xbf"
    file.seek(0)
    response = upload(demo_editor_client, "schools", file)
    assert response.status_code == 302
    assert response.url == URL
    assert messages_of(response) == ["學校匯入完成：新增 2 筆，更新 0 筆。"]
    beiyuan = School.objects.get(code="CY_BEIYUAN")
    assert beiyuan.name == "嘉市北園國小"
    assert beiyuan.authority.name == "熊大_主管機關"
    assert beiyuan.stage == "elementary"
    assert beiyuan.contact_email == "cy_beiyuan@example.edu.tw"


def test_a_good_xlsx_imports_plans(demo_editor_client):
    file = xlsx_file(
        PLAN_COLUMNS,
        [plan_row("20240101-001"), plan_row("20240101-002", result="審查中", total="0")],
    )
    response = upload(demo_editor_client, "plans", file)
    assert response.status_code == 302
    assert messages_of(response) == ["計畫書匯入完成：新增 2 筆，更新 0 筆。"]
    plan = Plan.objects.get(serial="20240101-001")
    assert plan.school.code == "TEST_SCHOOL_001"
    assert plan.programme.academic_year == 112
    assert plan.programme.kind == "exchange"
    assert plan.review_result == "passed"
    assert plan.approved_total == 337500
    assert Plan.objects.get(serial="20240101-002").review_result == "reviewing"


def test_a_good_xlsx_imports_schools(editor_client_ready):
    file = xlsx_file(SCHOOL_COLUMNS, [school_row("XLSX_001", "試算表國小", stage="技術型高中")])
    response = upload(editor_client_ready, "schools", file)
    assert response.status_code == 302
    assert School.objects.get(code="XLSX_001").stage == "technical_high"


def test_a_big5_csv_from_old_excel_imports(editor_client_ready):
    file = csv_file(SCHOOL_COLUMNS, [school_row("BIG5_001", "大五碼國小")], encoding="big5")
    response = upload(editor_client_ready, "schools", file)
    assert response.status_code == 302
    assert School.objects.get(code="BIG5_001").name == "大五碼國小"


def test_blank_rows_are_skipped_and_numbering_kept(editor_client_ready):
    blank = [""] * len(SCHOOL_COLUMNS)
    file = csv_file(
        SCHOOL_COLUMNS,
        [
            school_row("ROW_2", "第二列國小"),
            blank,
            school_row("ROW_4", "第四列國小", authority="無"),
        ],
    )
    response = upload(editor_client_ready, "schools", file)
    assert errors_of(response) == [
        "第 4 列「主管機關」：找不到主管機關「無」，請先在主管機關管理中建立。"
    ]


def test_reimport_updates_rather_than_duplicates(editor_client_ready):
    rows = [school_row("CY_BEIYUAN", "嘉市北園國小")]
    first = upload(editor_client_ready, "schools", csv_file(SCHOOL_COLUMNS, rows))
    assert messages_of(first) == ["學校匯入完成：新增 1 筆，更新 0 筆。"]
    assert "學校匯入完成：新增 1 筆" in editor_client_ready.get(URL).content.decode()
    count = School.objects.count()
    changed = [school_row("CY_BEIYUAN", "嘉義市北園國民小學", stage="國民中學")]
    response = upload(editor_client_ready, "schools", xlsx_file(SCHOOL_COLUMNS, changed))
    assert messages_of(response) == ["學校匯入完成：新增 0 筆，更新 1 筆。"]
    assert School.objects.count() == count
    school = School.objects.get(code="CY_BEIYUAN")
    assert school.name == "嘉義市北園國民小學"
    assert school.stage == "junior_high"


def test_plan_reimport_updates_the_demo_plan(demo_editor_client):
    before = Plan.objects.count()
    row = plan_row("20230403-196", total="340000")
    response = upload(demo_editor_client, "plans", csv_file(PLAN_COLUMNS, [row]))
    assert messages_of(response) == ["計畫書匯入完成：新增 0 筆，更新 1 筆。"]
    assert Plan.objects.count() == before
    plan = Plan.objects.get(serial="20230403-196")
    assert plan.approved_total == 340000
    # Content the file does not carry is kept.
    assert len(plan.schedule) == 13
    assert len(plan.budget) == 2


# ---------------------------------------------------------------- all or nothing


def assert_refused(response, expected_errors):
    assert response.status_code == 200
    text = response.content.decode()
    assert NOTHING_IMPORTED in text
    errors = errors_of(response)
    for expected in expected_errors:
        assert expected in errors, errors
        assert expected in text
    assert f"檔案有 {len(errors)} 項錯誤，未匯入任何資料。" in messages_of(response)


def test_one_bad_row_imports_nothing_and_names_the_row(editor_client_ready):
    count = School.objects.count()
    rows = [
        school_row("GOOD_001", "好國小"),
        school_row("GOOD_002", "好國中"),
        school_row("BAD_003", "壞學校", email="not-an-email"),
    ]
    response = upload(editor_client_ready, "schools", csv_file(SCHOOL_COLUMNS, rows))
    assert_refused(response, ["第 4 列「聯絡人Email」：請輸入有效的電子郵件地址。"])
    assert School.objects.count() == count
    assert not School.objects.filter(code__in=["GOOD_001", "GOOD_002", "BAD_003"]).exists()


def test_unknown_authority(editor_client_ready):
    rows = [school_row("ORPHAN_001", "孤兒國小", authority="不存在的主管機關")]
    response = upload(editor_client_ready, "schools", csv_file(SCHOOL_COLUMNS, rows))
    assert_refused(
        response,
        ["第 2 列「主管機關」：找不到主管機關「不存在的主管機關」，請先在主管機關管理中建立。"],
    )
    assert not School.objects.filter(code="ORPHAN_001").exists()


def test_duplicate_code_in_the_file(editor_client_ready):
    rows = [school_row("TWIN_001", "雙胞胎一"), school_row("TWIN_001", "雙胞胎二")]
    response = upload(editor_client_ready, "schools", csv_file(SCHOOL_COLUMNS, rows))
    assert_refused(response, ["第 3 列：學校代碼「TWIN_001」與第 2 列重複。"])
    assert not School.objects.filter(code="TWIN_001").exists()


def test_bad_stage_label(editor_client_ready):
    rows = [school_row("STAGE_001", "大學附中", stage="大學")]
    response = upload(editor_client_ready, "schools", csv_file(SCHOOL_COLUMNS, rows))
    errors = errors_of(response)
    assert len(errors) == 1
    assert errors[0].startswith("第 2 列「學習階段與類型」：")
    assert "大學" in errors[0]
    assert "有效的選項" in errors[0]
    assert not School.objects.filter(code="STAGE_001").exists()


def test_bad_school_code_characters(editor_client_ready):
    rows = [school_row("含 空白/斜線", "怪代碼國小")]
    response = upload(editor_client_ready, "schools", csv_file(SCHOOL_COLUMNS, rows))
    assert_refused(
        response, ["第 2 列「學校代碼」：學校代碼只能包含英文字母、數字、底線與連字號。"]
    )


@pytest.mark.parametrize("total", ["三十萬", "337,500元", "12.5", "-100"])
def test_non_numeric_or_negative_approved_total(editor_client_ready, total):
    rows = [plan_row("20240101-009", total=total)]
    response = upload(editor_client_ready, "plans", csv_file(PLAN_COLUMNS, rows))
    errors = errors_of(response)
    assert len(errors) == 1
    assert errors[0].startswith("第 2 列「核定計畫總額」：")
    assert not Plan.objects.filter(serial="20240101-009").exists()


def test_plan_for_an_unknown_school_or_programme(editor_client_ready):
    rows = [plan_row("20240101-010", school_code="NOPE_999"), plan_row("20240101-011", year="150")]
    response = upload(editor_client_ready, "plans", csv_file(PLAN_COLUMNS, rows))
    assert_refused(
        response,
        [
            "第 2 列「學校代碼」：找不到學校代碼「NOPE_999」。",
            "第 3 列：找不到「150學年度 國際交流」計畫類別，請先建立並設定成果報告繳交期限。",
        ],
    )
    assert not Plan.objects.filter(serial__startswith="20240101-01").exists()


def test_bad_review_result_label(editor_client_ready):
    rows = [plan_row("20240101-012", result="大概通過")]
    response = upload(editor_client_ready, "plans", csv_file(PLAN_COLUMNS, rows))
    errors = errors_of(response)
    assert len(errors) == 1
    assert errors[0].startswith("第 2 列「計畫書審查結果」：")


def test_missing_columns_are_named(editor_client_ready):
    header = [column for column in SCHOOL_COLUMNS if column not in ("主管機關", "學校代碼")]
    rows = [["x"] * len(header)]
    response = upload(editor_client_ready, "schools", csv_file(header, rows))
    assert_refused(response, ["缺少欄位：主管機關、學校代碼"])


def test_html_in_a_row_is_escaped_in_the_error_list(editor_client_ready):
    rows = [school_row("XSS_001", "學校", authority="<script>alert(1)</script>")]
    response = upload(editor_client_ready, "schools", csv_file(SCHOOL_COLUMNS, rows))
    text = response.content.decode()
    assert "<script>alert(1)</script>" not in text
    assert "找不到主管機關「&lt;script&gt;alert(1)&lt;/script&gt;」" in text


# ---------------------------------------------------------------- files that cannot be read


def file_error(response):
    assert response.status_code == 200
    return response.context["form"].errors["file"]


def test_a_text_file_is_refused(editor_client_ready):
    file = SimpleUploadedFile("schools.txt", "主管機關,學校名稱\n".encode(), "text/plain")
    count = School.objects.count()
    response = upload(editor_client_ready, "schools", file)
    assert file_error(response) == [WRONG_TYPE]
    assert WRONG_TYPE in response.content.decode()
    assert School.objects.count() == count


def test_a_corrupt_xlsx_is_refused(editor_client_ready):
    file = SimpleUploadedFile("schools.xlsx", b"PK\x03\x04 this is not a workbook" * 10)
    response = upload(editor_client_ready, "schools", file)
    assert file_error(response) == [CORRUPT_XLSX]
    assert CORRUPT_XLSX in response.content.decode()


def test_a_csv_renamed_to_xlsx_is_refused(editor_client_ready):
    file = csv_file(SCHOOL_COLUMNS, [school_row("RENAMED_1", "改名國小")], name="schools.xlsx")
    response = upload(editor_client_ready, "schools", file)
    assert file_error(response) == [CORRUPT_XLSX]


def test_an_empty_file_is_refused(editor_client_ready):
    count = School.objects.count()
    response = upload(editor_client_ready, "schools", SimpleUploadedFile("empty.csv", b""))
    assert file_error(response) == ["送出的檔案是空的。"]
    assert School.objects.count() == count


def test_a_header_only_file_is_refused(editor_client_ready):
    response = upload(editor_client_ready, "schools", csv_file(SCHOOL_COLUMNS, []))
    assert response.status_code == 200
    assert_refused(response, ["檔案中沒有資料列。"])


def test_an_undecodable_csv_is_refused(editor_client_ready):
    file = SimpleUploadedFile("binary.csv", bytes(range(128, 256)) * 20)
    response = upload(editor_client_ready, "schools", file)
    assert file_error(response) == ["無法辨識檔案的文字編碼，請另存為 UTF-8 的 CSV。"]


def test_a_file_over_5_mb_is_refused(editor_client_ready):
    file = SimpleUploadedFile("big.csv", b"a," * (3 * 1024 * 1024))
    response = upload(editor_client_ready, "schools", file)
    assert file_error(response) == ["檔案超過 5 MB，請分批匯入。"]


def test_no_file_and_no_kind(editor_client_ready):
    response = editor_client_ready.post(URL, {})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"kind", "file"}


def test_an_unknown_kind_is_refused(editor_client_ready):
    file = csv_file(SCHOOL_COLUMNS, [school_row("KIND_001", "類別國小")])
    response = upload(editor_client_ready, "users", file)
    assert response.status_code == 200
    assert "kind" in response.context["form"].errors
    assert not School.objects.filter(code="KIND_001").exists()


# ---------------------------------------------------------------- who may import


def test_anonymous_is_sent_to_the_admin_login(client, db):
    file = csv_file(SCHOOL_COLUMNS, [school_row("ANON_001", "匿名國小")])
    response = client.post(URL, {"kind": "schools", "file": file})
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")
    assert not School.objects.filter(code="ANON_001").exists()
    assert client.get(f"{URL}template/schools.csv").status_code == 302


def test_a_school_account_cannot_reach_the_import(demo_school_client):
    file = csv_file(SCHOOL_COLUMNS, [school_row("SCHOOL_IMPORT", "偷渡國小")])
    response = demo_school_client.post(URL, {"kind": "schools", "file": file})
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert not response.url.startswith(URL)
    assert not School.objects.filter(code="SCHOOL_IMPORT").exists()
    assert demo_school_client.get(URL).status_code in (302, 403)
    template = demo_school_client.get(f"{URL}template/schools.csv")
    assert template.status_code in (302, 403)
    assert b"\xef\xbb\xbf" not in body(template)


def test_an_authority_account_cannot_reach_the_import(authority_client):
    assert authority_client.get(URL).status_code in (302, 403)


def assert_denied_in_admin(response):
    """Wagtail answers PermissionDenied inside the admin with a redirect to the dashboard."""
    assert response.status_code == 302
    assert response.url == "/admin/"


def test_an_admin_user_without_model_rights_is_refused(client, db):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    staff = UserFactory()
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff)
    assert_denied_in_admin(client.get(URL))
    file = csv_file(SCHOOL_COLUMNS, [school_row("STAFF_001", "職員國小")])
    assert_denied_in_admin(client.post(URL, {"kind": "schools", "file": file}))
    assert not School.objects.filter(code="STAFF_001").exists()
    template = client.get(f"{URL}template/schools.csv")
    assert_denied_in_admin(template)
    assert b"\xef\xbb\xbf" not in body(template)


# ---------------------------------------------------------------- templates


@pytest.mark.parametrize(
    ("kind", "columns"), [("schools", SCHOOL_COLUMNS), ("plans", PLAN_COLUMNS)]
)
def test_the_template_csv_has_the_bom_and_the_header(editor_client_ready, kind, columns):
    response = editor_client_ready.get(f"{URL}template/{kind}.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="import-{kind}.csv"'
    content = body(response)
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text))) == columns


def test_a_filled_in_template_imports(editor_client_ready):
    template = body(editor_client_ready.get(f"{URL}template/schools.csv"))
    filled = template + ",".join(school_row("TEMPLATE_1", "範本國小")).encode() + b"\r\n"
    response = upload(editor_client_ready, "schools", SimpleUploadedFile("t.csv", filled))
    assert response.status_code == 302
    assert School.objects.filter(code="TEMPLATE_1").exists()


def test_an_unknown_template_kind_is_refused(editor_client_ready):
    assert_denied_in_admin(editor_client_ready.get(f"{URL}template/users.csv"))
