"""Reading `/clusters` text into a command, and naming the word that could not be read."""

from __future__ import annotations

import pytest

from bot import commands
from shared.fleet import ClusterFilter


@pytest.mark.parametrize("text", ["", "list", "  ", "LIST"])
def test_no_words_or_list_is_the_unfiltered_overview(text: str) -> None:
    assert commands.parse_command(text).action == commands.Overview()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("degraded", ClusterFilter(status="Degraded")),
        ("attention", ClusterFilter(needs_attention=True)),
        ("status:Ready", ClusterFilter(status="Ready")),
        ("region:us-east-1 gpu:h100", ClusterFilter(region="us-east-1", gpu_type="h100")),
        ("type:slurm name:train", ClusterFilter(cluster_type="slurm", name="train")),
        ("list train degraded", ClusterFilter(status="Degraded", name="train")),
        ('"my cluster"', ClusterFilter(name="my cluster")),
        ("“my cluster”", ClusterFilter(name="my cluster")),
        ("Status:Degraded degraded", ClusterFilter(status="Degraded")),
    ],
)
def test_filters_are_read_into_a_cluster_filter(text: str, expected: ClusterFilter) -> None:
    action = commands.parse_command(text).action
    assert isinstance(action, commands.Overview)
    assert action.filter == expected


def test_project_chooses_what_to_list_rather_than_filtering() -> None:
    action = commands.parse_command("project:proj-a degraded").action
    assert action == commands.Overview(ClusterFilter(status="Degraded"), project="proj-a")


def test_public_is_taken_out_wherever_it_is() -> None:
    command = commands.parse_command("public degraded")
    assert command.public
    assert command.text == "degraded"
    assert not commands.parse_command("degraded").public


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("show train-a", commands.Show("train-a")),
        ("show train-a project:p1 public", commands.Show("train-a", "p1")),
        ('show "name with spaces"', commands.Show("name with spaces")),
    ],
)
def test_show_takes_a_reference_and_an_optional_project(text: str, expected: commands.Show) -> None:
    assert commands.parse_command(text).action == expected


def test_help_ignores_what_follows() -> None:
    assert commands.parse_command("help me please").action == commands.Help()


def test_extension_words_become_extension_commands() -> None:
    command = commands.parse_command("subscribe project:p1 public", extra_words={"subscribe"})
    assert command.action == commands.Extension("subscribe", ("project:p1",))
    assert command.public


def test_a_word_close_to_a_subcommand_is_remembered_as_a_likely_typo() -> None:
    action = commands.parse_command("shwo").action
    assert isinstance(action, commands.Overview)
    assert action.maybe_meant == "show"
    assert action.filter.name == "shwo"
    second = commands.parse_command("subscirbe", extra_words={"subscribe"}).action
    assert isinstance(second, commands.Overview) and second.maybe_meant == "subscribe"


@pytest.mark.parametrize(
    ("text", "word", "message"),
    [
        ("colour:red", "colour:red", "Unknown filter `colour:`"),
        ("status:", "status:", "`status:` needs a value, e.g. `status:Degraded`"),
        ("region:a region:b", "region:b", "`region:` is given twice"),
        ("frobnicate everything", "frobnicate", "Unknown subcommand `frobnicate`"),
        ("list one two", "two", "Unexpected word `two`"),
        ("degraded status:Ready", "status:Ready", "`status:` is given twice"),
        ("status:Ready degraded", "degraded", "`degraded` and `status:Ready` cannot both hold"),
        ("name:a b", "b", "`name:` is already given"),
        ("show", "show", "`show` needs a cluster name or id"),
        ('"unclosed', None, "A quote is not closed"),
    ],
)
def test_mistakes_name_the_bad_word(text: str, word: str | None, message: str) -> None:
    with pytest.raises(commands.CommandError) as caught:
        commands.parse_command(text)
    assert caught.value.word == word
    assert message in caught.value.message


def test_overlong_text_is_refused_before_parsing() -> None:
    with pytest.raises(commands.CommandError, match="keep it under"):
        commands.parse_command("x" * (commands.MAX_TEXT_CHARS + 1))
