from django.urls import path

from . import views

app_name = "cms"

urlpatterns = [
    path("formations/<slug:slug>/programme.pdf", views.programme_pdf, name="programme-pdf"),
]
