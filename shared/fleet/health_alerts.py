"""Linked health-check alerts in words: why a node is to be repaired, as a person decides it.

`alert_phrase` turns one `LinkedAlert` into a line such as `GPU Xid error: Xid 79 GPU has
fallen off the bus` and a count (a multiplication sign and 3), `since 09:32 UTC`; the Slack
renderers and the MCP views both use it, so the words are the same everywhere. Plain text: each
front end escapes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from shared.enums import PHCSeverity
from shared.linked_alerts import LinkedAlert, XidEvent
from shared.timefmt import stamp

_IDENTIFIER = re.compile(r"[A-Z][A-Z0-9_]*")
_DRIVER_PREFIX = "ROBUST_CHANNEL_"
_SPELLING = {
    "NVLINK": "NVLink",
    "INFOROM": "InfoROM",
    "VGPU": "vGPU",
    "PCIE": "PCIe",
    "NVTELEMETRY": "NvTelemetry",
}
_ACRONYMS = frozenset(
    {"GPU", "ECC", "DBE", "SBE", "GSP", "RPC", "DRAM", "PMU", "MMU", "FB", "FBPA", "CE", "GR"}
    | {"SEC", "SEC2", "C2C", "SPI", "NVENC", "NVDEC", "NVJPG", "OFA", "VGA", "LTC", "FIFO"}
    | {"PBDMA", "CRC", "XID", "BIF", "EVO", "FS", "SW"}
)
_SEVERITY_WORDS = {
    PHCSeverity.INFO: "info",
    PHCSeverity.WARNING: "warning",
    PHCSeverity.CRITICAL: "critical",
}


def mnemonic_words(mnemonic: str) -> str:
    """A driver mnemonic read aloud: `ROBUST_CHANNEL_GPU_HAS_FALLEN_OFF_THE_BUS` -> `GPU has fallen
    off the bus`, `NVLINK_ERROR` -> `NVLink error`. Anything not spelt like a C identifier in
    capitals (already words, or empty) is returned as it is."""
    text = mnemonic.strip()
    if not _IDENTIFIER.fullmatch(text):
        return text
    words = text.removeprefix(_DRIVER_PREFIX).split("_")
    return " ".join(
        _SPELLING.get(word) or (word if word in _ACRONYMS or word.isdigit() else word.lower())
        for word in words
        if word
    )


def xid_phrase(event: XidEvent) -> str:
    """`Xid 79 GPU has fallen off the bus`, then the count after a multiplication sign; the count
    is left out when it is not known."""
    text = f"Xid {event.xid_code or '?'}"
    words = mnemonic_words(event.mnemonic)
    if words:
        text += f" {words}"
    if event.count > 0:
        text += f" ×{event.count}"
    return text


def severity_word(severity: PHCSeverity | None) -> str:
    """`critical`, `warning`, `info`; an unknown severity verbatim; `unknown` when absent."""
    if severity is None:
        return "unknown"
    return _SEVERITY_WORDS.get(severity, severity.value)


def alert_phrase(alert: LinkedAlert, now: datetime) -> str:
    """One alert in a line: its title, then its evidence (Xid events, Slurm's reason, or its
    summary line), since when, and when it resolved if it has."""
    evidence = ", ".join(xid_phrase(event) for event in alert.xid_events)
    if not evidence:
        evidence = alert.slurm_reason or alert.annotation.summary_line
    title = alert.title
    text = f"{title}: {evidence}" if evidence and evidence != title else title
    text += f" since {moment(alert.started_at, now)}"
    if alert.resolved_at is not None:
        text += f", resolved {moment(alert.resolved_at, now)}"
    return text


def alert_phrases(alerts: Sequence[LinkedAlert], now: datetime, *, limit: int = 3) -> list[str]:
    """Up to `limit` alerts in words, firing ones first and newest first, then `+N more alerts`."""
    ordered = firing_first(alerts)
    phrases = [alert_phrase(alert, now) for alert in ordered[:limit]]
    rest = len(ordered) - limit
    if rest > 0:
        phrases.append(f"+{rest} more alert{'s' if rest > 1 else ''}")
    return phrases


def firing_first(alerts: Sequence[LinkedAlert]) -> list[LinkedAlert]:
    """Firing alerts before resolved ones, the newest first within each."""
    return sorted(alerts, key=lambda a: (a.is_firing, a.started_at), reverse=True)


def moment(when: datetime, now: datetime) -> str:
    """`09:32 UTC` on the same UTC day as `now`, else `2026-11-30 09:32 UTC`."""
    try:
        same_day = when.astimezone(UTC).date() == now.astimezone(UTC).date()
    except OverflowError:
        same_day = False
    return f"{when.astimezone(UTC):%H:%M} UTC" if same_day else stamp(when)
