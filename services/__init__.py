"""Business rules. Functions take the session and the acting user explicitly."""


class ServiceError(Exception):
    """A refusal with a Chinese message for the user; nothing was changed."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field
