"""Validation with our own words: every pydantic error an input model can
produce becomes one message per field, translated and naming the limit."""

from __future__ import annotations

from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from .errors import ValidationFailed
from .i18n import _, ngettext

M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: dict[str, Any]) -> M:
    """Validate ``data`` or raise ValidationFailed with one message per field,
    every message ours (translated, naming the limit), never pydantic's."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "_"
            kind = err["type"]
            if err.get("input") in (None, "") and kind.endswith(("_type", "_parsing")):
                kind = "missing"  # a select left on "choose…" or a number left empty: nothing was given
            errors.setdefault(field, _message(model, field, kind, err.get("ctx") or {}))
        raise ValidationFailed(errors) from None


def _message(model: type[BaseModel], field: str, kind: str, ctx: dict[str, Any]) -> str:
    """Our wording for each pydantic error type the input models can produce."""
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])  # raised by our own validators, already translated
    if kind == "missing":
        return _("required")
    if kind == "extra_forbidden":
        return _("not a field of this form")
    if kind == "string_too_long":
        return ngettext("at most {n} character", "at most {n} characters", ctx.get("max_length") or 0).format(
            n=ctx.get("max_length"))
    if kind == "string_too_short":
        return ngettext("at least {n} character", "at least {n} characters", ctx.get("min_length") or 0).format(
            n=ctx.get("min_length"))
    if kind.startswith("string_"):
        return _("text expected")
    if kind.startswith("int_") or kind in ("float_parsing", "float_type"):
        return _("a whole number, e.g. 3")
    if kind.startswith("decimal_"):
        return _("a number such as 120, 85.50 or 1,200.50")
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bounds = _bounds(model, field)
        if bounds is not None:
            return _("a whole number from {lo} to {hi}").format(lo=bounds[0], hi=bounds[1])
        limit = next((ctx[k] for k in ("ge", "gt", "le", "lt") if k in ctx), "?")
        return {
            "greater_than_equal": _("at least {n}"), "greater_than": _("more than {n}"),
            "less_than_equal": _("at most {n}"), "less_than": _("less than {n}"),
        }[kind].format(n=limit)
    if kind in ("literal_error", "enum"):
        return _("one of: {choices}").format(choices=", ".join(_choices(model, field)))
    if kind in ("is_instance_of", "datetime_type", "datetime_parsing", "datetime_from_date_parsing"):
        return _("a date and time")
    if kind.startswith("date_"):
        return _("a date like 2026-03-31")
    if kind.startswith("bool_"):
        return _("yes or no")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return _("the form data is not a set of fields")
    return _("not a valid value")


def _bounds(model: type[BaseModel], field: str) -> tuple[Any, Any] | None:
    """Both ends of a range, so a too-low and a too-high value read the same."""
    info = model.model_fields.get(field)
    if info is None:
        return None
    lo = next((m.ge for m in info.metadata if getattr(m, "ge", None) is not None), None)
    hi = next((m.le for m in info.metadata if getattr(m, "le", None) is not None), None)
    return (lo, hi) if lo is not None and hi is not None else None


def _choices(model: type[BaseModel], field: str) -> list[str]:
    info = model.model_fields.get(field)
    args = get_args(info.annotation) if info is not None else ()
    # ``Literal[...] | None`` nests the literal one level down.
    flat = [a for arg in args for a in (get_args(arg) or (arg,))]
    return [str(a) for a in flat if isinstance(a, str | int)]
