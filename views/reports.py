def register(admin):
    """Statistics, exports and import views are registered here."""
