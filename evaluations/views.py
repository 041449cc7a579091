"""Answering a survey from the e-mail link, without an account."""

from django.http import Http404


def answer(request, token):  # replaced by the answer page
    raise Http404


def opt_out(request, token):  # replaced by the opt-out page
    raise Http404
