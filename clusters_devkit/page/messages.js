// One channel's messages: bot posts with their threads, ephemeral answers, typed commands.
// Lists are redrawn by key: a message whose JSON did not change keeps its DOM node (and its open
// JSON panel), a changed one is rebuilt in place; so updates never jump or close anything.

import { renderMessageBody } from "./blocks.js";
import { el, emojify } from "./mrkdwn.js";

const openJson = new Set();

export function timeOf(ts) {
  const seconds = Number(String(ts).split(".")[0]);
  if (!Number.isFinite(seconds) || seconds <= 0) return "";
  return new Date(seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function violationsNode(violations) {
  const box = el("div", "violations", [
    el("div", "violations-title", ["⚠ Slack would reject this: it breaks Slack's limits"]),
  ]);
  const list = el("ul", "violations-list", violations.map((v) => el("li", "", [v])));
  box.append(list);
  return box;
}

function jsonPanel(key, object) {
  const details = el("details", "json", [el("summary", "json-toggle", ["JSON"])]);
  details.append(el("pre", "json-body", [JSON.stringify(object, null, 2)]));
  details.open = openJson.has(key);
  details.addEventListener("toggle", () => {
    if (details.open) openJson.add(key);
    else openJson.delete(key);
  });
  return details;
}

function botMessage(entry, actions) {
  const message = entry.message;
  const meta = el("div", "msg-meta", [
    el("span", "msg-author", ["clusters"]),
    el("span", "msg-app-badge", ["APP"]),
    el("span", "msg-time", [timeOf(entry.ts)]),
  ]);
  if (message.edited) meta.append(el("span", "msg-edited", ["(edited)"]));
  if (entry.ephemeral) meta.append(el("span", "msg-only-you", ["Only visible to you"]));
  const body = el("div", "msg-body", [meta]);
  if (entry.violations.length > 0) body.append(violationsNode(entry.violations));
  body.append(
    renderMessageBody(message, (block, element) =>
      actions.click({ channel: entry.channel, ts: entry.ts, ephemeral: entry.ephemeral, block, element }),
    ),
  );
  if (Array.isArray(message.reactions) && message.reactions.length > 0) {
    const chips = message.reactions.map((name) => el("span", "reaction", [emojify(`:${name}:`), " 1"]));
    body.append(el("div", "reactions", chips));
  }
  body.append(jsonPanel(entry.key, message));
  const replies = entry.replies || [];
  if (replies.length > 0) {
    const thread = el("div", "thread", [
      el("div", "thread-title", [`${replies.length} ${replies.length === 1 ? "reply" : "replies"}`]),
    ]);
    for (const reply of replies) thread.append(botMessage(reply, actions));
    body.append(thread);
  }
  const node = el("div", `msg msg-${entry.kind}`, [el("div", "avatar avatar-bot", ["🤖"]), body]);
  node.dataset.ts = entry.ts;
  if (entry.violations.length > 0) node.classList.add("msg-broken");
  return node;
}

function commandEntry(entry) {
  const meta = el("div", "msg-meta", [
    el("span", "msg-author", [entry.user]),
    el("span", "msg-time", [timeOf(entry.ts)]),
  ]);
  const outcome = el("div", `cmd-outcome ${entry.ok ? "cmd-ok" : "cmd-failed"}`, [entry.outcome]);
  for (const detail of entry.details || []) outcome.append(el("div", "cmd-detail", [detail]));
  const body = el("div", "msg-body", [meta, el("div", "cmd-text", [entry.text]), outcome]);
  const node = el("div", "msg msg-command", [el("div", "avatar avatar-you", ["🙂"]), body]);
  node.dataset.ts = entry.ts;
  return node;
}

function entryNode(entry, actions) {
  return entry.kind === "command" ? commandEntry(entry) : botMessage(entry, actions);
}

// Draw `entries` into `container`, reusing unchanged nodes; keeps the view pinned to the bottom
// when it was there before.
export function drawMessages(container, entries, actions) {
  const cache = container._cache || new Map();
  const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 60;
  const next = new Map();
  const nodes = entries.map((entry) => {
    const signature = JSON.stringify(entry);
    const cached = cache.get(entry.key);
    const node = cached && cached.signature === signature ? cached.node : entryNode(entry, actions);
    next.set(entry.key, { signature, node });
    return node;
  });
  if (nodes.length === 0) nodes.push(el("div", "empty", [container.dataset.empty || "No messages yet."]));
  container.replaceChildren(...nodes);
  container._cache = next;
  if (atBottom) container.scrollTop = container.scrollHeight;
}

// The App Home tab: the published view's blocks, or a note that there is none yet.
export function drawHome(container, home, actions) {
  const signature = JSON.stringify(home);
  if (container._signature === signature) return;
  container._signature = signature;
  if (!home) {
    container.replaceChildren(el("div", "empty", ["The app has not published a Home view yet."]));
    return;
  }
  const nodes = [];
  if (home.violations.length > 0) nodes.push(violationsNode(home.violations));
  const blocks = { blocks: home.view.blocks || [], text: "" };
  nodes.push(renderMessageBody(blocks, (block, element) => actions.click({ surface: "home", block, element })));
  nodes.push(jsonPanel("home", home.view));
  container.replaceChildren(el("div", "home-view", nodes));
}
