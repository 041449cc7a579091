import os

from django.core.wsgi import get_wsgi_application

from config.proxy import ClientAddressFromProxy

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = ClientAddressFromProxy(get_wsgi_application())
