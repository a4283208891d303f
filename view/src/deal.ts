// The deal card (ui://lightfield/deal): an MCP App view. It talks only to the host, through the
// ext-apps App: it renders the card model of the tool result the host sends, and the person's
// actions become tool calls the host proxies to the server (callServerTool), followed by
// updateModelContext so the model knows what happened.

// First: zod must be in jitless mode before the SDK's schemas are built (see jitless.ts).
import "./jitless";
import {
  App,
  type McpUiHostContext,
  applyDocumentTheme,
  applyHostFonts,
  applyHostStyleVariables,
} from "@modelcontextprotocol/ext-apps";
import { type ToolResult, cardOf, isObject, textOf } from "./card";
import { h } from "./dom";
import { setLocale } from "./format";
import { type Ctx, type Done, renderResult } from "./render";

const view = document.getElementById("view") as HTMLElement;
const status = document.getElementById("status") as HTMLElement;
const root = document.documentElement;

const app = new App(
  { name: "lightfield-deal", version: "1.0.0" },
  { availableDisplayModes: ["inline", "fullscreen"] },
  { autoResize: true },
);

let haveResult = false;
let busy = false;
// Every call made from this card, for the model: each update of the model's context replaces
// the one before, so it repeats them all.
const told: string[] = [];

const say = (text: string): void => {
  status.textContent = text;
};

function setBusy(on: boolean): void {
  busy = on;
  view.setAttribute("aria-busy", String(on));
  for (const el of view.querySelectorAll<HTMLButtonElement | HTMLInputElement | HTMLSelectElement>("[data-act]")) el.disabled = on;
}

/** The top-level card: a call made from it shows its result in its place. */
const showTop: Done = (result) => {
  view.replaceChildren(renderResult(result, ctx, 2, showTop));
  return view.querySelector<HTMLElement>(".focus-target") ?? undefined;
};

/** Puts a call's error on the card whose button made the call (replacing an earlier one). */
function showError(trigger: HTMLElement, text: string): void {
  const card = trigger.closest(".card");
  if (!card) return;
  card.querySelector(":scope > .call-error")?.remove();
  card.insertBefore(h("p", "call-error", h("strong", null, "Error: "), text), card.children[2] ?? null);
}

/**
 * Tells the model of a call made from the card: in its context (every call so far, since each
 * update replaces the one before), or, on a host that takes messages but no context, as a message.
 */
function tell(text: string): void {
  told.push(text);
  const caps = app.getHostCapabilities();
  if (caps?.message && !caps.updateModelContext) {
    app.sendMessage({ role: "user", content: [{ type: "text", text }] }).catch(() => say("The host was not told of this call."));
    return;
  }
  app
    .updateModelContext({ content: [{ type: "text", text: told.join("\n\n") }] })
    .catch(() => say("The host was not told of this call."));
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const ctx: Ctx = {
  say,
  async call(name, args, done, trigger) {
    if (busy) return;
    setBusy(true);
    say("Saving…");
    let result: ToolResult | undefined;
    let error = "";
    try {
      result = await app.callServerTool({ name, arguments: args });
    } catch (e) {
      error = errorText(e);
    }
    setBusy(false);
    let text: string;
    const card = result && cardOf(result);
    if (card && name === "update_opportunity" && (card.outcome === "refused" || card.outcome === "failed")) {
      // A change that did not happen: the deal stays on the card, with why, so that it can be retried.
      text = textOf(result!);
      const why = [card.headline, ...(card.problems ?? []).map((p) => p.message)].filter((s) => typeof s === "string" && s);
      showError(trigger, why.join(" ") || text);
      say(why[0] || text);
      if (trigger.isConnected) trigger.focus();
    } else if (result && card) {
      text = textOf(result);
      const target = done(result);
      say(cardOf(result)?.headline || text || "Done.");
      target?.focus();
    } else if (result) {
      // No card (a protocol-level error, say): the card stays, with the result's text on it.
      text = textOf(result) || (result.isError ? "The call failed." : "The call returned no card.");
      showError(trigger, text);
      say(text);
      if (trigger.isConnected) trigger.focus();
    } else {
      text = `The call did not go through: ${error}`;
      showError(trigger, text);
      say(text);
      if (trigger.isConnected) trigger.focus();
    }
    tell(`In the deal card, the person called ${name} with ${JSON.stringify(args)}. The result: ${text}`);
  },
  open(url) {
    app
      .openLink({ url })
      .then((r) => {
        if (r?.isError) say(`The host did not open the link: ${url}`);
      })
      .catch(() => say(`The host did not open the link: ${url}`));
  },
};

function applyContext(c: McpUiHostContext | undefined): void {
  if (!c) return;
  if (c.theme) applyDocumentTheme(c.theme);
  if (c.styles?.variables) applyHostStyleVariables(c.styles.variables);
  if (c.styles?.css?.fonts) applyHostFonts(c.styles.css.fonts);
  if (c.displayMode) root.dataset.displayMode = c.displayMode;
  if (c.platform) root.dataset.platform = c.platform;
  const inset = c.safeAreaInsets;
  if (inset)
    for (const side of ["top", "right", "bottom", "left"] as const)
      root.style.setProperty(`--safe-${side}`, `${Math.max(0, Number(inset[side]) || 0)}px`);
  const all = app.getHostContext() ?? c;
  setLocale(all.locale, all.timeZone);
}

app.ontoolinput = ({ arguments: args }) => {
  if (haveResult) return;
  const fields = isObject(args) ? args.fields : undefined;
  const name = isObject(fields) && typeof fields.$name === "string" ? fields.$name : "";
  view.replaceChildren(
    h("p", "waiting", "Waiting for the result…"),
    name && h("p", "pending-name", "Deal: ", h("strong", null, name)),
  );
};

app.ontoolresult = (result) => {
  haveResult = true;
  say("");
  showTop(result);
};

app.ontoolcancelled = () => {
  if (haveResult) return;
  view.replaceChildren(h("p", "waiting", "The call was cancelled before it returned a result."));
};

app.onhostcontextchanged = applyContext;

// The host is the parent window; opened on its own (no parent) there is nobody to talk to.
if (window.parent !== window)
  app
    .connect()
    .then(() => applyContext(app.getHostContext()))
    .catch((e: unknown) => console.warn("Not connected to a host:", errorText(e)));
