// Block Kit to DOM, for the blocks the bot sends: header, section (text, fields, accessory),
// context, divider, actions with buttons, image. Anything else is shown as a labelled box with
// its JSON, never dropped, so a developer sees what Slack would have to draw.

import { el, emojify, renderMrkdwn, renderText } from "./mrkdwn.js";

function unknownBox(what, object) {
  const kind = object && typeof object === "object" ? object.type || "?" : typeof object;
  return el("div", "bk-unknown", [
    el("div", "bk-unknown-label", [`${what} not drawn by the sandbox: ${kind}`]),
    el("pre", "bk-unknown-json", [JSON.stringify(object, null, 2)]),
  ]);
}

// Images come from the app; the page fetches nothing from outside this machine, so a remote
// image is shown as its alt text and address instead.
function isLocalUrl(url) {
  if (typeof url !== "string") return false;
  if (url.startsWith("data:image/") || url.startsWith("/")) return true;
  try {
    const parsed = new URL(url);
    return parsed.origin === location.origin || ["127.0.0.1", "localhost"].includes(parsed.hostname);
  } catch {
    return false;
  }
}

function imageNode(url, alt, className) {
  if (isLocalUrl(url)) {
    const img = el("img", className);
    img.src = url;
    img.alt = alt || "";
    return img;
  }
  return el("span", `${className} bk-image-remote`, [
    el("span", "bk-image-alt", [`🖼 ${alt || "image"}`]),
    el("span", "bk-image-url", [String(url ?? "")]),
  ]);
}

function buttonNode(element, onClick) {
  const style = element.style === "primary" || element.style === "danger" ? element.style : "";
  const label = element.text && typeof element.text.text === "string" ? element.text.text : "";
  const button = el("button", `bk-button ${style}`.trim(), [emojify(label)]);
  button.type = "button";
  if (element.action_id) button.dataset.actionId = element.action_id;
  if (element.url) button.append(el("span", "bk-button-url", [" ↗"]));
  button.addEventListener("click", async () => {
    if (element.url) window.open(element.url, "_blank", "noopener");
    button.disabled = true;
    try {
      await onClick();
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

function elementNode(element, onClick) {
  if (element && element.type === "button") return buttonNode(element, onClick);
  if (element && element.type === "image") return imageNode(element.image_url, element.alt_text, "bk-accessory-image");
  return unknownBox("Element", element);
}

function header(block) {
  return el("div", "bk-header", [renderText(block.text)]);
}

function section(block, click) {
  const main = el("div", "bk-section-main");
  if (block.text) main.append(el("div", "bk-section-text", [renderText(block.text)]));
  if (Array.isArray(block.fields) && block.fields.length > 0) {
    main.append(el("div", "bk-fields", block.fields.map((f) => el("div", "bk-field", [renderText(f)]))));
  }
  const node = el("div", "bk-section", [main]);
  if (block.accessory) {
    node.append(el("div", "bk-accessory", [elementNode(block.accessory, () => click(0))]));
  }
  return node;
}

function context(block) {
  const items = (block.elements || []).map((item) => {
    if (item && item.type === "image") return imageNode(item.image_url, item.alt_text, "bk-context-image");
    if (item && (item.type === "mrkdwn" || item.type === "plain_text")) {
      return el("span", "bk-context-text", [renderText(item)]);
    }
    return unknownBox("Context element", item);
  });
  return el("div", "bk-context", items);
}

function actions(block, click) {
  const items = (block.elements || []).map((item, index) => elementNode(item, () => click(index)));
  return el("div", "bk-actions", items);
}

function image(block) {
  const figure = el("figure", "bk-image");
  if (block.title) figure.append(el("figcaption", "bk-image-title", [renderText(block.title)]));
  figure.append(imageNode(block.image_url, block.alt_text, "bk-image-img"));
  return figure;
}

const RENDERERS = {
  header: (block) => header(block),
  section: (block, click) => section(block, click),
  context: (block) => context(block),
  divider: () => el("hr", "bk-divider"),
  actions: (block, click) => actions(block, click),
  image: (block) => image(block),
};

// Blocks as DOM; `onClick(blockIndex, elementIndex)` is called for button clicks.
export function renderBlocks(blocks, onClick) {
  const container = el("div", "bk-blocks");
  blocks.forEach((block, index) => {
    const render = block && RENDERERS[block.type];
    const click = (elementIndex) => onClick(index, elementIndex);
    let node;
    try {
      node = render ? render(block, click) : unknownBox("Block", block);
    } catch (error) {
      node = unknownBox(`Block (${error.message})`, block);
    }
    node.dataset.blockType = (block && block.type) || "?";
    container.append(node);
  });
  return container;
}

// A message body: its blocks when it has any (Slack then shows only them), else its text.
export function renderMessageBody(message, onClick) {
  if (Array.isArray(message.blocks) && message.blocks.length > 0) {
    return renderBlocks(message.blocks, onClick);
  }
  const body = el("div", "bk-blocks");
  body.append(renderMrkdwn(message.text || ""));
  if (Array.isArray(message.attachments) && message.attachments.length > 0) {
    body.append(unknownBox("Attachments", { type: "attachments", attachments: message.attachments }));
  }
  return body;
}
