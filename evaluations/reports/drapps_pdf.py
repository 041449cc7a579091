"""The Drapps report as a PDF: the shared document family (`cms.pdf`), template `pdf/drapps_report.html`.

A4 portrait: key figures, the year beside the year before, two bar charts (trainees by
département, sessions by theme) drawn as inline SVG (`charts`), the profiles of the trainees,
the survey results with their numbers of respondents and response rates, the list of the
sessions and how the figures are counted. French numbers (`90,4 %`, `1 234`).
"""

from __future__ import annotations

from django.utils import formats, translation
from django.utils.translation import gettext as _

from cms.pdf import render_pdf

from .charts import BarChart, horizontal_bar_chart


def drapps_report_pdf(data: dict) -> bytes:
    """The PDF of `drapps.drapps_report_data()`."""
    with translation.override("fr"):
        context = {
            "report": data,
            "has_previous": bool(data["previous"]["sessions"]["total"]),
            "key_figures": _key_figures(data),
            "summary": [{**row, "change_text": _change_text(row)} for row in data["summary"]],
            "department_chart": _department_chart(data),
            "theme_chart": _theme_chart(data),
        }
    return render_pdf(template_name="pdf/drapps_report.html", context=context)


def _whole(value: float) -> str:
    return formats.number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


def _change_text(row: dict) -> str:
    """The change from the year before as people write it: +12, −3,5, +2,1 pts (a rate moves in points)."""
    change = row["change"]
    if change is None:
        return "—"
    sign = "+" if change > 0 else ("−" if change < 0 else "")
    change = abs(change)
    if row["kind"] == "rate":
        value = formats.number_format(round(change * 100, 1), decimal_pos=1, use_l10n=True)
        return sign + _("%(value)s pts") % {"value": value}
    if row["kind"] == "count":
        return sign + _whole(change)
    decimals = 1 if row["kind"] == "days" else 2
    value = round(change, decimals)
    if value == int(value):
        decimals = 0
    return sign + formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _series(data: dict) -> list[str]:
    if data["previous"]["sessions"]["total"]:
        return [str(data["year"]), str(data["previous_year"])]
    return [str(data["year"])]


def _department_chart(data: dict) -> BarChart:
    series = _series(data)
    return horizontal_bar_chart(
        title=_("Trainees by département"),
        rows=[
            (
                f"{row['label']} ({row['code']})",
                [row["current"]["trainees"], row["previous"]["trainees"]][: len(series)],
            )
            for row in data["by_department"]
        ],
        series=series,
        formatter=_whole,
    )


def _theme_chart(data: dict) -> BarChart:
    series = _series(data)
    return horizontal_bar_chart(
        title=_("Sessions by theme"),
        rows=[
            (row["label"], [row["current"]["sessions"], row["previous"]["sessions"]][: len(series)])
            for row in data["by_theme"]
        ],
        series=series,
        formatter=_whole,
    )


def _key_figures(data: dict) -> list[dict]:
    """The figures of the first page: the activity and the satisfaction at the end of the training."""
    summary = {row["key"]: row for row in data["summary"]}
    expectations = next(row for row in data["surveys"] if row["key"] == "expectations")
    figures = [
        {**summary["sessions"], "label": _("sessions held")},
        {**summary["trainees"], "label": _("trainees")},
        {**summary["distinct_trainees"], "label": _("distinct people trained")},
        {**summary["trainee_hours"], "label": _("trainee hours")},
        {**summary["fill_rate"], "label": _("fill rate")},
        {
            "key": "satisfaction",
            "kind": "rate",
            "label": _("satisfied at the end of the training"),
            "current": expectations["current"]["rate"],
            "previous": expectations["previous"]["rate"],
            "n": expectations["current"]["n"],
        },
    ]
    return [figures[:3], figures[3:]]
