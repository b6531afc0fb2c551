"""The baseline of bench/rush.py: a minimal logged-in view that writes one row.

It goes through the same nginx, gunicorn and middleware (session, CSRF, authentication) as a
tab save, so the ratio of the two measures the cost of the save itself. It is mounted only
when the BENCH_BASELINE_VIEW setting is true, which nothing sets but the benchmark's topology.
"""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

# Created and dropped by bench/rush.py around its run; no model, no migration.
BASELINE_TABLE = "bench_baseline_write"


@require_POST
@login_required
def write_one_row(request):
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {BASELINE_TABLE} (user_id, written_at) VALUES (%s, %s)",
            [request.user.pk, timezone.now()],
        )
    return HttpResponse(status=204)
