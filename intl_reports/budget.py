"""The figures of tab 3-2 (經費執行情形), computed the way the manual states them."""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

TWO_PLACES = Decimal("0.01")


def execution_rate(spent: int | None, base: int | None) -> Decimal | None:
    """spent / base × 100, two decimals, rounded half-up; None when there is no base."""
    if not base:
        return None
    rate = Decimal(spent or 0) * 100 / Decimal(base)
    return rate.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def totals(lines: Iterable[dict]) -> tuple[int, int]:
    """(Σ核定金額, Σ實支金額) of budget lines given as dicts with `approved` and `spent`."""
    approved = spent = 0
    for line in lines:
        approved += int(line.get("approved") or 0)
        spent += int(line.get("spent") or 0)
    return approved, spent
