"""The registrations, attendance, documents and messages of a person (sheets of their data export)."""

from django.utils.translation import gettext as _

from accounts.personal_data import personal_data_section

from .models import Attendance, AttendanceProof, Document, Registration, RegistrationMessage


@personal_data_section(lambda: _("Registrations"), order=10)
def _registrations(user):
    registrations = (
        Registration.objects.filter(user=user)
        .select_related("session__course", "structure_type", "activity_sector", "professional_category", "department")
        .with_hours_attended()
        .order_by("created_at")
    )
    headings = (
        _("Session"),
        _("Course"),
        _("Status"),
        _("Registered on"),
        _("Confirmed on"),
        _("Cancelled on"),
        _("Cancellation reason"),
        _("Job title"),
        _("Structure"),
        _("Structure type"),
        _("Activity sector"),
        _("Socio-professional category"),
        _("Département"),
        _("Expectations"),
        _("Accessibility needs"),
        _("Hours attended"),
        _("Reason for leaving early"),
    )
    rows = [
        (
            r.session.code,
            r.session.course.title,
            r.get_status_display(),
            r.created_at,
            r.confirmed_at,
            r.cancelled_at,
            r.cancellation_reason,
            r.job_title,
            r.structure_name,
            r.structure_type.label if r.structure_type_id else "",
            r.activity_sector.label if r.activity_sector_id else "",
            r.professional_category.label if r.professional_category_id else "",
            str(r.department) if r.department_id else "",
            r.expectations,
            r.accessibility_needs,
            r.hours_attended,
            r.get_abandonment_reason_display() if r.abandonment_reason else "",
        )
        for r in registrations
    ]
    return headings, rows


@personal_data_section(lambda: _("Attendance"), order=20)
def _attendance(user):
    attendances = (
        Attendance.objects.filter(registration__user=user)
        .select_related("slot__session")
        .order_by("slot__date", "slot__starts_at")
    )
    headings = (_("Session"), _("Date"), _("Half-day"), _("Attendance"), _("Minutes missed"), _("Hours"), _("Reason"))
    rows = [
        (
            a.slot.session.code,
            a.slot.date,
            a.slot.get_period_display(),
            a.get_status_display(),
            a.minutes_missed,
            a.hours,
            a.reason,
        )
        for a in attendances
    ]
    return headings, rows


@personal_data_section(lambda: _("Signatures"), order=25)
def _signatures(user):
    proofs = (
        AttendanceProof.objects.filter(registration__user=user)
        .select_related("sheet__slot__session")
        .order_by("created_at")
    )
    headings = (
        _("Session"),
        _("Half-day"),
        _("Proof record"),
        _("Method"),
        _("Server time"),
        _("IP address"),
        _("Browser"),
    )
    rows = [
        (
            p.sheet.slot.session.code,
            str(p.sheet.slot),
            p.get_kind_display(),
            p.get_method_display() if p.method else "",
            p.created_at,
            p.ip_address,
            p.user_agent,
        )
        for p in proofs
    ]
    return headings, rows


@personal_data_section(lambda: _("Documents"), order=30)
def _documents(user):
    documents = Document.objects.filter(registration__user=user).select_related("session").order_by("issued_at")
    headings = (_("Session"), _("Document"), _("Version"), _("Issued on"), _("Verification code"), _("Keep until"))
    rows = [
        (d.session.code, d.get_kind_display(), d.version, d.issued_at, d.verification_code, d.retain_until)
        for d in documents
    ]
    return headings, rows


@personal_data_section(lambda: _("E-mails sent"), order=40)
def _messages(user):
    messages = (
        RegistrationMessage.objects.filter(registration__user=user)
        .select_related("registration__session")
        .order_by("created_at")
    )
    headings = (_("Session"), _("Message"), _("Recipient"), _("Subject"), _("Sent on"))
    rows = [(m.registration.session.code, m.get_kind_display(), m.recipient, m.subject, m.sent_at) for m in messages]
    return headings, rows
