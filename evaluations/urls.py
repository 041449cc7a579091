from django.urls import path

from . import views

app_name = "evaluations"

urlpatterns = [
    path("questionnaire/<str:token>/", views.answer, name="answer"),
    path("questionnaire/<str:token>/merci/", views.thanks, name="thanks"),
    path("questionnaire/<str:token>/desinscription/", views.opt_out, name="opt_out"),
]
