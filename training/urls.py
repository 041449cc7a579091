from django.urls import path

from .views import learner, public

app_name = "training"

urlpatterns = [
    path("catalogue/lheo.xml", public.lheo_xml, name="lheo"),
    path("inscription/<int:session_id>/", learner.register, name="register"),
    path("espace/", learner.space, name="space"),
    path("espace/profil/", learner.profile, name="profile"),
    path("espace/inscriptions/<int:registration_id>/annuler/", learner.cancel, name="cancel"),
    path("espace/inscriptions/<int:registration_id>/accepter/", learner.accept_offer, name="accept-offer"),
    path("espace/inscriptions/<int:registration_id>/calendrier.ics", learner.calendar, name="calendar"),
]
