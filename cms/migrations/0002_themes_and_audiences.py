from django.db import migrations

THEMES = [
    ("Compétences psychosociales", "competences-psychosociales"),
    ("Santé mentale", "sante-mentale"),
    ("Addictions", "addictions"),
    ("Santé sexuelle", "sante-sexuelle"),
    ("Santé environnement", "sante-environnement"),
    ("Vaccination", "vaccination"),
    ("Nutrition et activité physique", "nutrition-activite-physique"),
    ("Inégalités sociales de santé", "inegalites-sociales-de-sante"),
    ("Méthodologie de projet", "methodologie-de-projet"),
    ("Violences", "violences"),
    ("Petite enfance et parentalité", "petite-enfance-parentalite"),
    ("Écrans et numérique", "ecrans-numerique"),
]

AUDIENCES = [
    ("Tout public", "tout-public"),
    ("Professionnels de l'enfance et de la jeunesse", "enfance-jeunesse"),
    ("Professionnels du social et du médico-social", "social-medico-social"),
    ("Professionnels de santé", "sante"),
    ("Personnels de l'Éducation nationale", "education-nationale"),
    ("Élus et agents des collectivités", "collectivites"),
    ("Bénévoles associatifs", "benevoles"),
]


def load(apps, schema_editor):
    for model_name, rows in (("Theme", THEMES), ("Audience", AUDIENCES)):
        model = apps.get_model("cms", model_name)
        for position, (name, slug) in enumerate(rows, start=1):
            model.objects.get_or_create(slug=slug, defaults={"name": name, "position": position})


class Migration(migrations.Migration):
    dependencies = [("cms", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
