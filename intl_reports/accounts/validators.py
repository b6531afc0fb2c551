import re

from django.core.exceptions import ValidationError


class MixedCharacterClassesValidator:
    """A strong password mixes letters and digits (Django's validators check length and lists)."""

    def validate(self, password, user=None):
        if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
            raise ValidationError("密碼必須同時包含英文字母與數字。", code="password_no_mix")

    def get_help_text(self):
        return "密碼必須同時包含英文字母與數字。"
