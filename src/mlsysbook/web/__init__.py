"""The FastAPI app: pages (Jinja2 + htmx) and the JSON API under /api/v1."""
