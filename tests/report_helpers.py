"""Helpers for the tests of the report workspace (issue 3).

- `parse_tab_form(html)` reads the <form id="tab-form"> the way a browser would post it.
- `tab_data(client, plan, tab)` = GET the tab and parse its form.
- `snapshot(report)` / `assert_only_tab_changed(...)`: the columns every tab owns, to prove a
  save of one tab never touches another.
- Image builders (JPEG with EXIF, PNG with alpha, HEIC, bombs, fakes) for the upload tests.
- Fixtures: a school's report (`own_plan`, `own_report`) and the demo report (`demo_plan`,
  `demo_report`). Import the ones a module uses.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from intl_reports.models import OutcomeReport, Plan, Tab
from intl_reports.reporting import COMPUTED_FIELDS, TAB_FIELDS
from tests.factories import PlanFactory, PortalImageFactory

TABS = [tab.value for tab in Tab]
ERROR_SUMMARY = "資料有誤，尚未存檔"
SCRIPT = "<script>alert(1)</script>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
DEMO_SERIAL = "20230403-196"
DEMO_TITLE = "112學年度國際教育精進計畫 - 國際交流計畫實施成果報告"


# ------------------------------------------------------------------ URLs


def tab_url(plan, tab: str) -> str:
    return f"/service/reports/{plan.pk}/{tab}/"


def upload_url(plan) -> str:
    return f"/service/reports/{plan.pk}/photos/"


def signoff_url(plan, role: str) -> str:
    return f"/service/reports/{plan.pk}/signoff/{role}/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ------------------------------------------------------------------ the form, as a browser posts it


class TabFormParser(HTMLParser):
    """Collects the successful controls of <form id="tab-form">.

    Skips everything inside <template> (the row template) and the `__prefix__` names; unchecked
    checkboxes and radios are not sent; a <select> sends its selected option (or the first one).
    """

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pairs: list[tuple[str, str]] = []
        self.in_form = False
        self.form_depth = 0
        self.template_depth = 0
        self.fieldset_disabled = False
        self.textarea: list | None = None
        self.select: dict | None = None
        self.option: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            if attributes.get("id") == "tab-form":
                self.in_form = True
            if self.in_form:
                self.form_depth += 1
            return
        if not self.in_form:
            return
        if tag == "template":
            self.template_depth += 1
            return
        if self.template_depth:
            return
        if tag == "fieldset" and "tab-fields" in (attributes.get("class") or ""):
            self.fieldset_disabled = "disabled" in attributes
        name = attributes.get("name")
        if tag == "input":
            kind = (attributes.get("type") or "text").lower()
            if not name or kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    self.add(name, attributes.get("value") or "on")
                return
            self.add(name, attributes.get("value") or "")
        elif tag == "textarea" and name:
            self.textarea = [name, ""]
        elif tag == "select" and name:
            self.select = {"name": name, "multiple": "multiple" in attributes, "options": []}
        elif tag == "option" and self.select is not None:
            self.option = {
                "value": attributes.get("value"),
                "selected": "selected" in attributes,
                "text": "",
            }
            self.select["options"].append(self.option)

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.form_depth -= 1
            if self.form_depth == 0:
                self.in_form = False
            return
        if not self.in_form:
            return
        if tag == "template":
            self.template_depth -= 1
            return
        if self.template_depth:
            return
        if tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            # A newline right after <textarea> is not part of the value (HTML spec).
            if text.startswith("\r\n"):
                text = text[2:]
            elif text.startswith("\n"):
                text = text[1:]
            self.add(name, text)
            self.textarea = None
        elif tag == "option":
            self.option = None
        elif tag == "select" and self.select is not None:
            options = self.select["options"]
            chosen = [o for o in options if o["selected"]]
            if not chosen and options and not self.select["multiple"]:
                chosen = [options[0]]
            for option in chosen:
                value = option["value"] if option["value"] is not None else option["text"]
                self.add(self.select["name"], value)
            self.select = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data
        elif self.option is not None:
            self.option["text"] += data

    def add(self, name, value):
        if "__prefix__" in name:
            return
        self.pairs.append((name, value))


class FormData(dict):
    """name -> value (str), or a list of values for names sent more than once."""

    disabled = False

    def rows(self, prefix: str) -> list[dict[str, str]]:
        """The rows of a formset, by index, as {field: value}."""
        pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)-(.+)$")
        found: dict[int, dict[str, str]] = {}
        for name, value in self.items():
            match = pattern.match(name)
            if match:
                found.setdefault(int(match.group(1)), {})[match.group(2)] = value
        return [found[index] for index in sorted(found)]

    def total(self, prefix: str) -> int:
        return int(self[f"{prefix}-TOTAL_FORMS"])

    def add_row(self, prefix: str, values: dict[str, str], index: int | None = None) -> int:
        """Add a row the way the page's 新增 button does (next index, TOTAL_FORMS + 1)."""
        index = self.total(prefix) if index is None else index
        for field, value in values.items():
            self[f"{prefix}-{index}-{field}"] = value
        self[f"{prefix}-TOTAL_FORMS"] = str(max(self.total(prefix), index + 1))
        return index

    def delete_row(self, prefix: str, index: int) -> None:
        """Remove a row the way the page's 刪除 button does: its fields vanish, leaving a gap."""
        start = f"{prefix}-{index}-"
        for name in [name for name in self if name.startswith(start)]:
            del self[name]

    def text_fields(self) -> list[str]:
        return [name for name in self if not name.endswith(_NON_TEXT_SUFFIXES)]


_NON_TEXT_SUFFIXES = (
    "TOTAL_FORMS",
    "INITIAL_FORMS",
    "MIN_NUM_FORMS",
    "MAX_NUM_FORMS",
    "-id",
    "-image",
    "version",
    "csrfmiddlewaretoken",
)


def parse_tab_form(html: str) -> FormData:
    parser = TabFormParser()
    parser.feed(html)
    parser.close()
    data = FormData()
    for name, value in parser.pairs:
        if name in data:
            current = data[name]
            data[name] = [*current, value] if isinstance(current, list) else [current, value]
        else:
            data[name] = value
    data.disabled = parser.fieldset_disabled
    return data


def tab_data(client, plan, tab: str) -> FormData:
    response = client.get(tab_url(plan, tab))
    assert response.status_code == 200, response.status_code
    return parse_tab_form(response.content.decode())


def post_tab(client, plan, tab: str, data):
    return client.post(tab_url(plan, tab), data)


def html_of(response) -> str:
    return response.content.decode()


# ------------------------------------------------------------------ what each tab owns


def _plain(value):
    raw = getattr(value, "raw_data", None)
    if raw is not None:
        return json.loads(json.dumps(list(raw), sort_keys=True, default=str))
    return value


def snapshot(report_or_pk) -> dict[str, dict]:
    """tab -> {column: value} of the columns each tab owns, read fresh from the database."""
    pk = getattr(report_or_pk, "pk", report_or_pk)
    report = OutcomeReport.objects.get(pk=pk)
    return {
        tab: {name: _plain(getattr(report, name)) for name in fields}
        for tab, fields in TAB_FIELDS.items()
    }


def full_state(report_or_pk) -> dict:
    """Every column a save may write, to prove that nothing at all was saved."""
    pk = getattr(report_or_pk, "pk", report_or_pk)
    report = OutcomeReport.objects.get(pk=pk)
    state = {f"{tab}.{k}": v for tab, cols in snapshot(report).items() for k, v in cols.items()}
    for name in [*COMPUTED_FIELDS, "tab_versions", "row_version", "last_saved_at"]:
        state[name] = _plain(getattr(report, name))
    state["revisions"] = report.revisions.count()
    return state


def assert_other_tabs_unchanged(before: dict, after: dict, tab: str) -> None:
    for other, columns in before.items():
        if other != tab:
            assert after[other] == columns, f"saving {tab} changed tab {other}"


# ------------------------------------------------------------------ media


def media_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def read_response(response) -> bytes:
    """The body of a (streaming) response. The test client closes a streamed response once it
    is read; closing it again would fire request_finished and close the database connection
    (inside the test's transaction on PostgreSQL)."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


# ------------------------------------------------------------------ image builders


def image_bytes(fmt="JPEG", size=(60, 40), mode="RGB", color=(200, 30, 30), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def jpeg_with_gps_and_orientation(size=(60, 40)) -> bytes:
    """A JPEG whose EXIF holds a GPS position and orientation 6 (rotate 90° clockwise)."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (25.0, 2.0, 30.0)
    gps[3] = "E"
    gps[4] = (121.0, 33.0, 10.0)
    image = Image.new("RGB", size, (10, 120, 200))
    image.paste((250, 250, 0), (0, 0, size[0] // 2, size[1] // 2))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def heic_bytes(size=(64, 48)) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 160, 90)).save(buffer, format="HEIF")
    return buffer.getvalue()


def animated_gif_bytes(size=(40, 30)) -> bytes:
    frames = [Image.new("P", size, index * 40) for index in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    return buffer.getvalue()


def png_16bit_bytes(size=(50, 40)) -> bytes:
    image = Image.new("I;16", size)
    image.putdata([(x * 1000) % 65535 for x in range(size[0] * size[1])])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bomb_png(width=20000, height=20000) -> bytes:
    """A valid 1-bit greyscale PNG of width×height pixels, tiny on disk (all zero)."""
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    chunks = [compressor.compress(row) for _ in range(height)]
    chunks.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(chunks))
        + _png_chunk(b"IEND", b"")
    )


def upload_file(name: str, content: bytes, content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


# ------------------------------------------------------------------ fixtures


@pytest.fixture
def own_plan(school):
    """A passed plan of `school` (北熊高級中學), whose report is not opened yet."""
    return PlanFactory(school=school, title="北熊出訪計畫", serial="P-OWN-1")


@pytest.fixture
def own_report(own_plan):
    return OutcomeReport.for_plan(own_plan)


@pytest.fixture
def demo_plan(demo_data):
    return Plan.objects.select_related("school__authority", "programme").get(serial=DEMO_SERIAL)


@pytest.fixture
def demo_report(demo_plan):
    return OutcomeReport.objects.get(plan=demo_plan)


@pytest.fixture
def filled_report(own_report):
    """The school's report with 4 photos (of its own) and an assessment with an image."""
    from intl_reports.reporting import recompute

    school = own_report.plan.school
    images = [PortalImageFactory(school=school, title=f"活動照片{i}") for i in range(5)]
    own_report.photos = [
        {"type": "photo", "value": {"image": image.pk, "caption": f"照片說明{i}"}}
        for i, image in enumerate(images[:4])
    ]
    own_report.assessments = [
        {"type": "assessment", "value": {"text": "前後測平均提升", "image": images[4].pk}},
        {"type": "assessment", "value": {"text": "質性分析", "image": None}},
    ]
    own_report.features = "與姊妹校共同發表永續行動方案"
    recompute(own_report)
    own_report.save()
    return OutcomeReport.objects.get(pk=own_report.pk)


@pytest.fixture
def filled_plan(filled_report):
    return filled_report.plan
