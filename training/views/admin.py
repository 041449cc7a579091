"""Back-office views that add a business step to Wagtail's generic ones."""

from wagtail.admin.views import generic

from ..services.sessions import session_record_course_revision


class _SessionSaveMixin:
    def save_instance(self):
        session = super().save_instance()
        session_record_course_revision(session=session)
        return session


class SessionCreateView(_SessionSaveMixin, generic.CreateView):
    pass


class SessionEditView(_SessionSaveMixin, generic.EditView):
    pass
