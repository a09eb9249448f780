"""From a request to a reply: check access, fetch from Together, judge with the fleet logic, render.

The Slack-free middle of the bot. Listeners (`bot.listeners`) read payloads into a `Requester`
and text or button state, call one method here, and send what it returns. Every error a user can
cause or meet (a typo, a refusal, Together down) comes back as a `SlackMessage`; only bugs raise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.access import AccessDenied, AccessPolicy, Requester
from bot.commands import (
    CommandError,
    Extension,
    Help,
    Overview,
    Show,
    parse_command,
)
from bot.extension import CommandHandler, CommandRequest
from bot.message import SlackMessage
from bot.render.actions import ButtonState
from bot.render.detail import DetailView, render_detail
from bot.render.errors import (
    detail_retry,
    overview_retry,
    render_command_error,
    render_refusal,
    render_together_error,
)
from bot.render.help import render_help
from bot.render.home import render_home, render_home_detail, render_home_message
from bot.render.overview import FleetView, render_overview
from shared.client import ClusterList, ClustersClient
from shared.errors import ClusterNotFoundError, TogetherError
from shared.fleet import (
    Assessment,
    FilterOptions,
    FleetJudge,
    assess,
    check_filter,
)
from shared.lookup import resolve_cluster
from shared.models import Cluster
from shared.timefmt import utcnow

# A list older than this was served from the cache, so a miss is worth one fresh look.
_STALE_FOR_LOOKUP = timedelta(seconds=1)


class Answers:
    """Answers `/clusters` commands, buttons and App Home visits.

    Args:
        clusters: the Together client (its cache absorbs bursts of identical requests).
        access: who may ask, and what each channel may see.
        extra_commands: subcommands added by features (alerts), by word.
        clock: the time now, as an aware UTC datetime (tests pin it).
        approvals: details show Approve.../Reject... on repairs waiting for approval.
    """

    def __init__(
        self,
        clusters: ClustersClient,
        access: AccessPolicy,
        *,
        extra_commands: Mapping[str, CommandHandler] | None = None,
        clock: Callable[[], datetime] = utcnow,
        approvals: bool = False,
    ) -> None:
        self.clusters = clusters
        self.approvals = approvals
        self.access = access
        self.extra_commands = dict(extra_commands or {})
        self.clock = clock
        # Concurrent commands get the same list from the client; judging it once serves them all.
        self._judge = FleetJudge()

    async def command(self, text: str, who: Requester) -> SlackMessage:
        """The reply to `/clusters <text>`; `reply.public` says whether to post it publicly."""
        try:
            self.access.check(who)
            command = parse_command(text, extra_words=self.extra_commands)
        except AccessDenied as exc:
            return render_refusal(exc.message)
        except CommandError as exc:
            return render_command_error(exc.message, self.extra_commands)
        action = command.action
        if isinstance(action, Help):
            reply = render_help(self.extra_commands)
        elif isinstance(action, Extension):
            request = CommandRequest(
                args=action.args,
                user_id=who.user_id,
                channel_id=who.channel_id,
                team_id=who.team_id,
                public=command.public,
                project_scope=self.access.project_scope(who.channel_id),
            )
            return await self.extra_commands[action.word](request)
        elif isinstance(action, Show):
            retry = detail_retry(ButtonState(cluster_id=action.ref, project=action.project))
            reply = await self._guarded(
                self._detail(action.ref, action.project, who), action.project, retry
            )
        else:
            retry = overview_retry(ButtonState(query=command.text))
            reply = await self._guarded(self._overview(action, command.text, who), None, retry)
        return replace(reply, public=command.public)

    async def overview(
        self, state: ButtonState, who: Requester, *, fresh: bool = False
    ) -> SlackMessage:
        """The overview a button asks for again (Refresh, Next, Previous, Back)."""
        try:
            self.access.check(who)
            parsed = parse_command(state.query or "", extra_words=self.extra_commands)
        except AccessDenied as exc:
            return render_refusal(exc.message)
        except CommandError as exc:
            return render_command_error(exc.message, self.extra_commands)
        action = parsed.action if isinstance(parsed.action, Overview) else Overview()
        overview = Overview(action.filter, action.project, state.page, action.maybe_meant)
        work = self._overview(overview, parsed.text, who, fresh=fresh)
        return await self._guarded(work, None, overview_retry(state))

    async def detail(
        self, state: ButtonState, who: Requester, *, fresh: bool = False
    ) -> SlackMessage:
        """The detail a Details or Refresh button asks for."""
        try:
            self.access.check(who)
        except AccessDenied as exc:
            return render_refusal(exc.message)
        if not state.cluster_id:
            return render_command_error("That button does not name a cluster.")
        return await self._guarded(
            self._detail(
                state.cluster_id,
                state.project,
                who,
                query=state.query,
                page=state.page,
                fresh=fresh,
            ),
            state.project,
            detail_retry(state),
        )

    async def home(
        self, who: Requester, cluster_id: str | None = None, *, fresh: bool = False
    ) -> dict[str, Any]:
        """The App Home view: the overview, or one cluster's detail when `cluster_id` is given."""
        try:
            self.access.check(who)
            project = self.access.project_for(who, None)
            clusters = await self.clusters.list_clusters(project, fresh=fresh)
            now, assessed = self._assess(clusters)
            if cluster_id is not None:
                cluster = resolve_cluster(clusters, cluster_id)
                detail = DetailView(assess(cluster, now), clusters.fetched_at, now)
                return render_home_detail(detail)
        except AccessDenied as exc:
            return render_home_message(render_refusal(exc.message))
        except TogetherError as exc:
            return render_home_message(render_together_error(exc))
        return render_home(self._fleet_view(clusters, now, assessed, project))

    async def _overview(
        self, overview: Overview, query: str, who: Requester, *, fresh: bool = False
    ) -> SlackMessage:
        project = self.access.project_for(who, overview.project)
        clusters = await self.clusters.list_clusters(project, fresh=fresh)
        now, assessed = self._assess(clusters)
        problems = check_filter(overview.filter, FilterOptions.of(assessed))
        if problems:
            return render_command_error(" ".join(problems), self.extra_commands)
        matching = overview.filter.apply(assessed)
        if not matching and overview.maybe_meant is not None:
            word = overview.filter.name
            return render_command_error(
                f"Unknown subcommand `{word}`, and no cluster name contains it. "
                f"Did you mean `{overview.maybe_meant}`?",
                self.extra_commands,
            )
        view = self._fleet_view(
            clusters, now, assessed, project, matching=matching, overview=overview, query=query
        )
        return render_overview(view)

    async def _detail(
        self,
        ref: str,
        asked_project: str | None,
        who: Requester,
        *,
        query: str | None = None,
        page: int = 0,
        fresh: bool = False,
    ) -> SlackMessage:
        project = self.access.project_for(who, asked_project)
        clusters, cluster = await self._find(ref, project, fresh=fresh)
        now = self.clock()
        view = DetailView(
            assessment=assess(cluster, now),
            fetched_at=clusters.fetched_at,
            now=now,
            query=query,
            page=page,
            project=self._shown_project(project),
            approvals=self.approvals,
        )
        return render_detail(view)

    async def _find(
        self, ref: str, project: str | None, *, fresh: bool
    ) -> tuple[ClusterList, Cluster]:
        clusters = await self.clusters.list_clusters(project, fresh=fresh)
        try:
            return clusters, resolve_cluster(clusters, ref)
        except ClusterNotFoundError:
            if fresh or self.clock() - clusters.fetched_at < _STALE_FOR_LOOKUP:
                raise
        clusters = await self.clusters.list_clusters(project, fresh=True)
        return clusters, resolve_cluster(clusters, ref)

    def _assess(self, clusters: ClusterList) -> tuple[datetime, list[Assessment]]:
        """The fleet judged, reusing the judgement of the same fetch made moments ago."""
        judged = self._judge.judge(clusters.project_id, clusters.fetched_at, clusters, self.clock())
        return judged.now, judged.assessments

    async def _guarded(
        self,
        work: Awaitable[SlackMessage],
        project: str | None,
        retry: tuple[dict[str, Any] | None, ...] = (),
    ) -> SlackMessage:
        """Await `work`, turning refusals and Together's errors into replies.

        `retry` are the buttons that redo the request, kept on an error so that it can be tried
        again in place.
        """
        try:
            reply = await work
        except AccessDenied as exc:
            return render_refusal(exc.message)
        except TogetherError as exc:
            return render_together_error(exc, project=project, retry=retry)
        return reply

    def _fleet_view(
        self,
        clusters: ClusterList,
        now: datetime,
        assessed: list[Assessment],
        project: str | None,
        *,
        matching: list[Assessment] | None = None,
        overview: Overview | None = None,
        query: str = "",
    ) -> FleetView:
        """The overview of `assessed` as `overview` filters and pages it (None: all of it)."""
        overview = Overview() if overview is None else overview
        return FleetView(
            matching=assessed if matching is None else matching,
            fleet_total=len(assessed),
            invalid=clusters.invalid,
            fetched_at=clusters.fetched_at,
            now=now,
            filter=overview.filter,
            project=self._shown_project(project),
            query=query,
            page=overview.page,
        )

    def _shown_project(self, project: str | None) -> str | None:
        return project or self.clusters.settings.project_id
