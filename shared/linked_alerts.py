"""Passive health-check alerts linked to a remediation: why Together wants to repair a node.

The shape is the official SDK's (`together.types.clusters.remediation.LinkedAlert`, SDK 3.1.1;
the seed's OpenAPI file has none). Parsing is as tolerant as the rest of the models: severity is
an open enum, every field the SDK marks optional (and `annotation`, `annotations`, `severity`)
may be missing, Xid codes sent as numbers become strings, and an unreadable part is left empty
instead of failing. An alert without its identity (`alert_name`, `cluster_id`,
`passive_health_check_alert_id`, `target_vm`, `started_at`) is left out of
`Remediation.linked_alerts`; the remediation and its cluster still parse.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, ValidationError, ValidatorFunctionWrapHandler, WrapValidator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from shared.enums import PHCSeverity
from shared.model_types import Lenient, Timestamp

# Xid codes are strings in the SDK; a gateway that sends `79` must not lose the alert over it.
_ALERT_RECORD = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


def _or_none(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError:
        return None


def _string_pairs(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    if not isinstance(value, dict):
        return {}
    return handler({k: v for k, v in value.items() if isinstance(v, (str, int, float))})


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=_ALERT_RECORD)
class XidEvent:
    """One NVIDIA Xid code seen during the alert window, e.g. `79`, its driver mnemonic, a count."""

    xid_code: str = ""
    mnemonic: str = ""
    count: int = 0


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=_ALERT_RECORD)
class XidDetails:
    """What a `DmesgXidError`-style alert saw: the Xid events of its window."""

    events: Lenient[XidEvent] = Field(default_factory=list)


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=_ALERT_RECORD)
class SlurmNodeUnavailable:
    """A Slurm node that went DOWN or DRAIN, and the reason Slurm gave."""

    reason: str = ""


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=_ALERT_RECORD)
class LinkedAlertAnnotation:
    """The alert's typed annotations: a title, this firing's summary line, a static description."""

    title: str = ""
    summary_line: str = ""
    description: str = ""
    xid: Annotated[XidDetails | None, WrapValidator(_or_none)] = None
    slurm_node_unavailable: Annotated[SlurmNodeUnavailable | None, WrapValidator(_or_none)] = None


_NO_ANNOTATION = LinkedAlertAnnotation()


def _annotation(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    return _or_none(value, handler) or _NO_ANNOTATION


@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=_ALERT_RECORD)
class LinkedAlert:
    """A passive health-check alert linked to a remediation (`Remediation.linked_alerts[]`).

    Attributes:
        alert_name: the Alertmanager alert name (`DmesgXidError`, `SlurmNodeUnavailable`).
        target_vm: the VM it fired on (a worker node's host name).
        started_at: when it first fired.
        severity: `PHC_SEVERITY_INFO`, `_WARNING` or `_CRITICAL`; an unknown value is kept.
        annotations: the legacy Alertmanager annotations, as strings.
        annotation: the same, typed: title, summary line, Xid events, Slurm reason.
        resolved_at: when it stopped firing; None while it fires.
    """

    alert_name: str
    cluster_id: str
    passive_health_check_alert_id: str
    target_vm: str
    started_at: Timestamp
    severity: Annotated[PHCSeverity | None, WrapValidator(_or_none)] = None
    annotations: Annotated[dict[str, str], WrapValidator(_string_pairs)] = Field(
        default_factory=dict
    )
    annotation: Annotated[LinkedAlertAnnotation, WrapValidator(_annotation)] = _NO_ANNOTATION
    instance_id: str | None = None
    node_remediation_intent_id: str | None = None
    resolved_at: Timestamp | None = None

    @property
    def is_firing(self) -> bool:
        return self.resolved_at is None

    @property
    def title(self) -> str:
        """The alert's title, else its legacy `summary` annotation, else its name."""
        return self.annotation.title or self.annotations.get("summary", "") or self.alert_name

    @property
    def xid_events(self) -> list[XidEvent]:
        return self.annotation.xid.events if self.annotation.xid is not None else []

    @property
    def slurm_reason(self) -> str | None:
        """The Slurm drain reason, for a Slurm node unavailable alert."""
        unavailable = self.annotation.slurm_node_unavailable
        return unavailable.reason if unavailable is not None else None
