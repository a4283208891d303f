// Renders a tool result: its card model (see card.ts) or, without one, its text content.
// Every CRM/model string goes through h() children, i.e. text nodes.

import { type Card, type Deal, type Problem, type ToolResult, cardOf, list, textOf } from "./card";
import { type Child, append, h, srOnly, uid } from "./dom";
import { day, instant, money, num } from "./format";

/** What the rendered card may do; deal.ts implements it with the App. */
export interface Ctx {
  /** Calls a server tool through the host; `done` puts the result in place of the card that asked. */
  call(name: string, args: Record<string, unknown>, done: Done, trigger: HTMLElement): void;
  open(url: string): void;
  say(text: string): void;
}

/** Shows a new result in place of the card that made the call; returns what to focus. */
export type Done = (result: ToolResult) => HTMLElement | undefined;

type Tone = "success" | "info" | "warning" | "danger";

// The outcome in words (and a glyph that only decorates): meaning never rests on colour alone.
const OUTCOMES: Record<string, [label: string, tone: Tone, glyph: string]> = {
  created: ["Created", "success", "✓"],
  replayed: ["Already created: nothing new written", "info", "↺"],
  duplicate: ["Existing deal: nothing written", "warning", "="],
  dryRun: ["Dry run: nothing sent", "info", "○"],
  updated: ["Updated", "success", "✓"],
  unchanged: ["Unchanged: already so", "info", "="],
  refused: ["Refused: nothing written", "warning", "!"],
  failed: ["Failed", "danger", "✕"],
  found: ["Search results", "info", ""],
};

/** Outcomes whose deals (those with an id) offer the stage and amount changes. */
const EDITABLE = new Set(["created", "replayed", "duplicate", "updated", "unchanged", "found"]);

const heading = (level: number, props: Parameters<typeof h>[1], ...children: Child[]): HTMLHeadingElement =>
  h(`h${Math.min(Math.max(level, 2), 6)}` as "h2", props, ...children);

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** The result as a card (or its text when it has no card model). `level` is its top heading level. */
export function renderResult(result: ToolResult, ctx: Ctx, level: number, done: Done, dealHeading = true): HTMLElement {
  const card = cardOf(result);
  return card ? renderCard(card, ctx, level, done, dealHeading) : renderText(result, level);
}

export function renderText(result: ToolResult, level: number): HTMLElement {
  const text = textOf(result);
  const [label, tone] = result.isError ? ["Error", "danger"] : ["Result", "info"];
  return h(
    "article",
    { class: "card", attrs: { "data-outcome": result.isError ? "error" : "text" } },
    h("p", `badge tone-${tone}`, label),
    heading(level, { class: "headline focus-target", attrs: { tabindex: "-1" } }, result.isError ? "The call failed" : "Result"),
    h("p", "text", text || "The result had no text."),
  );
}

export function renderCard(card: Card, ctx: Ctx, level: number, done: Done, dealHeading = true): HTMLElement {
  const [label, tone, glyph] = OUTCOMES[card.outcome] ?? [card.outcome, "info", ""];
  const deals = list(card.deals);
  const single = card.outcome !== "found" && deals.length > 0 ? deals[0] : undefined;
  // With one deal the deal's name is the heading; otherwise the headline is.
  const headlineIsHeading = !(single && dealHeading);
  const headline = headlineIsHeading
    ? heading(level, "headline", card.headline)
    : h("p", "headline", card.headline);
  headline.classList.add("focus-target");
  headline.tabIndex = -1;

  const art = h(
    "article",
    { class: "card", attrs: { "data-outcome": card.outcome } },
    h("p", `badge tone-${tone}`, glyph && h("span", { attrs: { "aria-hidden": "true" } }, glyph, " "), label),
    headline,
    warnings(card),
  );

  switch (card.outcome) {
    case "dryRun":
      art.append(confirmBar(card, ctx, done));
      break;
    case "refused":
      art.append(problems(card, ctx, done, level));
      break;
    case "found":
      art.append(foundList(card, ctx, level + 1));
      return art;
  }
  // A card other than "found" shows its first deal (the contract gives at most one).
  if (single) art.append(dealView(single, card, ctx, level, done, dealHeading));
  else if (list(card.changes).length) art.append(changes(card, level + 1));
  return art;
}

function warnings(card: Card): HTMLElement | null {
  const ws = list(card.warnings).filter((w) => typeof w === "string" && w);
  if (!ws.length) return null;
  return h(
    "div",
    { class: "warnings", attrs: { role: "note" } },
    h("p", "warnings-title", h("span", { attrs: { "aria-hidden": "true" } }, "⚠ "), ws.length > 1 ? "Warnings" : "Warning"),
    h("ul", null, ws.map((w) => h("li", null, w))),
  );
}

function confirmBar(card: Card, ctx: Ctx, done: Done): HTMLElement {
  const args = card.confirm;
  const text = card.tool === "create_opportunity" ? "Create this deal" : "Make this change";
  // Without confirm the call would write nothing new (the headline says why): no button.
  if (!args) return h("div", "confirm", h("p", null, "Nothing was sent to Lightfield."));
  const btn = h("button", { class: "primary", attrs: { type: "button", "data-act": "" } }, text);
  btn.addEventListener("click", () => ctx.call(card.tool, args, done, btn));
  return h("div", "confirm", h("p", null, "Nothing was sent to Lightfield."), btn);
}

function problems(card: Card, ctx: Ctx, done: Done, level: number): HTMLElement {
  const ps = list(card.problems);
  return h(
    "section",
    "problems",
    heading(level + 1, null, ps.length > 1 ? "Problems" : "Problem"),
    h("ol", null, ps.map((p) => problem(p, card, ctx, done))),
  );
}

function problem(p: Problem, card: Card, ctx: Ctx, done: Done): HTMLElement {
  const choices = list(p.choices).filter((c) => c && typeof c.arguments === "object" && c.arguments);
  return h(
    "li",
    null,
    h("p", "message", str(p.message) ?? "Something in the call needs changing."),
    str(p.path) && h("p", "path", "At ", h("code", null, p.path!)),
    choices.length > 0 &&
      h(
        "ul",
        { class: "choices", attrs: { "aria-label": "Choices" } },
        choices.map((c) => {
          const detail = str(c.detail);
          const btn = h(
            "button",
            { attrs: { type: "button", "data-act": "" } },
            "Pick ",
            h("strong", null, str(c.name) ?? str(c.id) ?? "this one"),
            detail && h("span", "detail", ` (${detail})`),
          );
          btn.addEventListener("click", () => ctx.call(card.tool, c.arguments!, done, btn));
          return h("li", null, btn);
        }),
      ),
  );
}

function changes(card: Card, level: number): HTMLElement {
  const val = (v: unknown): string =>
    v === null || v === undefined || v === "" ? "(none)" : typeof v === "number" ? num(v) : typeof v === "string" ? v : JSON.stringify(v);
  return h(
    "section",
    "changes",
    heading(level, null, "Changes"),
    h(
      "ul",
      null,
      list(card.changes).map((c) =>
        h(
          "li",
          null,
          h("span", "key", str(c.label) ?? str(c.key) ?? "Field"),
          ": ",
          h("span", "before", val(c.before)),
          h("span", { class: "arrow", attrs: { "aria-hidden": "true" } }, " → "),
          srOnly(" changed to "),
          h("span", "after", val(c.after)),
        ),
      ),
    ),
  );
}

const dealName = (d: Deal): string => str(d.name) ?? "Untitled deal";
const currencyOf = (d: Deal, card: Card): string | undefined => str(d.currency) ?? str(card.currency);

/** A deal in full: heading, pipeline, facts, changes (when the card has them) and its actions. */
function dealView(deal: Deal, card: Card, ctx: Ctx, level: number, done: Done, withHeading: boolean): HTMLElement {
  return h(
    "section",
    "deal",
    withHeading && heading(level, "deal-name", dealName(deal)),
    list(card.changes).length > 0 && changes(card, level + 1),
    facts(deal, card),
    actions(deal, card, ctx, done, withHeading),
  );
}

function facts(deal: Deal, card: Card): HTMLElement {
  const rows: [string, Child][] = [];
  const stages = list(card.stages).filter((s) => typeof s === "string");
  const stage = str(deal.stage);
  if (stage && stages.includes(stage)) {
    rows.push([
      "Stage",
      h(
        "ol",
        { class: "pipeline", attrs: { "aria-label": "Pipeline" } },
        stages.map((s) =>
          s === stage ? h("li", { class: "current", attrs: { "aria-current": "step" } }, s, srOnly(" (current)")) : h("li", null, s),
        ),
      ),
    ]);
  } else if (stage) rows.push(["Stage", stage]);
  if (typeof deal.amount === "number") rows.push(["Amount", money(deal.amount, currencyOf(deal, card))]);
  if (str(deal.closeDate)) rows.push(["Close date", h("time", { attrs: { datetime: deal.closeDate } }, day(deal.closeDate!))]);
  if (deal.account) rows.push(["Account", str(deal.account.name) ?? str(deal.account.id) ?? "(unnamed)"]);
  if (deal.owner) rows.push(["Owner", str(deal.owner.name) ?? str(deal.owner.id) ?? "(unnamed)"]);
  const people = list(deal.people);
  if (people.length)
    rows.push([
      people.length > 1 ? "People" : "Person",
      h(
        "ul",
        "people",
        people.map((p) => h("li", null, str(p.name) ?? str(p.id) ?? "(unnamed)", str(p.role) && h("span", "role", ` (${p.role})`))),
      ),
    ]);
  if (deal.followUp && (str(deal.followUp.title) || str(deal.followUp.due)))
    rows.push([
      "Follow-up",
      [
        str(deal.followUp.title) ?? "Follow-up",
        str(deal.followUp.due) && [", due ", h("time", { attrs: { datetime: deal.followUp.due } }, day(deal.followUp.due!))],
        str(deal.followUp.assignee) && `, assigned to ${deal.followUp.assignee}`,
      ],
    ]);
  if (str(deal.note)) rows.push(["Note", h("span", "note", deal.note!)]);
  if (str(deal.createdAt)) rows.push(["Created", h("time", { attrs: { datetime: deal.createdAt } }, instant(deal.createdAt!))]);
  return h(
    "dl",
    "facts",
    rows.map(([k, v]) => h("div", null, h("dt", null, k), h("dd", null, v))),
  );
}

const webLink = (u: unknown): string | undefined => {
  if (typeof u !== "string") return undefined;
  try {
    const p = new URL(u).protocol;
    return p === "https:" || p === "http:" ? u : undefined;
  } catch {
    return undefined;
  }
};

function openButton(deal: Deal, ctx: Ctx): HTMLElement | null {
  const url = webLink(deal.link);
  if (!url) return null;
  return h(
    "button",
    { class: "open", attrs: { type: "button" }, on: { click: () => ctx.open(url) } },
    "Open",
    srOnly(` ${dealName(deal)}`),
    " in Lightfield",
  );
}

/** The deal's actions; `withOpen` false in a found row, whose summary line has the open button. */
function actions(deal: Deal, card: Card, ctx: Ctx, done: Done, withOpen: boolean): HTMLElement | null {
  const editable = str(deal.id) && EDITABLE.has(card.outcome);
  const open = withOpen ? openButton(deal, ctx) : null;
  if (!editable && !open) return null;
  return h("div", "actions", editable && stageForm(deal, card, ctx, done), editable && amountForm(deal, card, ctx, done), open);
}

function stageForm(deal: Deal, card: Card, ctx: Ctx, done: Done): HTMLElement {
  const id = uid("stage");
  const stages = list(card.stages).filter((s) => typeof s === "string" && s);
  const current = str(deal.stage);
  let control: HTMLSelectElement | HTMLInputElement;
  if (stages.length) {
    // The current stage is selected; one the pipeline lacks (an option ID) is kept as the first
    // option, and with none an empty first option asks for a choice.
    const options = !current ? ["", ...stages] : stages.includes(current) ? stages : [current, ...stages];
    control = h(
      "select",
      { attrs: { id, "data-act": "" } },
      options.map((s) => {
        const o = h("option", null, s || "Choose a stage");
        o.value = s;
        o.selected = s === current;
        return o;
      }),
    );
  } else {
    // No pipeline known: the stage's label as text (the server matches it or refuses with choices).
    control = h("input", { attrs: { id, type: "text", autocomplete: "off", "data-act": "" } });
    control.value = current ?? "";
  }
  const btn = h("button", { attrs: { type: "button", "data-act": "" } }, "Move");
  btn.addEventListener("click", () => {
    const v = control.value.trim();
    if (!v) return ctx.say("Choose a stage first.");
    ctx.call("update_opportunity", { opportunity: deal.id, fields: { $stage: v } }, done, btn);
  });
  return field(h("label", { attrs: { for: id } }, "Stage"), control, btn);
}

function amountForm(deal: Deal, card: Card, ctx: Ctx, done: Done): HTMLElement {
  const id = uid("amount");
  const currency = currencyOf(deal, card);
  const input = h("input", { attrs: { id, type: "number", step: "any", inputmode: "decimal", "data-act": "" } });
  if (typeof deal.amount === "number") input.value = String(deal.amount);
  const btn = h("button", { attrs: { type: "button", "data-act": "" } }, "Save");
  btn.addEventListener("click", () => {
    const n = input.valueAsNumber;
    if (!Number.isFinite(n)) return ctx.say("Enter the amount as a number.");
    ctx.call("update_opportunity", { opportunity: deal.id, fields: { $amount: n } }, done, btn);
  });
  return field(h("label", { attrs: { for: id } }, "Amount", currency && ` (${currency})`), input, btn);
}

/**
 * A label, its control and the button that sends it. Not a <form>: hosts sandbox the view, often
 * without allow-forms, and there a form's submit never fires. Enter in a text field presses the button.
 */
function field(label: HTMLLabelElement, control: HTMLInputElement | HTMLSelectElement, btn: HTMLButtonElement): HTMLElement {
  if (control instanceof HTMLInputElement)
    control.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.isComposing && !btn.disabled) {
        e.preventDefault();
        btn.click();
      }
    });
  return h("div", { class: "field", attrs: { role: "group" } }, label, control, btn);
}

function foundList(card: Card, ctx: Ctx, level: number): HTMLElement {
  const deals = list(card.deals);
  if (!deals.length) return h("p", "empty", "No deals found");
  return h("ul", { class: "rows", attrs: { "aria-label": "Deals" } }, deals.map((d) => row(d, card, ctx, level)));
}

/** One found deal: a summary line with its open link; "Details" expands the full deal with its actions. */
function row(deal: Deal, card: Card, ctx: Ctx, level: number): HTMLElement {
  let current = deal;
  let result: ToolResult | undefined; // the latest call's result made from this row
  const bodyId = uid("row");
  const head = h("div", "row-head");
  const body = h("div", { class: "row-body", attrs: { id: bodyId } });
  body.hidden = true;
  const toggle = h("button", {
    class: "ghost",
    attrs: { type: "button", "aria-expanded": "false", "aria-controls": bodyId },
    on: { click: () => setOpen(body.hidden) },
  });
  const setOpen = (open: boolean): void => {
    body.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    toggle.replaceChildren(open ? "Hide details" : "Details", srOnly(` of ${dealName(current)}`));
  };
  const done: Done = (r) => {
    result = r;
    const c = cardOf(r);
    const d = c && c.outcome !== "found" ? list(c.deals)[0] : undefined;
    if (d && (!deal.id || d.id === deal.id)) current = d;
    draw();
    setOpen(true);
    return body.querySelector<HTMLElement>(".focus-target") ?? undefined;
  };
  const draw = (): void => {
    const summary = [
      str(current.stage),
      typeof current.amount === "number" && money(current.amount, currencyOf(current, card)),
      str(current.account?.name),
      str(current.closeDate) && `closes ${day(current.closeDate!)}`,
    ].filter((s): s is string => !!s);
    head.replaceChildren();
    append(head, [
      heading(level, "row-name", dealName(current)),
      summary.length > 0 && h("p", "row-facts", summary.join(" · ")),
      h("div", "row-actions", toggle, openButton(current, ctx)),
    ]);
    body.replaceChildren(
      result
        ? renderResult(result, ctx, level + 1, done, false)
        : dealView(current, card, ctx, level + 1, done, false),
    );
  };
  setOpen(false);
  draw();
  return h("li", "row", head, body);
}
