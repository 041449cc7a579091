"""The pre-filled Bilan pédagogique et financier (BPF, cerfa 10443) of an accounting year.

`bpf_for_year(year=Y)` returns plain data, ready for JSON (`manage.py bpf --year Y --format json`),
which the coordinator copies into Mon Activité Formation before 31 May of Y+1. The accounting year
is the calendar year. Trainees, hours and held sessions are those of the yearly indicators
(`evaluations.indicators`): held sessions whose first day is in Y (cancelled and draft ones never
count), trainees = confirmed registrations with attended hours > 0 (a person trained twice counts
twice), hours = the hours they attended (locked attendance sheets, or the hours recorded for
imported history).

What is counted, cadre by cadre
-------------------------------

- **A/B** `identification`: the organisation settings (name, SIRET, NDA and its region, address,
  contact); the NAF code and the legal form are not kept by the system.
- **C** `income`: the funding lines (`training.FundingLine`) whose `invoiced_on` is in Y, whatever
  the year or the status of their session (income follows the invoices, not the trainings), summed
  by `category` (`FunderCategory`, one per line of cadre C): `lines` = `[{category, line, label,
  amount, funding_lines}]` in the order of the cerfa (`line` is its number: "1", "2h", "2e", "3"…
  "11"), `opco_total` (lines 2), `total`. Amounts in euros excluding tax, two decimals.
- **E** `trainers`: the trainers of the held sessions of Y, `internal` and `external`
  (`Trainer.kind`) and `total`: `{trainers, hours}` = how many different people, and the hours
  of the half-days of those sessions (every trainer of a session counts its planned hours).
- **F-1** `trainee_types`: the trainees by the situation of their registration
  (`Registration.trainee_type`): `lines` = `[{type, line, label, trainees, hours}]` for a private
  employees, b apprentices, c jobseekers, d individuals at their own cost, e others, then
  `unknown` (situation not filled in, `line` None: it must be completed before filing, see
  `missing`); `total`; `distance` = of which trainees of sessions given remotely or blended
  (`Session.modality`: remote or blended, a training "in whole or in part at a distance").
- **F-3** `objectives`: the trainees by the general objective of their course: `rncp` (a, a
  certifying course whose `certification_code` starts with RNCP), `rs` (b, code starting with
  RS), `certification_unspecified` (certifying, without such a code: to complete), `other` (d,
  other professional training, every course not certifying); `total`. The RNCP level is not
  kept: it is chosen on the form.
- **F-4** `specialities`: the trainees by NSF speciality of their course (the three digits of
  `CoursePage.nsf_code`): the `MAIN_SPECIALITIES` ones with the most hours `{nsf_code, label,
  trainees, hours}`, then `others` (the rest added up), then `unknown` (courses without a valid
  code: to complete); `total`.
- `missing`: what prevents filing the form as it is, each `{code, count, message, where,
  items}`: `count` things to fix, a French `message`, `where` to fix them in the back office,
  and `items` naming them (session code and person, course title…). Codes:
  `organisation_name`, `organisation_siret`, `organisation_nda`, `organisation_address`,
  `trainee_type`, `course_nsf_code`, `course_certification_code`, `session_funding_line`,
  `session_trainers`. Only the codes with something to fix are listed.
- `not_computed`: the cadres the system does not keep the data of (`{cadre, reason}`): D (charges),
  F-2 and G (subcontracting).

Every `trainees`/`hours` pair is `{"trainees": int, "hours": float}`; the totals of F-1, F-3 and
F-4 are equal (every trainee is in exactly one line of each).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pandas as pd

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cms.choices import Modality
from cms.models import OrganisationSettings
from training.choices import FunderCategory, RegistrationStatus, TraineeType, TrainerKind
from training.models import FundingLine, Registration, Session

from ..indicators import sessions_held, trainees_frame
from . import rows_frame
from .nsf import NSF_SPECIALITIES, nsf_speciality

MAIN_SPECIALITIES = 5
UNKNOWN, OTHERS = "unknown", "others"
DISTANCE_MODALITIES = (Modality.REMOTE.value, Modality.BLENDED.value)
# The line of cadre C of each origin.
INCOME_LINES = {
    FunderCategory.COMPANY: "1",
    FunderCategory.OPCO_PLAN: "2h",
    FunderCategory.OPCO_CPF: "2e",
    FunderCategory.PUBLIC_EMPLOYER: "3",
    FunderCategory.EUROPE: "4",
    FunderCategory.STATE: "5",
    FunderCategory.REGION: "6",
    FunderCategory.FRANCE_TRAVAIL: "7",
    FunderCategory.OTHER_PUBLIC: "8",
    FunderCategory.INDIVIDUAL: "9",
    FunderCategory.TRAINING_ORGANISATION: "10",
    FunderCategory.OTHER: "11",
}
OPCO_CATEGORIES = (FunderCategory.OPCO_PLAN, FunderCategory.OPCO_CPF)
# The line of cadre F-1 of each situation.
TRAINEE_TYPE_LINES = {
    TraineeType.PRIVATE_EMPLOYEE: "a",
    TraineeType.APPRENTICE: "b",
    TraineeType.JOBSEEKER: "c",
    TraineeType.INDIVIDUAL: "d",
    TraineeType.OTHER: "e",
}
RNCP, RS, CERTIFICATION_UNSPECIFIED, OTHER_TRAINING = "rncp", "rs", "certification_unspecified", "other"


def bpf_for_year(*, year: int, today: datetime.date | None = None) -> dict:
    """The BPF of the accounting year `year` (see the module docstring); a fixed number of queries."""
    today = today or timezone.localdate()
    first_day, last_day = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    sessions = sessions_held(first_day=first_day, last_day=last_day, today=today)
    session_rows = _sessions_frame(sessions)
    trainees = _trainees(sessions, session_rows)
    trainers = _trainers_frame(sessions)
    funded = set(FundingLine.objects.filter(session__in=sessions.values("pk")).values_list("session_id", flat=True))
    organisation = OrganisationSettings.load()
    return {
        "year": year,
        "period": {"first_day": first_day.isoformat(), "last_day": last_day.isoformat()},
        "identification": _identification(organisation),
        "income": _income(first_day=first_day, last_day=last_day),
        "trainers": _trainers(trainers, session_rows),
        "trainee_types": _trainee_types(trainees),
        "objectives": _objectives(trainees),
        "specialities": _specialities(trainees),
        "missing": _missing(
            organisation=organisation, trainees=trainees, session_rows=session_rows, trainers=trainers, funded=funded
        ),
        "not_computed": [
            {"cadre": "D", "reason": _("The charges of the organisation come from its accounts.")},
            {"cadre": "F-2", "reason": _("Trainings subcontracted to another organisation are not recorded.")},
            {"cadre": "G", "reason": _("Trainings given as a subcontractor of another organisation are not recorded.")},
        ],
    }


# Data (one query each)
# ------------------------------------------------------------------------------


def _sessions_frame(sessions) -> pd.DataFrame:
    """The held sessions with what the BPF needs of them and of their course."""
    frame = rows_frame(
        sessions.values_list(
            "pk",
            "code",
            "modality",
            "planned_hours",
            "course_id",
            "course__title",
            "course__nsf_code",
            "course__is_certifying",
            "course__certification_code",
        ),
        [
            "session_id",
            "code",
            "modality",
            "planned_hours",
            "course_id",
            "course_title",
            "nsf_code",
            "is_certifying",
            "certification_code",
        ],
        integers=("session_id", "course_id"),
    )
    frame["planned_centihours"] = (pd.to_numeric(frame.pop("planned_hours")).fillna(0) * 100).round().astype("int64")
    frame["speciality"] = frame["nsf_code"].map(nsf_speciality).astype(str)
    frame["objective"] = [
        _objective(certifying, code)
        for certifying, code in zip(frame["is_certifying"], frame["certification_code"], strict=True)
    ]
    return frame


def _objective(is_certifying: bool, certification_code: str) -> str:
    if not is_certifying:
        return OTHER_TRAINING
    code = (certification_code or "").strip().upper()
    if code.startswith("RNCP"):
        return RNCP
    if code.startswith("RS"):
        return RS
    return CERTIFICATION_UNSPECIFIED


def _trainees(sessions, session_rows: pd.DataFrame) -> pd.DataFrame:
    """The trainees of the indicators (`trainees_frame`) with their registration's situation and their
    session's course and modality. At most one confirmed registration per person and session
    (database constraint): the merges keep the trainees as they are."""
    registrations = rows_frame(
        Registration.objects.filter(session__in=sessions.values("pk"), status=RegistrationStatus.CONFIRMED)
        .order_by()
        .values_list("session_id", "user_id", "trainee_type", "user__first_name", "user__last_name"),
        ["session_id", "user_id", "trainee_type", "first_name", "last_name"],
        integers=("session_id", "user_id"),
    )
    trainees = trainees_frame(sessions).merge(registrations, on=["session_id", "user_id"], how="left")
    return trainees.merge(session_rows, on="session_id", how="left")


def _trainers_frame(sessions) -> pd.DataFrame:
    """(session, trainer) pairs of the held sessions, with the trainer's kind."""
    return rows_frame(
        Session.trainers.through.objects.filter(session__in=sessions.values("pk"))
        .order_by()
        .values_list("session_id", "trainer_id", "trainer__kind"),
        ["session_id", "trainer_id", "kind"],
        integers=("session_id", "trainer_id"),
    )


# Cadres
# ------------------------------------------------------------------------------


def _pair(rows: pd.DataFrame) -> dict:
    return {"trainees": len(rows), "hours": int(rows["centihours"].sum()) / 100}


def _identification(organisation: OrganisationSettings) -> dict:
    return {
        "cadre": "A-B",
        "name": organisation.name,
        "siret": organisation.siret,
        "nda_number": organisation.nda_number,
        "nda_region": organisation.nda_region,
        "address": organisation.address,
        "postcode": organisation.postcode,
        "city": organisation.city,
        "phone": organisation.phone,
        "email": organisation.email,
        "website": organisation.website,
        "qualiopi_certified": organisation.qualiopi_certified,
    }


def _euros(amount: Decimal | None) -> float:
    return float((amount or Decimal(0)).quantize(Decimal("0.01")))


def _income(*, first_day: datetime.date, last_day: datetime.date) -> dict:
    totals = {
        row["category"]: row
        for row in FundingLine.objects.filter(invoiced_on__gte=first_day, invoiced_on__lte=last_day)
        .order_by()
        .values("category")
        .annotate(amount=Sum("amount"), lines=Count("pk"))
    }
    lines = [
        {
            "category": category.value,
            "line": INCOME_LINES[category],
            "label": str(category.label),
            "amount": _euros(totals.get(category.value, {}).get("amount")),
            "funding_lines": totals.get(category.value, {}).get("lines", 0),
        }
        for category in FunderCategory
    ]
    total = sum((row["amount"] or Decimal(0) for row in totals.values()), Decimal(0))
    opco = sum((totals.get(category.value, {}).get("amount") or Decimal(0) for category in OPCO_CATEGORIES), Decimal(0))
    return {"cadre": "C", "lines": lines, "opco_total": _euros(opco), "total": _euros(total)}


def _trainers(trainers: pd.DataFrame, session_rows: pd.DataFrame) -> dict:
    rows = trainers.merge(session_rows[["session_id", "planned_centihours"]], on="session_id", how="left")

    def count(chosen: pd.DataFrame) -> dict:
        return {"trainers": int(chosen["trainer_id"].nunique()), "hours": int(chosen["planned_centihours"].sum()) / 100}

    return {
        "cadre": "E",
        "internal": count(rows[rows["kind"] == TrainerKind.INTERNAL.value]),
        "external": count(rows[rows["kind"] == TrainerKind.EXTERNAL.value]),
        "total": count(rows),
    }


def _trainee_types(trainees: pd.DataFrame) -> dict:
    situation = trainees["trainee_type"].fillna("")
    lines = [
        {
            "type": kind.value,
            "line": TRAINEE_TYPE_LINES[kind],
            "label": str(kind.label),
            **_pair(trainees[situation == kind.value]),
        }
        for kind in TraineeType
    ]
    unknown = trainees[~situation.isin(TraineeType.values)]
    lines.append({"type": UNKNOWN, "line": None, "label": _("Situation not filled in"), **_pair(unknown)})
    return {
        "cadre": "F-1",
        "lines": lines,
        "total": _pair(trainees),
        "distance": _pair(trainees[trainees["modality"].isin(DISTANCE_MODALITIES)]),
    }


def _objectives(trainees: pd.DataFrame) -> dict:
    objectives = [
        (RNCP, "a", _("Courses leading to a diploma or title registered in the RNCP")),
        (RS, "b", _("Courses leading to a certification registered in the specific directory (RS)")),
        (CERTIFICATION_UNSPECIFIED, None, _("Certifying courses without an RNCP or RS code")),
        (OTHER_TRAINING, "d", _("Other professional training")),
    ]
    return {
        "cadre": "F-3",
        "lines": [
            {"objective": key, "line": line, "label": label, **_pair(trainees[trainees["objective"] == key])}
            for key, line, label in objectives
        ],
        "total": _pair(trainees),
    }


def _specialities(trainees: pd.DataFrame) -> dict:
    known = trainees[trainees["speciality"].fillna("") != ""]
    ranked = (
        known.groupby("speciality")
        .agg(trainees=("user_id", "size"), centihours=("centihours", "sum"))
        .reset_index()
        .sort_values(["centihours", "trainees", "speciality"], ascending=[False, False, True], kind="stable")
    )
    main = ranked.head(MAIN_SPECIALITIES)
    others = ranked.iloc[MAIN_SPECIALITIES:]
    lines = [
        {
            "nsf_code": code,
            "label": NSF_SPECIALITIES[code],
            "trainees": int(count),
            "hours": int(centihours) / 100,
        }
        for code, count, centihours in main[["speciality", "trainees", "centihours"]].itertuples(index=False)
    ]
    lines.append(
        {
            "nsf_code": OTHERS,
            "label": _("Other specialities"),
            "trainees": int(others["trainees"].sum()),
            "hours": int(others["centihours"].sum()) / 100,
        }
    )
    unknown = trainees[trainees["speciality"].fillna("") == ""]
    lines.append({"nsf_code": UNKNOWN, "label": _("No valid NSF code"), **_pair(unknown)})
    return {"cadre": "F-4", "lines": lines, "total": _pair(trainees)}


# What is missing
# ------------------------------------------------------------------------------


def _missing(
    *,
    organisation: OrganisationSettings,
    trainees: pd.DataFrame,
    session_rows: pd.DataFrame,
    trainers: pd.DataFrame,
    funded: set[int],
) -> list[dict]:
    missing = []

    def add(code: str, count: int, message: str, where: str, items: list[str]) -> None:
        if count:
            missing.append({"code": code, "count": count, "message": message, "where": where, "items": items})

    settings_where = _("Settings › Training organisation")
    for code, value, message in (
        ("organisation_name", organisation.name, _("The organisation has no name in the settings.")),
        ("organisation_siret", organisation.siret, _("No SIRET in the organisation settings.")),
        (
            "organisation_nda",
            organisation.nda_number,
            _("No activity declaration number (NDA) in the organisation settings."),
        ),
        (
            "organisation_address",
            organisation.address and organisation.postcode and organisation.city,
            _("The address of the organisation is incomplete in the settings."),
        ),
    ):
        add(code, 0 if value else 1, message, settings_where, [])

    no_type = trainees[~trainees["trainee_type"].fillna("").isin(TraineeType.values)].sort_values(
        ["code", "last_name", "first_name"]
    )
    add(
        "trainee_type",
        len(no_type),
        ngettext(
            "%(count)s trainee has no BPF situation (cadre F-1).",
            "%(count)s trainees have no BPF situation (cadre F-1).",
            len(no_type),
        )
        % {"count": len(no_type)},
        _("Training › Registrations: “Situation (BPF)”"),
        [f"{row.code} — {row.first_name} {row.last_name}".strip() for row in no_type.itertuples(index=False)],
    )

    courses = session_rows.drop_duplicates("course_id").sort_values("course_title")
    without_code = courses[courses["speciality"] == ""]
    add(
        "course_nsf_code",
        len(without_code),
        ngettext(
            "%(count)s course has no valid NSF code (cadre F-4).",
            "%(count)s courses have no valid NSF code (cadre F-4).",
            len(without_code),
        )
        % {"count": len(without_code)},
        _("Pages › the course › “Codes” tab"),
        [
            f"{row.course_title} ({row.nsf_code})" if row.nsf_code else row.course_title
            for row in without_code.itertuples(index=False)
        ],
    )
    unspecified = courses[courses["objective"] == CERTIFICATION_UNSPECIFIED]
    add(
        "course_certification_code",
        len(unspecified),
        ngettext(
            "%(count)s certifying course has no RNCP or RS code (cadre F-3).",
            "%(count)s certifying courses have no RNCP or RS code (cadre F-3).",
            len(unspecified),
        )
        % {"count": len(unspecified)},
        _("Pages › the course › “Codes” tab"),
        list(unspecified["course_title"]),
    )

    held = session_rows.sort_values("code")
    unfunded = held[~held["session_id"].isin(funded)]
    add(
        "session_funding_line",
        len(unfunded),
        ngettext(
            "%(count)s held session has no funding line: its income is missing from cadre C.",
            "%(count)s held sessions have no funding line: their income is missing from cadre C.",
            len(unfunded),
        )
        % {"count": len(unfunded)},
        _("Training › Sessions › the session › “Funding received (BPF)”"),
        list(unfunded["code"]),
    )
    untaught = held[~held["session_id"].isin(trainers["session_id"])]
    add(
        "session_trainers",
        len(untaught),
        ngettext(
            "%(count)s held session has no trainer (cadre E).",
            "%(count)s held sessions have no trainer (cadre E).",
            len(untaught),
        )
        % {"count": len(untaught)},
        _("Training › Sessions › the session › “Trainers”"),
        list(untaught["code"]),
    )
    return missing
