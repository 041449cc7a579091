"""A generated historical workbook (`spec/historical-workbook.md`) for the import bench.

Deterministic for a seed: two years of held (and a few cancelled) sessions over the 13
départements of Occitanie, people with their professional profile, registrations with the hours
attended (no-shows and cancellations included), and end-of-training and six-month answers in the
long format, with the messiness of real files (dates as text or Excel dates, decimal commas,
e-mails in capitals).
"""

from __future__ import annotations

import datetime
import random
import unicodedata
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

DEPARTMENTS = ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82")
COURSES = (
    "Soutenir le développement des compétences psychosociales des enfants",
    "Promouvoir la santé mentale des jeunes",
    "Aborder la vie affective et sexuelle avec les adolescents",
    "Prévenir les conduites addictives",
    "Agir en santé environnementale",
    "Promouvoir la vaccination",
    "Alimentation et activité physique : agir auprès des publics",
    "Réduire les inégalités sociales de santé",
)
STRUCTURE_TYPES = ("Établissement scolaire", "Association", "Collectivité territoriale", "Établissement de santé")
SECTORS = ("Éducation", "Social", "Médico-social", "Santé", "Insertion", "Petite enfance")
CATEGORIES = ("Cadre", "Profession intermédiaire", "Employé", "Bénévole")
FIRST_NAMES = ("Camille", "Julie", "Nadia", "Thomas", "Sophie", "Karim", "Léa", "Hugo", "Inès", "Marc")
LAST_NAMES = ("Martin", "Bernard", "Garcia", "Roux", "Fabre", "Mercier", "Vidal", "Blanc", "Lopez", "Faure")


def _ascii(text: str) -> str:
    """Without accents: an e-mail address built from a first name stays valid (Léa → lea)."""
    return "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))


def _hours_cell(rng: random.Random, hours: Decimal):
    """As files come: a whole number, a decimal number, or a text with a decimal comma."""
    if hours == hours.to_integral_value():
        return int(hours) if rng.random() < 0.9 else f"{int(hours)}"
    return float(hours) if rng.random() < 0.5 else f"{hours:f}".rstrip("0").rstrip(".").replace(".", ",")


def _date_cell(rng: random.Random, day: datetime.date):
    """As files come: a real date, or a text in one of the accepted formats."""
    return rng.choice((day, day.strftime("%d/%m/%Y"), day.isoformat()))


def workbook_generate(
    path: Path,
    *,
    years: tuple[int, ...] = (2024, 2025),
    sessions: int = 140,
    people: int = 2000,
    registrations: int = 2000,
    answers: int = 3000,
    seed: int = 1,
) -> dict[str, int]:
    """Write the workbook; returns the number of rows of each sheet."""
    rng = random.Random(seed)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sessions"
    sheet.append(
        [
            "code",
            "formation",
            "financement",
            "departement",
            "lieu",
            "date_debut",
            "date_fin",
            "duree_heures",
            "capacite",
            "formateurs",
            "structure_cliente",
            "statut",
        ]
    )
    session_rows = []
    last_days: dict[str, datetime.date] = {}
    planned: dict[str, Decimal] = {}
    for index in range(sessions):
        year = years[index * len(years) // sessions]
        start = datetime.date(year, 1, 8) + datetime.timedelta(days=rng.randrange(0, 330))
        days = rng.choice((1, 2, 2, 3))
        while start.weekday() + days > 5:  # every day of the session is a weekday of one week
            start += datetime.timedelta(days=1)
        end = start + datetime.timedelta(days=days - 1)
        funding = rng.choice(("Drapps", "Drapps", "Drapps", "Intra", "Inter"))
        department = rng.choice(DEPARTMENTS)
        code = f"{year}-{index:03d}-{department}"
        status = "annulee" if rng.random() < 0.05 else "realisee"
        session_rows.append((code, status))
        last_days[code] = end
        hours = Decimal(days * 7) if rng.random() < 0.8 else Decimal(days * 7) - Decimal("2.5")
        planned[code] = hours
        sheet.append(
            [
                code,
                rng.choice(COURSES),
                funding,
                int(department) if rng.random() < 0.3 else department,  # Excel ate the leading zero
                f"Salle municipale {department}",
                _date_cell(rng, start),
                _date_cell(rng, end),
                _hours_cell(rng, hours),
                rng.choice((12, 15, 18, 20)),
                f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                f"Structure cliente {index}" if funding == "Intra" else "",
                status,
            ]
        )

    sheet = workbook.create_sheet("Participants")
    sheet.append(
        [
            "email",
            "nom",
            "prenom",
            "structure",
            "type_structure",
            "secteur_activite",
            "categorie_socioprofessionnelle",
            "fonction",
            "departement",
        ]
    )
    emails = []
    for index in range(people):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = _ascii(f"{first}.{last}.{index}@exemple.fr").lower()
        emails.append(email)
        sheet.append(
            [
                f"  {email.upper()} " if rng.random() < 0.1 else email,
                last,
                first,
                f"Structure {index % 300}",
                rng.choice(STRUCTURE_TYPES),
                rng.choice(SECTORS),
                rng.choice(CATEGORIES),
                "Infirmière scolaire" if index % 3 == 0 else "Éducateur spécialisé",
                rng.choice(DEPARTMENTS),
            ]
        )

    sheet = workbook.create_sheet("Inscriptions")
    sheet.append(["session", "email", "statut", "heures_realisees"])
    attended = []
    taken = set()
    held = [code for code, status in session_rows if status == "realisee"]
    while len(taken) < registrations:
        code = rng.choice(held) if rng.random() < 0.97 else rng.choice(session_rows)[0]
        email = rng.choice(emails)
        if (code, email) in taken:
            continue
        taken.add((code, email))
        roll = rng.random()
        status = "annule" if roll < 0.05 else "liste_attente" if roll < 0.08 else "inscrit"
        # What the sheets of the time say: the whole session mostly, sometimes a half-day or a day
        # missed, never more than planned; no-shows and non-confirmed registrations attended nothing.
        hours = Decimal(0)
        if status == "inscrit" and rng.random() >= 0.06:
            missed = rng.choice((Decimal(0), Decimal(0), Decimal(0), Decimal("3.5"), Decimal(7)))
            hours = planned[code] - missed if planned[code] > missed else planned[code]
        if hours:
            attended.append((code, email))
        sheet.append([code, email, status, _hours_cell(rng, hours) if hours or rng.random() < 0.7 else None])

    sheet = workbook.create_sheet("Reponses")
    sheet.append(["session", "email", "questionnaire", "date_reponse", "question", "reponse"])
    written = 0
    rng.shuffle(attended)
    for code, email in attended:
        if written >= answers:
            break
        # Most trainees answer at the end of the training, fewer six months later; some do both.
        surveys = []
        if rng.random() < 0.75:
            satisfied = rng.random() < 0.9
            hot = [
                ("a_chaud", "attentes", rng.choice((3, 4)) if satisfied else rng.choice((1, 2))),
                ("a_chaud", "objectifs", rng.choice((3, 4)) if rng.random() < 0.85 else 2),
            ]
            surveys.append((last_days[code] + datetime.timedelta(days=rng.randrange(0, 4)), hot))
        if rng.random() < 0.4:
            cold = [
                ("a_froid_6_mois", "besoins", "oui" if rng.random() < 0.95 else "non"),
                ("a_froid_6_mois", "mise_en_pratique", "oui" if rng.random() < 0.85 else "non"),
            ]
            surveys.append((last_days[code] + datetime.timedelta(days=rng.randrange(183, 200)), cold))
        for answered, rows in surveys:
            if rng.random() < 0.15:
                rows.append((rows[0][0], "commentaire", "Formation très concrète, merci."))
            for questionnaire, question, value in rows[: answers - written]:
                sheet.append([code, email, questionnaire, _date_cell(rng, answered), question, value])
                written += 1

    workbook.save(path)
    return {
        "sessions": len(session_rows),
        "participants": people,
        "registrations": len(taken),
        "answers": written,
    }
