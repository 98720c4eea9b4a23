def register(admin):
    """The one-screen registration page (登记) is registered here."""
