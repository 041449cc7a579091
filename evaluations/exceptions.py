class SurveyError(Exception):
    """A rule of the surveys refused an action.

    `code` is stable and machine-readable (tests use it); `message` is the French sentence shown
    to the user; `field` names the question key concerned, when there is one.
    """

    def __init__(self, message: str, code: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
