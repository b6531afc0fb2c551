"""Project-level error views."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

SESSION_PATHS = ("/service/", "/login/")


def csrf_failure(request, reason=""):
    """A form sent after the session expired (or after logging in in another tab).

    The typed content is still in the browser's draft; send the user to log in again and back
    to the page, instead of Django's technical 403.
    """
    if request.path.startswith(SESSION_PATHS):
        messages.warning(
            request, "登入已逾時或已在其他視窗重新登入，請重新登入；未存檔的內容保留在此瀏覽器中。"
        )
        return redirect_to_login(request.path if request.path != "/login/" else "/service/")
    return render(request, "403_csrf.html", status=403)
