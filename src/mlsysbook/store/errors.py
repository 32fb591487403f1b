"""Errors a user can cause; the web and CLI layers turn them into messages."""


class StoreError(Exception):
    """Base for errors with a message fit to show a user."""


class EmailTaken(StoreError):
    pass


class InvalidCredentials(StoreError):
    pass


class InvalidInput(StoreError):
    pass


class NotFound(StoreError):
    pass
