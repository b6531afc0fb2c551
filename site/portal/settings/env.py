"""Reading configuration from the environment, loudly when something required is missing."""

import os

from django.core.exceptions import ImproperlyConfigured


def env(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(name)
    if value in (None, ""):
        if required:
            raise ImproperlyConfigured(
                f"The environment variable {name} is required by these settings but is not set."
            )
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = env(name)
    return default if value is None else int(value)
