"""A service's ValidationError shown on the form that sent it."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import slug_re


def add_errors(form: forms.Form, error: ValidationError, *, unplaced: list | None = None) -> None:
    """Each error joins the field it names, or the form's own errors when it
    names no field of the form. Errors that name no field at all go to
    `unplaced` instead when it is given (a page that lists them apart)."""
    if not hasattr(error, "error_dict"):
        if unplaced is not None:
            unplaced += error.messages
        else:
            form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        for e in errors:
            form.add_error(field if field in form.fields else None, e)


def slug_or_blank(value) -> str:
    """A slug sent in a query or a form, or "" for what cannot be one (which
    names nothing, and may hold a NUL that PostgreSQL refuses)."""
    return value if value and slug_re.match(value) else ""
