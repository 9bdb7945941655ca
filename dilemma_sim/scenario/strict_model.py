"""The base of every scenario model: frozen, strict about keys and numbers, documented by docstring."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Frozen, rejects unknown keys and non-finite numbers, documents fields by docstring."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        allow_inf_nan=False,
        use_attribute_docstrings=True,
        populate_by_name=True,
    )
