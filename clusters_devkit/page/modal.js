// Modals the app opened with views.open: drawn over the page as Slack draws them, with their
// inputs (plain_text_input, static_select). Submit sends the values to the sandbox, which signs
// a view_submission for the app and applies its answer (close, errors, update).

import { renderBlocks } from "./blocks.js";
import { el, renderText } from "./mrkdwn.js";

function inputNode(block, error) {
  const element = block.element || {};
  const label = el("label", "modal-label", [block.label ? block.label.text : ""]);
  if (block.optional) label.append(el("span", "modal-optional", [" (optional)"]));
  let control;
  if (element.type === "static_select") {
    control = el("select", "modal-select");
    const none = el("option", "", [element.placeholder ? element.placeholder.text : "Choose"]);
    none.value = "";
    control.append(none);
    for (const option of element.options || []) {
      const item = el("option", "", [option.text ? option.text.text : option.value]);
      item.value = option.value;
      control.append(item);
    }
  } else {
    control = el(element.multiline ? "textarea" : "input", "modal-text");
    if (element.placeholder) control.placeholder = element.placeholder.text;
    if (element.max_length) control.maxLength = element.max_length;
  }
  control.dataset.blockId = block.block_id || "";
  const node = el("div", "modal-input", [label, control]);
  if (block.hint) node.append(el("div", "modal-hint", [block.hint.text]));
  if (error) node.append(el("div", "modal-error", [error]));
  return node;
}

function modalNode(modal, api, done) {
  const view = modal.view;
  const body = el("div", "modal-body");
  for (const block of view.blocks || []) {
    if (block.type === "input") body.append(inputNode(block, (modal.errors || {})[block.block_id]));
    else body.append(renderBlocks([block], () => {}));
  }
  const close = el("button", "modal-close", [view.close ? view.close.text : "Close"]);
  close.type = "button";
  close.addEventListener("click", async () => {
    await api("/sandbox/api/view_closed", { view_id: view.id });
    done();
  });
  const footer = el("div", "modal-footer", [close]);
  if (view.submit) {
    const submit = el("button", "modal-submit", [view.submit.text]);
    submit.type = "button";
    submit.addEventListener("click", async () => {
      const values = {};
      for (const control of body.querySelectorAll("[data-block-id]")) values[control.dataset.blockId] = control.value;
      submit.disabled = true;
      try {
        await api("/sandbox/api/view", { view_id: view.id, values });
      } finally {
        submit.disabled = false;
      }
      done();
    });
    footer.append(submit);
  }
  const title = el("div", "modal-title", [view.title ? renderText(view.title) : ""]);
  const box = el("div", "modal", [title, body, footer]);
  box.dataset.viewId = view.id;
  return el("div", "modal-overlay", [box]);
}

// Draw the newest open modal (or none) into `container`; an unchanged modal keeps its DOM, so
// what the person typed stays while the page polls.
export function drawModal(container, modals, api, done) {
  const modal = (modals || []).at(-1) || null;
  const signature = JSON.stringify(modal);
  if (container._signature === signature) return;
  container._signature = signature;
  container.replaceChildren(...(modal ? [modalNode(modal, api, done)] : []));
}
