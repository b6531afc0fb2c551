from django.conf import settings
from django.utils import translation


class CookieLocaleMiddleware:
    """Activate the language chosen with the language switch, else zh-Hant.

    Django's LocaleMiddleware would follow the browser's Accept-Language; a Taiwan government
    site shows Traditional Chinese by default whatever the browser says.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
