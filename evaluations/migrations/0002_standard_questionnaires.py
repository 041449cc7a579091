"""The standard questionnaires, in use from the start; the coordination edits them as data.

The keys of the end-of-training (`a_chaud`) and six-month (`a_froid_6_mois`) questionnaires are
those of the historical workbook and of the published indicators: they must not change.
"""

from django.db import migrations

S, YN, ONE, MANY, SCORE, TEXT = "scale", "yes_no", "single", "multiple", "score", "text"

STANDARD = [
    {
        "slug": "a_chaud",
        "kind": "hot",
        "title": "Questionnaire de fin de formation",
        "introduction": "Vos réponses nous aident à améliorer nos formations. Comptez trois minutes.",
        "questions": [
            ("attentes", "La formation a-t-elle répondu à vos attentes ?", S, True, "expectations", ""),
            ("objectifs", "Les objectifs annoncés ont-ils été atteints ?", S, True, "objectives", ""),
            ("animation", "L'animation et les méthodes vous ont-elles permis d'apprendre ?", S, False, "", ""),
            ("organisation", "L'organisation (accueil, lieu, horaires) vous a-t-elle convenu ?", S, False, "", ""),
            ("recommandation", "Recommanderiez-vous cette formation à un collègue ?", SCORE, False, "recommend", ""),
            ("commentaire", "Commentaire libre", TEXT, False, "comment", ""),
        ],
    },
    {
        "slug": "a_froid_6_mois",
        "kind": "cold",
        "title": "Questionnaire six mois après la formation",
        "introduction": "Six mois ont passé : nous aimerions savoir ce que la formation a changé dans votre pratique.",
        "questions": [
            ("besoins", "Avec le recul, la formation a-t-elle répondu à vos besoins ?", YN, True, "needs_met", ""),
            (
                "mise_en_pratique",
                "Avez-vous pu mettre en pratique les acquis de la formation ?",
                YN,
                True,
                "practice",
                "",
            ),
            (
                "freins",
                "Qu'est-ce qui a limité la mise en pratique ?",
                MANY,
                False,
                "",
                "Manque de temps\nManque de moyens\nPas d'occasion dans mon poste\n"
                "Besoin d'approfondir\nChangement de poste\nAutre",
            ),
            ("commentaire", "Commentaire libre", TEXT, False, "comment", ""),
        ],
    },
    {
        "slug": "positionnement",
        "kind": "positioning",
        "title": "Positionnement avant la formation",
        "introduction": "Quelques questions avant le premier jour, pour que les formateurs adaptent la formation.",
        "questions": [
            ("niveau", "Comment évaluez-vous aujourd'hui vos connaissances sur le thème ?", S, True, "positioning", ""),
            ("deja_forme", "Avez-vous déjà suivi une formation sur ce thème ?", YN, True, "", ""),
            ("attentes_formation", "Qu'attendez-vous de cette formation ?", TEXT, False, "", ""),
        ],
    },
    {
        "slug": "rapport_formateur",
        "kind": "trainer",
        "title": "Rapport du formateur",
        "introduction": "Votre regard sur la session : il alimente notre amélioration continue.",
        "questions": [
            (
                "groupe",
                "Le niveau du groupe correspondait-il aux prérequis annoncés ?",
                S,
                True,
                "group_fit",
                "",
            ),
            ("deroulement", "La session s'est-elle déroulée comme prévu ?", S, True, "", ""),
            ("incidents", "Incidents ou difficultés rencontrés", TEXT, False, "comment", ""),
            ("ameliorations", "Pistes d'amélioration", TEXT, False, "comment", ""),
        ],
    },
    {
        "slug": "structure_cliente",
        "kind": "client",
        "title": "Questionnaire de la structure cliente",
        "introduction": "Votre avis sur la formation organisée pour votre structure.",
        "questions": [
            ("adequation", "La formation a-t-elle répondu au besoin de votre structure ?", S, True, "client_fit", ""),
            ("organisation", "L'organisation et nos échanges vous ont-ils convenu ?", S, True, "", ""),
            ("commentaire", "Commentaire libre", TEXT, False, "comment", ""),
        ],
    },
    {
        "slug": "financeur",
        "kind": "funder",
        "title": "Questionnaire annuel des financeurs",
        "introduction": "Votre regard sur le programme de formation de l'année.",
        "questions": [
            ("partenariat", "Êtes-vous satisfait du partenariat cette année ?", S, True, "", ""),
            ("commentaire", "Commentaire libre", TEXT, False, "comment", ""),
        ],
    },
]


def create(apps, schema_editor):
    Questionnaire = apps.get_model("evaluations", "Questionnaire")
    Question = apps.get_model("evaluations", "Question")
    for spec in STANDARD:
        questionnaire, created = Questionnaire.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "kind": spec["kind"],
                "title": spec["title"],
                "introduction": spec["introduction"],
                "is_active": True,
            },
        )
        if not created:
            continue
        for position, (key, text, kind, required, indicator, options) in enumerate(spec["questions"]):
            Question.objects.create(
                questionnaire=questionnaire,
                sort_order=position,
                key=key,
                text=text,
                type=kind,
                required=required,
                indicator=indicator,
                options=options,
            )


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
