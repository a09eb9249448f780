// The sandbox page: polls the sandbox for the workspace's state and draws it; sends what the
// person types and clicks to the sandbox, which signs it and passes it to the bot as Slack would.

import { drawHome, drawMessages } from "./messages.js";
import { drawModal } from "./modal.js";
import { setEmoji, setNames } from "./mrkdwn.js";

const POLL_MS = 700;
const $ = (id) => document.getElementById(id);

const page = {
  version: null,
  state: null,
  view: { kind: "channel", id: "C0OPS" },
  history: [],
  historyAt: 0,
};

async function api(path, body) {
  const options = body === undefined
    ? { cache: "no-store" }
    : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, options);
  const answer = await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
  if (!response.ok && answer.ok === undefined) answer.ok = false;
  return answer;
}

function toast(text) {
  const node = $("toast");
  node.textContent = text;
  node.hidden = false;
  clearTimeout(node._timer);
  node._timer = setTimeout(() => { node.hidden = true; }, 6000);
}

const actions = {
  async click(target) {
    const answer = await api("/sandbox/api/action", target);
    if (!answer.ok) toast(`The click did not reach the app: ${answer.error}${answer.detail ? ` (${answer.detail})` : ""}`);
    await refresh();
  },
};

function channelById(id) {
  return (page.state?.channels || []).find((channel) => channel.id === id);
}

function drawSidebar() {
  const list = $("channel-list");
  const buttons = page.state.channels.map((channel) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "nav-item";
    button.dataset.channel = channel.id;
    button.textContent = `# ${channel.name}`;
    const selected = page.view.kind === "channel" && page.view.id === channel.id;
    button.classList.toggle("selected", selected);
    button.addEventListener("click", () => select({ kind: "channel", id: channel.id }));
    return button;
  });
  list.replaceChildren(...buttons);
  $("nav-home").classList.toggle("selected", page.view.kind === "home");
  $("me").textContent = `@${page.state.user.name}`;
  const failures = page.state.failures || [];
  const box = $("failures");
  box.hidden = failures.length === 0;
  box.textContent = failures.length
    ? `Failed Slack calls from the bot: ${failures.map((f) => `${f.method} → ${f.error}`).join(", ")}`
    : "";
}

function drawMain() {
  const alertsId = page.state.alerts_channel;
  const home = page.view.kind === "home";
  $("home").hidden = !home;
  $("main-messages").hidden = home;
  $("composer").hidden = home;
  if (home) {
    $("main-title").textContent = "clusters · Home";
    $("main-purpose").textContent = "the App Home tab, published by the bot";
    drawHome($("home"), page.state.home, actions);
  } else {
    const channel = channelById(page.view.id) || page.state.channels[0];
    $("main-title").textContent = `#${channel.name}`;
    $("main-purpose").textContent = channel.purpose;
    $("composer-input").placeholder = `Message #${channel.name} — try /clusters help`;
    drawMessages($("main-messages"), channel.messages, actions);
  }
  // The alerts channel stays in view on the right, unless it is the one open in the middle.
  const alerts = channelById(alertsId);
  const alertsInMain = !home && page.view.id === alertsId;
  $("alerts-pane").hidden = alertsInMain || !alerts;
  if (alerts && !alertsInMain) {
    $("alerts-title").textContent = `#${alerts.name}`;
    drawMessages($("alerts-messages"), alerts.messages, actions);
  }
}

function draw() {
  if (!page.state) return;
  drawSidebar();
  drawMain();
  drawModal($("modals"), page.state.modals, api, refresh);
}

async function select(view) {
  const wasHome = page.view.kind === "home";
  page.view = view;
  if (view.kind === "channel") $("main-messages")._cache = null;
  draw();
  if (view.kind === "channel") {
    const box = $("main-messages");
    box.scrollTop = box.scrollHeight;
    $("composer-input").focus();
  } else if (!wasHome) {
    // Slack sends app_home_opened each time the tab is opened; the bot answers with views.publish.
    const answer = await api("/sandbox/api/home", {});
    if (!answer.ok) toast(`Opening Home did not reach the app: ${answer.error} (${answer.detail})`);
    await refresh();
  }
}

let refreshing = null;

async function refresh() {
  if (refreshing) return refreshing;
  refreshing = (async () => {
    try {
      const query = page.version === null ? "" : `?version=${page.version}`;
      const answer = await api(`/sandbox/api/state${query}`);
      $("connection").textContent = "connected to the sandbox";
      $("connection").classList.remove("down");
      if (answer.unchanged) return;
      page.version = answer.version;
      page.state = answer;
      setNames(answer.names);
      draw();
    } catch (error) {
      $("connection").textContent = "the sandbox is not answering";
      $("connection").classList.add("down");
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

async function send(text) {
  page.history.push(text);
  page.historyAt = page.history.length;
  const channel = page.view.kind === "channel" ? page.view.id : "C0OPS";
  const pending = api("/sandbox/api/command", { channel, text });
  setTimeout(refresh, 50);
  const answer = await pending;
  if (answer.error && !answer.entry) toast(answer.error);
  await refresh();
}

function wireComposer() {
  const input = $("composer-input");
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowUp" && page.historyAt > 0) {
      page.historyAt -= 1;
      input.value = page.history[page.historyAt];
      event.preventDefault();
    } else if (event.key === "ArrowDown" && page.historyAt < page.history.length) {
      page.historyAt += 1;
      input.value = page.history[page.historyAt] || "";
      event.preventDefault();
    }
  });
}

// A permalink from chat.getPermalink lands here as /#C0ALERTS/<ts>: open that channel.
function viewFromHash() {
  const [channel] = decodeURIComponent(location.hash.slice(1)).split("/");
  return channel && channelById(channel) ? { kind: "channel", id: channel } : null;
}

async function start() {
  setEmoji(await api("/sandbox/api/emoji").catch(() => ({})));
  window.addEventListener("hashchange", () => {
    const view = viewFromHash();
    if (view) select(view);
  });
  $("nav-home").addEventListener("click", () => select({ kind: "home" }));
  wireComposer();
  await refresh();
  if (page.state) page.view = viewFromHash() || page.view;
  if (page.state && !channelById(page.view.id)) page.view = { kind: "channel", id: page.state.channels[0].id };
  draw();
  $("composer-input").focus();
  setInterval(refresh, POLL_MS);
}

start();
