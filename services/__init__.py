"""Business rules. Functions take the session and the acting user explicitly."""


class ServiceError(Exception):
    """A refusal with a Chinese message for the user; nothing was changed."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(ServiceError):
    """Bad input: `errors` maps a field name to its Chinese messages; nothing was stored."""

    def __init__(self, errors):
        self.errors = errors
        first = next(iter(errors.values()), ["输入有误"])
        super().__init__(first[0] if isinstance(first, list) else str(first))


class ConflictError(ServiceError):
    """Optimistic lock: someone else changed the case since the user loaded it."""

    def __init__(self):
        super().__init__("该信访事项已被他人修改，请刷新后重试")
