"""Pages: service results shaped for one template (labels, order, what is shown to whom).

Rules and figures come from services/; a module here only arranges them for its page."""
