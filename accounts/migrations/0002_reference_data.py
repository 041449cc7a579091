from django.db import migrations

DEPARTMENTS = [
    ("09", "Ariège"),
    ("11", "Aude"),
    ("12", "Aveyron"),
    ("30", "Gard"),
    ("31", "Haute-Garonne"),
    ("32", "Gers"),
    ("34", "Hérault"),
    ("46", "Lot"),
    ("48", "Lozère"),
    ("65", "Hautes-Pyrénées"),
    ("66", "Pyrénées-Orientales"),
    ("81", "Tarn"),
    ("82", "Tarn-et-Garonne"),
]

# Kinds of structures the association works with (its 2025 activity report counts them this way).
STRUCTURE_TYPES = [
    "Association (hors établissement)",
    "État, collectivité territoriale",
    "MSP, CPTS, maison de santé",
    "Structure médico-sociale",
    "Éducation nationale",
    "Profession libérale",
    "Établissement de santé",
    "Organisme social, mutuelle",
    "Entreprise",
    "Organisme de formation",
    "Autre",
]

ACTIVITY_SECTORS = [
    "Sanitaire",
    "Médico-social",
    "Social",
    "Éducation",
    "Petite enfance",
    "Jeunesse, animation",
    "Insertion, emploi",
    "Justice",
    "Collectivité territoriale",
    "Environnement",
    "Entreprise",
    "Autre",
]

PROFESSIONAL_CATEGORIES = [
    "Cadre, profession intellectuelle supérieure",
    "Profession intermédiaire",
    "Employé",
    "Ouvrier",
    "Artisan, commerçant, chef d'entreprise",
    "Agriculteur exploitant",
    "Profession libérale",
    "Étudiant",
    "Bénévole",
    "Sans activité professionnelle",
]


def load(apps, schema_editor):
    Department = apps.get_model("accounts", "Department")
    for code, name in DEPARTMENTS:
        Department.objects.update_or_create(code=code, defaults={"name": name})
    for model_name, labels in (
        ("StructureType", STRUCTURE_TYPES),
        ("ActivitySector", ACTIVITY_SECTORS),
        ("ProfessionalCategory", PROFESSIONAL_CATEGORIES),
    ):
        model = apps.get_model("accounts", model_name)
        for position, label in enumerate(labels, start=1):
            model.objects.get_or_create(label=label, defaults={"position": position})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
