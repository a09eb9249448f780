"""Settings that failed validation, said in the names people set: environment variables.

pydantic reports a field (`timeout_s`, `port`); the person at the terminal set
`TOGETHER_TIMEOUT_S` or `MCP_PORT`. Every command that reads pydantic settings (`clusters-bot`,
`clusters-mcp`) words its refusal with `settings_problems`, so all of them name the variable the
same way, and none repeats a value (it may be a secret).

    try:
        together = TogetherSettings()
    except ValidationError as exc:
        for line in settings_problems(exc, TogetherSettings):
            print(f"clusters-mcp: {line}", file=sys.stderr)
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, AliasPath, SecretBytes, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

_VALUE_ERROR = "Value error, "
_HIDDEN = "***"


def settings_problems(exc: ValidationError, settings_class: type[BaseSettings]) -> list[str]:
    """One line per problem in `exc`, each naming the environment variable to fix.

    `settings_class` is the class that raised `exc`: its `env_prefix` and field aliases give the
    variable names. A missing variable is "X is not set", followed by the field's description
    when it has one; anything else is "X is invalid: <what pydantic or our validator said>.", or
    only the validator's words when they already start with the variable's name.
    Input values are never shown; a secret field's value is masked even where a validator's
    message would have quoted it.
    """
    lines: list[str] = []
    for error in exc.errors(include_url=False):
        field_name, field = _field_of(settings_class, error["loc"])
        name = env_name(settings_class, field_name, field)
        if error["type"] == "missing":
            described = f" ({field.description})" if field and field.description else ""
            lines.append(f"{name} is not set{described}.")
            continue
        message = str(error["msg"]).removeprefix(_VALUE_ERROR).rstrip(".")
        if field is not None and _is_secret(field):
            message = _mask(message, error.get("input"))
        # Our own validators may name the variable already: "CLUSTERS_ALERT_ON: unknown ..." says
        # it once more than needed, "TOGETHER_BASE_URL must start with ..." exactly enough.
        message = message.removeprefix(f"{name}: ")
        if not message.startswith(name):
            message = f"{name} is invalid: {message}"
        lines.append(f"{message}.")
    return lines


def env_name(
    settings_class: type[BaseSettings], field_name: str, field: FieldInfo | None = None
) -> str:
    """The environment variable a settings field is read from, as people write it (upper case)."""
    alias = _alias(field) if field is not None else None
    if alias is not None:
        return alias.upper()
    prefix = str(settings_class.model_config.get("env_prefix") or "")
    return f"{prefix}{field_name}".upper()


def _field_of(
    settings_class: type[BaseSettings], loc: tuple[int | str, ...]
) -> tuple[str, FieldInfo | None]:
    """The field an error location starts at, whether pydantic used its name or its alias."""
    first = str(loc[0]) if loc else ""
    fields = settings_class.model_fields
    if first in fields:
        return first, fields[first]
    for name, field in fields.items():
        if (alias := _alias(field)) is not None and alias.lower() == first.lower():
            return name, field
    return first, None


def _alias(field: FieldInfo) -> str | None:
    alias: Any = field.validation_alias or field.alias
    if isinstance(alias, AliasChoices):
        alias = next((choice for choice in alias.choices if isinstance(choice, str)), None)
    if isinstance(alias, AliasPath):
        alias = alias.path[0] if alias.path and isinstance(alias.path[0], str) else None
    return alias if isinstance(alias, str) else None


def _is_secret(field: FieldInfo) -> bool:
    annotation = str(field.annotation)
    return SecretStr.__name__ in annotation or SecretBytes.__name__ in annotation


def _mask(message: str, value: object) -> str:
    if isinstance(value, SecretStr | SecretBytes):
        value = value.get_secret_value()
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str) or not value.strip() or value not in message:
        return message
    # A value of a few characters would turn every word containing it into asterisks.
    return message.replace(value, _HIDDEN) if len(value) >= 4 else "the value was refused"
