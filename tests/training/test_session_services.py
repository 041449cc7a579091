import pytest

from tests.factories import SessionFactory, course_create
from training.choices import SessionStatus
from training.services.sessions import session_record_course_revision

pytestmark = pytest.mark.django_db


def test_offered_session_keeps_the_revision_it_was_offered_with(catalogue):
    course = course_create(catalogue=catalogue)
    session = SessionFactory(course=course, status=SessionStatus.OPEN)
    session_record_course_revision(session=session)
    offered_revision = course.live_revision_id

    course.summary = "Nouveau résumé"
    course.save_revision().publish()
    course.refresh_from_db()
    session_record_course_revision(session=session)

    session.refresh_from_db()
    assert course.live_revision_id != offered_revision
    assert session.course_revision_id == offered_revision


def test_draft_session_follows_the_live_programme(catalogue):
    course = course_create(catalogue=catalogue)
    session = SessionFactory(course=course, status=SessionStatus.DRAFT)
    session_record_course_revision(session=session)

    course.summary = "Nouveau résumé"
    course.save_revision().publish()
    course.refresh_from_db()
    session_record_course_revision(session=session)

    session.refresh_from_db()
    assert session.course_revision_id == course.live_revision_id


def test_unpublished_course_has_no_revision_to_pin(catalogue):
    course = course_create(catalogue=catalogue, publish=False)
    session = SessionFactory(course=course, status=SessionStatus.OPEN)

    session_record_course_revision(session=session)

    assert session.course_revision_id is None
