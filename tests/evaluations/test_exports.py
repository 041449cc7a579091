"""Survey and quality lists exported through their Resource; a campaign's answers in the workbook's long format."""

import io

import openpyxl
import pytest

from django.urls import reverse

from evaluations.history import history_import
from evaluations.models import Complaint
from evaluations.services.responses import response_submit

pytestmark = pytest.mark.django_db


def _rows(content: bytes) -> list[tuple]:
    return [tuple(row) for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]


@pytest.fixture
def answered(hot_campaign):
    first, second = hot_campaign.invitations.select_related("registration__user")[:2]
    response_submit(token=first.token, values={"attentes": 4, "objectifs": 3, "commentaire": "Très concret"})
    response_submit(token=second.token, values={"attentes": 2, "objectifs": 2})
    return hot_campaign, first, second


def test_a_campaigns_answers_export_in_the_long_format_of_the_workbook(coordinator_client, answered):
    campaign, first, second = answered

    response = coordinator_client.get(reverse("survey_campaigns:answers_export", args=[campaign.pk]))

    header, *rows = _rows(response.content)
    assert header == ("session", "email", "questionnaire", "date_reponse", "question", "reponse")
    assert (campaign.session.code, first.email, "a_chaud", "commentaire", "Très concret") in {
        (r[0], r[1], r[2], r[4], r[5]) for r in rows
    }
    assert len(rows) == 5


def test_the_exported_answers_read_back_through_the_historical_import(coordinator_client, answered):
    campaign, first, _second = answered
    content = coordinator_client.get(reverse("survey_campaigns:answers_export", args=[campaign.pk])).content
    assert openpyxl.load_workbook(io.BytesIO(content)).sheetnames == ["Reponses"]
    exported = openpyxl.load_workbook(io.BytesIO(content)).active

    workbook = openpyxl.Workbook()
    workbook.active.title = "Reponses"
    for row in exported.iter_rows(values_only=True):
        workbook.active.append(row)
    output = io.BytesIO()
    workbook.save(output)
    report = history_import(output, dry_run=True)

    # Only the three other sheets are missing: every answer row is understood.
    assert {error.code for error in report.errors} == {"sheet_missing"}


def test_the_campaign_and_complaint_lists_export(coordinator_client, answered):
    Complaint.objects.create(
        received_at=answered[0].opened_at, subject="Salle trop froide", description="Chauffage en panne"
    )

    campaigns = coordinator_client.get(reverse("survey_campaigns:index"), {"export": "xlsx"})
    complaints = coordinator_client.get(reverse("complaints:index"), {"export": "csv"})

    assert len(_rows(campaigns.content)) == 2
    assert "Salle trop froide" in complaints.content.decode("utf-8-sig")


@pytest.mark.parametrize("name", ["survey_campaigns:index", "complaints:index", "improvement_actions:index"])
def test_the_lists_offer_their_export_buttons(coordinator_client, name):
    page = coordinator_client.get(reverse(name)).content.decode()
    assert "export=xlsx" in page and "export=csv" in page
