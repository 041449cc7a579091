"""The surveys' back office in the Wagtail admin (menu "Evaluations"): questionnaires, campaigns
and their results, results across campaigns, and the quality registers fed by the answers.

Views are thin: they parse a form, call one service or selector, and turn a `SurveyError` into a
message or a form error. Every view checks its permissions (see `common`).
"""
