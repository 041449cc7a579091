from django.db import transaction

from cms.models import CoursePage

from ..choices import SessionStatus
from ..models import Session


@transaction.atomic
def session_record_course_revision(*, session: Session) -> Session:
    """Pin the published version of the course sheet a session is offered with.

    While the session is a draft it follows the live programme; once it is offered (any other
    status) the revision it was first offered with is kept as evidence of what trainees were
    promised (Qualiopi indicator 1). A course that was never published has no revision to pin.
    """
    if session.course_revision_id is not None and session.status != SessionStatus.DRAFT:
        return session
    # Read the page row itself: a course object cached on the session may predate its publication.
    live_revision_id = CoursePage.objects.filter(pk=session.course_id).values_list("live_revision_id", flat=True).get()
    if live_revision_id != session.course_revision_id:
        session.course_revision_id = live_revision_id
        session.save(update_fields=["course_revision", "updated_at"])
    return session
