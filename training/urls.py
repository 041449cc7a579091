from django.urls import path

from .views import public

app_name = "training"

urlpatterns = [
    path("catalogue/lheo.xml", public.lheo_xml, name="lheo"),
]
