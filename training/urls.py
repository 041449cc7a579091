from django.urls import path

from .views import documents, learner, public, signing, trainer

app_name = "training"

urlpatterns = [
    path("catalogue/lheo.xml", public.lheo_xml, name="lheo"),
    path("inscription/<int:session_id>/", learner.register, name="register"),
    path("espace/", learner.space, name="space"),
    path("espace/profil/", learner.profile, name="profile"),
    path("espace/mes-donnees.xlsx", learner.personal_data, name="personal-data"),
    path("espace/supprimer-mes-donnees/", learner.erasure, name="erasure"),
    path("espace/inscriptions/<int:registration_id>/annuler/", learner.cancel, name="cancel"),
    path("espace/inscriptions/<int:registration_id>/accepter/", learner.accept_offer, name="accept-offer"),
    path("espace/inscriptions/<int:registration_id>/calendrier.ics", learner.calendar, name="calendar"),
    path("espace/documents/<int:document_id>/", documents.download, name="document"),
    # Anyone holding a document checks it
    path("verification/", documents.verification_form, name="verification-form"),
    path("verification/<str:code>/", documents.verification, name="verification"),
    # Trainer space
    path("formateur/", trainer.home, name="trainer-home"),
    path("formateur/sessions/<int:session_id>/", trainer.session_detail, name="trainer-session"),
    path(
        "formateur/sessions/<int:session_id>/feuille-emargement.pdf",
        trainer.session_paper_pdf,
        name="trainer-session-paper-pdf",
    ),
    path(
        "formateur/sessions/<int:session_id>/emargement-signe.pdf",
        trainer.session_signed_pdf,
        name="trainer-session-signed-pdf",
    ),
    path("formateur/demi-journees/<int:slot_id>/", trainer.slot_detail, name="trainer-slot"),
    path("formateur/demi-journees/<int:slot_id>/qr/", trainer.slot_qr, name="trainer-slot-qr"),
    path("formateur/demi-journees/<int:slot_id>/valider/", trainer.slot_lock, name="trainer-slot-lock"),
    path(
        "formateur/demi-journees/<int:slot_id>/signer/<int:registration_id>/",
        trainer.sign,
        name="trainer-sign",
    ),
    path(
        "formateur/demi-journees/<int:slot_id>/feuille-emargement.pdf",
        trainer.slot_paper_pdf,
        name="trainer-slot-paper-pdf",
    ),
    # Trainees signing on their own phone
    path("emargement/lien/<str:token>/", signing.sign_link, name="sign-link"),
    path("emargement/<int:slot_id>/signer/", signing.sign_self, name="sign-self"),
    path("emargement/<int:slot_id>/<str:code>/", signing.scan, name="scan"),
]
