"""Historical workbooks built in memory with openpyxl, for the import tests.

`history_sheets()` is a small valid workbook as lists of rows (the header first, so a row's
index + 1 is its Excel row number); tests change a cell, a heading or a sheet, then
`workbook_file()` writes it as an .xlsx file object.
"""

import datetime
import io

import openpyxl

CPS_TITLE = "Soutenir le développement des compétences psychosociales"
INTRA_TITLE = "Santé mentale : premiers secours en santé mentale"
CPS = "2024-CPS1-31-01"
INTRA = "2024-INTRA-09-01"
CANCELLED = "2024-CPS1-12-02"
ALICE, BRUNO, CHLOE, DAVID = (
    "alice.durand@exemple.fr",
    "bruno.petit@exemple.fr",
    "chloe.moreau@exemple.fr",
    "david.roux@exemple.fr",
)


def history_sheets() -> dict[str, list[list]]:
    """Two held sessions (Drapps in Haute-Garonne, Intra in Ariège) and a cancelled one; four people;
    seven registrations; end-of-training and six-month answers, one of them given twice."""
    return {
        "Sessions": [
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
            ],
            [
                CPS,
                CPS_TITLE,
                "Drapps",
                "31",
                "Toulouse",
                "04/03/2024",
                "2024-03-05",
                14,
                12,
                "Géraldine Tisserant; Paul Martin",
                None,
                "realisee",
            ],
            [
                INTRA,
                INTRA_TITLE,
                "Intra",
                "Ariège",
                "Foix",
                datetime.datetime(2024, 5, 13),
                datetime.datetime(2024, 5, 14),
                "10,5",
                None,
                "Paul Martin",
                "Mairie de Foix",
                "realisee",
            ],
            [CANCELLED, CPS_TITLE, "Drapps", 12, "Rodez", "10/06/2024", "11/06/2024", 14, 15, None, None, "annulee"],
        ],
        "Participants": [
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
            ],
            [
                ALICE,
                "Durand",
                "Alice",
                "Collège Jean Moulin",
                "Éducation nationale",
                "Éducation",
                "Profession intermédiaire",
                "Infirmière scolaire",
                "31",
            ],
            [
                BRUNO,
                "Petit",
                "Bruno",
                "CCAS de Pamiers",
                "État, collectivité territoriale",
                "Social",
                "Employé",
                "Travailleur social",
                9,
            ],
            [
                CHLOE,
                "Moreau",
                "Chloé",
                "Mairie de Foix",
                "État, collectivité territoriale",
                "Collectivité territoriale",
                "Cadre, profession intellectuelle supérieure",
                "Chargée de mission",
                "Ariège",
            ],
            [
                DAVID,
                "Roux",
                "David",
                "Clinique du Parc",
                "Établissement de santé",
                "Sanitaire",
                "Profession intermédiaire",
                "Infirmier",
                "12",
            ],
        ],
        "Inscriptions": [
            ["session", "email", "statut", "heures_realisees"],
            [CPS, ALICE, "inscrit", 14],
            [CPS, f"  {BRUNO.upper()} ", "inscrit", "10,5"],
            [CPS, DAVID, "inscrit", None],
            [CPS, CHLOE, "annule", None],
            [INTRA, CHLOE, "inscrit", 10.5],
            [INTRA, BRUNO, "liste_attente", None],
            [CANCELLED, ALICE, "inscrit", 0],
        ],
        "Reponses": [
            ["session", "email", "questionnaire", "date_reponse", "question", "reponse"],
            [CPS, ALICE, "a_chaud", "05/03/2024", "attentes", 2],
            [CPS, ALICE, "a_chaud", "2024-03-06", "attentes", 4],
            [CPS, ALICE, "a_chaud", "05/03/2024", "objectifs", 3],
            [CPS, ALICE, "a_chaud", "05/03/2024", "commentaire", "Très utile pour mon poste."],
            [CPS, BRUNO, "a_chaud", datetime.datetime(2024, 3, 5), "attentes", 3],
            [CPS, BRUNO, "a_chaud", "05/03/2024", "objectifs", "3"],
            [INTRA, CHLOE, "a_chaud", "14/05/2024", "attentes", 4],
            [CPS, ALICE, "a_froid_6_mois", "10/09/2024", "besoins", "Oui"],
            [CPS, ALICE, "a_froid_6_mois", "10/09/2024", "mise_en_pratique", "non"],
        ],
    }


def column_index(sheets: dict, sheet: str, column: str) -> int:
    return sheets[sheet][0].index(column)


def cell_set(sheets: dict, sheet: str, row: int, column: str, value) -> None:
    """Set the cell of `column` on Excel row `row` (the header is row 1)."""
    sheets[sheet][row - 1][column_index(sheets, sheet, column)] = value


def row_add(sheets: dict, sheet: str, **values) -> int:
    """Append a row (unnamed columns empty); its Excel row number."""
    header = sheets[sheet][0]
    sheets[sheet].append([values.get(column) for column in header])
    return len(sheets[sheet])


def column_drop(sheets: dict, sheet: str, column: str) -> None:
    index = column_index(sheets, sheet, column)
    for row in sheets[sheet]:
        del row[index]


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        worksheet = book.create_sheet(title)
        for row in rows:
            worksheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def workbook_file(sheets: dict[str, list[list]] | None = None) -> io.BytesIO:
    """The workbook as an uploaded file would give it (the valid one by default)."""
    return io.BytesIO(workbook_bytes(history_sheets() if sheets is None else sheets))


def people_sheets(count: int) -> dict[str, list[list]]:
    """The valid workbook with `count` more people, each registered to the Drapps session and answering."""
    sheets = history_sheets()
    for n in range(count):
        email = f"personne{n}@exemple.fr"
        row_add(
            sheets,
            "Participants",
            email=email,
            nom=f"Nom{n}",
            prenom="Sam",
            structure="Association Bien-être",
            type_structure="Association (hors établissement)",
            secteur_activite="Social",
            categorie_socioprofessionnelle="Bénévole",
            fonction="Bénévole",
            departement="31",
        )
        row_add(sheets, "Inscriptions", session=CPS, email=email, statut="inscrit", heures_realisees=14)
        row_add(
            sheets,
            "Reponses",
            session=CPS,
            email=email,
            questionnaire="a_chaud",
            date_reponse="05/03/2024",
            question="attentes",
            reponse=3,
        )
    return sheets
