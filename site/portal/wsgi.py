import os
import sys
from pathlib import Path

# The project package lives in the plain folder `site/` (see manage.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")
application = get_wsgi_application()
