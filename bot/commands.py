"""Reading `/clusters ...` text: which subcommand, which filters, public or not.

A pure parser. Mistakes raise `CommandError` naming the word that was wrong; the listener
answers with it and the usage.

    /clusters                       overview (also `list`)
    /clusters degraded | attention  shortcuts for status:Degraded / needs attention
    /clusters status:Ready gpu:h100 region:us-east-1 type:kubernetes project:p-1 name:train
    /clusters train                 free text: a name (or id) contains it; quote names with spaces
    /clusters show <name|id>        one cluster in detail
    /clusters help
    ... public                      answer in the channel instead of privately
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Collection
from dataclasses import dataclass, field

from bot.message import Refusal
from shared.enums import ClusterStatus
from shared.fleet import ClusterFilter

MAX_TEXT_CHARS = 500
PUBLIC_WORD = "public"
BUILTIN_SUBCOMMANDS = ("list", "show", "help")
SHORTCUTS = ("degraded", "attention", PUBLIC_WORD)
FILTER_KEYS = {
    "status": "status",
    "region": "region",
    "gpu": "gpu_type",
    "type": "cluster_type",
    "name": "name",
    "project": "project",
}
_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


class CommandError(Refusal):
    """The text is not a command we understand. `word` is the offending word, if one is."""

    def __init__(self, message: str, *, word: str | None = None) -> None:
        super().__init__(message)
        self.word = word


@dataclass(frozen=True, slots=True)
class Overview:
    """The fleet overview, filtered.

    Attributes:
        filter: what clusters must match (its `project_id` is left unset: see `project`).
        project: the Together project to list, from `project:`; None means the default scope.
        page: which page of a long list (0-based).
        maybe_meant: a subcommand the free text looks like a typo of (`shwo` -> `show`).
    """

    filter: ClusterFilter = field(default_factory=ClusterFilter)
    project: str | None = None
    page: int = 0
    maybe_meant: str | None = None


@dataclass(frozen=True, slots=True)
class Show:
    """One cluster in detail."""

    ref: str
    project: str | None = None


@dataclass(frozen=True, slots=True)
class Help:
    """The usage."""


@dataclass(frozen=True, slots=True)
class Extension:
    """A subcommand added by a feature (`subscribe`), with the words after it."""

    word: str
    args: tuple[str, ...]


Action = Overview | Show | Help | Extension


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed command: what to do, whether to answer publicly, and the text that asked.

    `text` is what the user typed without `public`; buttons carry it to redo the same query.
    """

    action: Action
    public: bool
    text: str


def parse_command(text: str, *, extra_words: Collection[str] = ()) -> Command:
    """Parse the text after `/clusters`.

    Args:
        text: what the user typed after the command.
        extra_words: subcommands that features added (`subscribe`, ...).

    Raises:
        CommandError: an unknown subcommand or filter, a missing argument, unbalanced quotes.
    """
    if len(text) > MAX_TEXT_CHARS:
        raise CommandError(f"That is {len(text)} characters; keep it under {MAX_TEXT_CHARS}.")
    words = split_words(text)
    public = any(word.lower() == PUBLIC_WORD for word in words)
    words = [word for word in words if word.lower() != PUBLIC_WORD]
    rest = " ".join(shlex.quote(word) if " " in word else word for word in words)
    if not words:
        return Command(Overview(), public, rest)
    first = words[0].lower()
    if first == "help":
        return Command(Help(), public, rest)
    if first == "show":
        return Command(_show(words[1:]), public, rest)
    if first in extra_words:
        return Command(Extension(first, tuple(words[1:])), public, rest)
    if first == "list":
        return Command(_overview(words[1:], extra_words, leading=False), public, rest)
    return Command(_overview(words, extra_words, leading=True), public, rest)


def split_words(text: str) -> list[str]:
    """Words, with quoted names kept whole (`"my cluster"`); Slack's curly quotes count too.

    Raises:
        CommandError: a quote is not closed.
    """
    try:
        return shlex.split(text.translate(_SMART_QUOTES))
    except ValueError:
        raise CommandError(
            'A quote is not closed. Put names with spaces in "double quotes".'
        ) from None


def _show(words: list[str]) -> Show:
    project = None
    ref_words = []
    for word in words:
        key, sep, value = word.partition(":")
        if sep and key.lower() == "project" and value:
            project = value
        else:
            ref_words.append(word)
    if not ref_words:
        raise CommandError(
            "`show` needs a cluster name or id, e.g. `/clusters show train-a`.", word="show"
        )
    return Show(" ".join(ref_words), project)


def _overview(words: list[str], extra_words: Collection[str], *, leading: bool) -> Overview:
    values: dict[str, str] = {}
    attention = False
    free: list[str] = []
    for word in words:
        key, sep, value = word.partition(":")
        if sep and " " not in key:
            attr = FILTER_KEYS.get(key.lower())
            if attr is None:
                keys = ", ".join(f"`{k}:`" for k in FILTER_KEYS)
                raise CommandError(f"Unknown filter `{key}:`. Filters are {keys}.", word=word)
            if not value:
                example = f"{key}:{_EXAMPLES[attr]}"
                raise CommandError(f"`{key}:` needs a value, e.g. `{example}`.", word=word)
            if attr in values:
                raise CommandError(f"`{key}:` is given twice.", word=word)
            values[attr] = value
        elif word.lower() == "attention":
            attention = True
        elif word.lower() == "degraded":
            if values.get("status", "degraded").lower() != "degraded":
                raise CommandError(
                    f"`{word}` and `status:{values['status']}` cannot both hold.", word=word
                )
            values["status"] = "Degraded"
        else:
            free.append(word)
    if len(free) > 1:
        if leading and free[0] == words[0]:
            raise CommandError(f"Unknown subcommand `{free[0]}`.", word=free[0])
        raise CommandError(
            f"Unexpected word `{free[1]}`: give one name to match, in quotes if it has spaces.",
            word=free[1],
        )
    maybe_meant = None
    if free:
        if "name" in values:
            raise CommandError(
                f"Unexpected word `{free[0]}`: `name:` is already given.", word=free[0]
            )
        values["name"] = free[0]
        if leading:
            maybe_meant = _closest_word(free[0], extra_words)
    flt = ClusterFilter(
        status=values.get("status"),
        region=values.get("region"),
        gpu_type=values.get("gpu_type"),
        cluster_type=values.get("cluster_type"),
        name=values.get("name"),
        needs_attention=attention,
    )
    return Overview(flt, values.get("project"), 0, maybe_meant)


def _closest_word(word: str, extra_words: Collection[str]) -> str | None:
    """What a free word looks like a typo of: a subcommand, a shortcut, or `status:<a status>`."""
    meant = {w: w for w in (*BUILTIN_SUBCOMMANDS, *SHORTCUTS, *extra_words)}
    for status in ClusterStatus.known():
        meant.setdefault(status.value.lower(), f"status:{status.value}")
    close = difflib.get_close_matches(word.lower(), list(meant), n=1, cutoff=0.75)
    return meant[close[0]] if close else None


_EXAMPLES = {
    "status": "Degraded",
    "region": "us-east-1",
    "gpu_type": "h100",
    "cluster_type": "slurm",
    "name": "train",
    "project": "proj-123",
}
