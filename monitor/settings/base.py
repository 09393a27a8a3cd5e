from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Every config model: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
