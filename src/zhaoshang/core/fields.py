"""Model fields of the platform's own.

`BoundedTextField`: every free text is bounded (等保三级, docs/hardening.md). Django's TextField
takes a max_length only for the form's widget and DRF's serializer; this one also validates it in
the model's `full_clean()`, so the form, the API, the admin and whatever else validates the model
refuse an over-long text alike, naming the field (the Excel import reads the same bound from the
field: exchange/layouts.py `model_text_parser`).
"""

from __future__ import annotations

from django.core.validators import MaxLengthValidator
from django.db import models

# The bounds in use: a reason, note or short answer; a long description (a plan, minutes, a report).
REASON = 2_000
LONG_TEXT = 10_000


class BoundedTextField(models.TextField):
    def __init__(self, *args, max_length: int | None = None, **kwargs):
        if not max_length:
            raise TypeError("BoundedTextField needs a max_length")
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.append(MaxLengthValidator(max_length))
