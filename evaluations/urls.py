from django.urls import path

from . import views, views_public

app_name = "evaluations"

urlpatterns = [
    path("questionnaire/<str:token>/", views.answer, name="answer"),
    path("questionnaire/<str:token>/merci/", views.thanks, name="thanks"),
    path("questionnaire/<str:token>/desinscription/", views.opt_out, name="opt_out"),
    path("reclamation/", views_public.complaint_form, name="complaint"),
    path("reclamation/merci/", views_public.complaint_thanks, name="complaint_thanks"),
]
