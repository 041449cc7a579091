class TrainingError(Exception):
    """A business rule of the training domain refused an action.

    `code` is stable and machine-readable (tests and API clients use it); `message` is the
    French sentence shown to the user.
    """

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code
