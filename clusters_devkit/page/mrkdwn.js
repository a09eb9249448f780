// Slack mrkdwn to DOM nodes, never to HTML strings: text always lands in text nodes, so nothing a
// message says can inject markup into the page. Entities (&lt; &gt; &amp;) are shown as the
// characters they stand for, which is how an escaped `<!channel>` reads literally in Slack.

let emojiMap = {};

export function setEmoji(map) {
  emojiMap = map || {};
}

// The sandbox knows its people and channels, so <@U0YOU> reads "@you" and <#C0ALERTS> reads
// "#cluster-alerts", as Slack shows them; an id it does not know stays an id.
let names = { users: {}, channels: {} };

export function setNames(known) {
  names = { users: known?.users || {}, channels: known?.channels || {} };
}

export function decodeEntities(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

// Replace :shortcode: with its Unicode emoji; unknown shortcodes stay as typed, as in Slack.
export function emojify(text) {
  return text.replace(/:([a-z0-9_+'-]+):/g, (whole, name) => emojiMap[name] || whole);
}

// A DOM element with its class and children (nodes or strings, which land as text); the page's
// other modules build theirs with it too.
export function el(tag, className, children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const child of children || []) node.append(child);
  return node;
}

function plainNodes(text) {
  return [document.createTextNode(emojify(decodeEntities(text)))];
}

// Inline spans in the order Slack resolves them: code first (nothing inside is formatted), then
// links and mentions, then bold, italic and strike at word boundaries.
const INLINE = [
  { kind: "code", re: /`([^`\n]+)`/ },
  { kind: "link", re: /<([^<>\n]+)>/ },
  { kind: "bold", re: /(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?!\w)/ },
  { kind: "italic", re: /(^|[^\w_])_(?=\S)([^_\n]*?\S)_(?!\w)/ },
  { kind: "strike", re: /(^|[^\w~])~(?=\S)([^~\n]*?\S)~(?!\w)/ },
];

function earliest(text) {
  let best = null;
  for (const rule of INLINE) {
    const match = rule.re.exec(text);
    if (!match) continue;
    const prefix = rule.kind === "code" || rule.kind === "link" ? 0 : match[1].length;
    const start = match.index + prefix;
    if (best === null || start < best.start) {
      const inner = rule.kind === "code" || rule.kind === "link" ? match[1] : match[2];
      best = { kind: rule.kind, start, end: match.index + match[0].length, inner };
    }
  }
  return best;
}

export function inlineNodes(text) {
  const out = [];
  let rest = text;
  while (rest.length > 0) {
    const found = earliest(rest);
    if (found === null) {
      out.push(...plainNodes(rest));
      break;
    }
    if (found.start > 0) out.push(...plainNodes(rest.slice(0, found.start)));
    out.push(spanFor(found));
    rest = rest.slice(found.end);
  }
  return out;
}

function spanFor(found) {
  switch (found.kind) {
    case "code":
      return el("code", "md-code", [decodeEntities(found.inner)]);
    case "link":
      return linkNode(found.inner);
    case "bold":
      return el("b", "md-bold", inlineNodes(found.inner));
    case "italic":
      return el("i", "md-italic", inlineNodes(found.inner));
    default:
      return el("s", "md-strike", inlineNodes(found.inner));
  }
}

// <url|label>, <url>, <@U123>, <#C123|name>, <!here>, <!date^...|fallback>
function linkNode(inner) {
  const bar = inner.indexOf("|");
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? inner.slice(bar + 1) : "";
  if (target.startsWith("!")) {
    const word = target.slice(1).split("^")[0];
    if (word === "date") return el("span", "md-date", plainNodes(label || target));
    return el("span", "md-mention md-broadcast", ["@" + (label || word)]);
  }
  if (target.startsWith("@")) {
    const id = target.slice(1);
    return el("span", "md-mention", ["@" + (label || names.users[id] || id)]);
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    return el("span", "md-mention", ["#" + (label || names.channels[id] || id)]);
  }
  const url = decodeEntities(target);
  const shown = label ? plainNodes(label) : [url];
  if (!/^(https?:|mailto:)/i.test(url)) return el("span", "md-link-text", shown);
  const anchor = el("a", "md-link", shown);
  anchor.href = url;
  anchor.target = "_blank";
  anchor.rel = "noopener noreferrer";
  anchor.title = url;
  return anchor;
}

const LIST_ITEM = /^(\s*)([•◦▪‣\-]|\d{1,3}[.)])\s+(.*)$/;

function lineBlocks(text) {
  // Group lines: quotes (a raw `>` starts the line), list items, and plain lines.
  const out = [];
  let quote = null;
  let plain = null;
  const flushPlain = () => {
    if (plain) out.push(plain);
    plain = null;
  };
  for (const line of text.split("\n")) {
    if (line.startsWith(">")) {
      flushPlain();
      if (!quote) {
        quote = el("blockquote", "md-quote");
        out.push(quote);
      } else {
        quote.append(el("br"));
      }
      quote.append(...inlineNodes(line.replace(/^>\s?/, "")));
      continue;
    }
    quote = null;
    const item = LIST_ITEM.exec(line);
    if (item) {
      flushPlain();
      const li = el("div", "md-li", [
        el("span", "md-li-marker", [item[2]]),
        el("span", "md-li-text", inlineNodes(item[3])),
      ]);
      li.style.marginLeft = `${Math.min(item[1].length, 8) * 0.5}em`;
      out.push(li);
      continue;
    }
    if (!plain) {
      plain = el("div", "md-p");
    } else {
      plain.append(el("br"));
    }
    plain.append(...inlineNodes(line));
  }
  flushPlain();
  return out;
}

// A mrkdwn string as a DOM fragment.
export function renderMrkdwn(text) {
  const fragment = document.createDocumentFragment();
  const parts = String(text ?? "").split(/```([\s\S]*?)```/);
  parts.forEach((part, index) => {
    if (index % 2 === 1) {
      fragment.append(el("pre", "md-pre", [decodeEntities(part.replace(/^\n/, ""))]));
    } else if (part.length > 0) {
      fragment.append(...lineBlocks(part.replace(/^\n|\n$/g, "")));
    }
  });
  return fragment;
}

// A text object ({type: plain_text|mrkdwn, text, emoji}) as DOM nodes.
export function renderText(object) {
  if (!object || typeof object.text !== "string") return document.createTextNode("");
  if (object.type === "mrkdwn") return renderMrkdwn(object.text);
  const shown = object.emoji === false ? object.text : emojify(object.text);
  return document.createTextNode(shown);
}
