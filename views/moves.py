def register(admin):
    """Form pages for workflow moves are registered here."""
