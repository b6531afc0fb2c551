"""The figures of tab 3-2 and the report's completeness, computed as the manual states them."""

from decimal import Decimal

import pytest

from intl_reports.budget import execution_rate, totals
from intl_reports.models import OutcomeReport, Tab
from intl_reports.reporting import budget_figures, recompute, tab_complete
from tests import report_helpers
from tests.factories import PlanFactory

own_plan = report_helpers.own_plan
own_report = report_helpers.own_report

WORKED_EXAMPLE = [
    {"item": "其他", "approved": 217500, "spent": 200000},
    {"item": "其他", "approved": 120000, "spent": 120000},
]


# ------------------------------------------------------------------ execution_rate


def test_the_manuals_worked_example_row_rates():
    assert execution_rate(200000, 217500) == Decimal("91.95")
    assert execution_rate(120000, 120000) == Decimal("100.00")


def test_the_manuals_worked_example_overall_rate():
    figures = budget_figures(337500, WORKED_EXAMPLE)
    assert figures == {
        "approved_sum": 337500,
        "spent_sum": 320000,
        "execution_rate": Decimal("94.81"),
    }


def test_rates_always_have_two_decimals():
    assert str(execution_rate(120000, 120000)) == "100.00"
    assert str(execution_rate(1, 2)) == "50.00"
    assert str(execution_rate(0, 5)) == "0.00"


@pytest.mark.parametrize("base", [0, None])
def test_a_zero_approved_amount_gives_no_rate_and_no_error(base):
    assert execution_rate(100, base) is None
    assert execution_rate(0, base) is None


def test_a_row_with_zero_approved_shows_no_rate_while_the_overall_rate_stands():
    lines = [*WORKED_EXAMPLE, {"item": "其他", "approved": 0, "spent": 0}]
    assert execution_rate(0, 0) is None
    assert budget_figures(337500, lines)["execution_rate"] == Decimal("94.81")


def test_no_plan_total_means_no_overall_rate():
    assert budget_figures(0, WORKED_EXAMPLE)["execution_rate"] is None


@pytest.mark.parametrize(
    ("spent", "base", "expected"),
    [
        (1, 800, "0.13"),  # exactly 0.125 → half-up to 0.13 (banker's rounding would give 0.12)
        (3, 800, "0.38"),  # exactly 0.375 → 0.38
        (5, 800, "0.63"),  # exactly 0.625 → 0.63 (banker's: 0.62)
        (1, 8, "12.50"),  # exactly 12.5
        (2001, 16000, "12.51"),  # exactly 12.50625 → 12.51
        (9, 3200, "0.28"),  # exactly 0.28125 → 0.28 (below the half)
        (1, 3, "33.33"),  # 33.333… → 33.33
        (2, 3, "66.67"),  # 66.666… → 66.67
        (200000, 217500, "91.95"),  # 91.954… → 91.95
        (320000, 337500, "94.81"),  # 94.814… → 94.81
    ],
)
def test_rounding_is_half_up_at_the_third_decimal(spent, base, expected):
    assert execution_rate(spent, base) == Decimal(expected)
    assert str(execution_rate(spent, base)) == expected


def test_rounding_half_up_does_not_go_through_binary_floats():
    # 1.005 as a float is 1.00499999…; computed exactly it must round up.
    assert execution_rate(201, 20000) == Decimal("1.01")  # exactly 1.005
    assert execution_rate(2001, 200000) == Decimal("1.00")  # exactly 1.0005


def test_overspending_gives_a_rate_above_100():
    assert execution_rate(110, 100) == Decimal("110.00")


def test_a_huge_amount_is_exact():
    assert execution_rate(10_000_000_000, 10_000_000_000) == Decimal("100.00")
    assert execution_rate(9_999_999_999, 10_000_000_000) == Decimal("100.00")
    assert execution_rate(9_999_499_999, 10_000_000_000) == Decimal("99.99")


def test_totals_treat_missing_spent_as_zero():
    lines = [{"approved": 100, "spent": None}, {"approved": 50}, {"approved": None, "spent": 7}]
    assert totals(lines) == (150, 7)


# ------------------------------------------------------------------ recompute and completeness

pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_a_brought_in_report_has_its_figures_computed(own_report):
    assert own_report.approved_total == 337500
    assert own_report.approved_sum == 337500
    assert own_report.spent_sum == 0
    assert own_report.execution_rate == Decimal("0.00")
    assert own_report.countries == "菲律賓"
    assert own_report.exchange_types == "outbound"


@pytestmark_db
def test_recompute_gives_the_worked_example(own_report):
    own_report.budget_lines = [
        {"type": "budget_line", "value": {**line, "secondary_use": "", "notes": ""}}
        for line in WORKED_EXAMPLE
    ]
    recompute(own_report)
    assert (own_report.approved_sum, own_report.spent_sum) == (337500, 320000)
    assert own_report.execution_rate == Decimal("94.81")
    assert own_report.tab_status[Tab.BUDGET] is True


@pytestmark_db
def test_budget_tab_is_incomplete_when_the_sums_differ_or_spent_is_missing(own_report):
    own_report.budget_lines = [
        {
            "type": "budget_line",
            "value": {"item": "其他", "approved": 337499, "spent": 1, "notes": ""},
        }
    ]
    recompute(own_report)
    assert own_report.tab_status[Tab.BUDGET] is False
    own_report.budget_lines = [
        {"type": "budget_line", "value": {"item": "其他", "approved": 337500, "spent": None}}
    ]
    recompute(own_report)
    assert own_report.tab_status[Tab.BUDGET] is False


@pytestmark_db
def test_completeness_is_the_share_of_complete_tabs(own_report):
    status = tab_complete(own_report)
    assert set(status) == set(Tab)
    assert own_report.completeness == round(100 * sum(status.values()) / 7)
    # The factory's school has every basic field and the plan has partners: 2 of 7 tabs.
    assert status[Tab.SCHOOL] and status[Tab.PLAN]
    assert not status[Tab.WORK] and not status[Tab.RESULTS]
    assert own_report.completeness == 29


@pytestmark_db
def test_the_demo_report_is_complete(demo_data):
    report = OutcomeReport.objects.get(plan__serial="20230403-196")
    assert report.execution_rate == Decimal("94.81")
    assert report.completeness == 100
    assert all(report.tab_status.values())
    assert report.photo_count == 4


@pytestmark_db
def test_an_empty_plan_brings_in_an_empty_report_without_errors(school):
    plan = PlanFactory(
        school=school, approved_total=0, exchanges=[], partners=[], schedule=[], budget=[]
    )
    report = OutcomeReport.for_plan(plan)
    assert report.execution_rate is None
    assert report.approved_sum == 0
    assert report.tab_status[Tab.BUDGET] is False
