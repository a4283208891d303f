// The card model the server puts in a tool result's _meta["lightfield-mcp/card"]
// (the contract between the Go server and this view). Every string in it comes from
// the CRM or the model: render it as text, never as markup.

export const CARD_META_KEY = "lightfield-mcp/card";

export type Outcome =
  | "created"
  | "replayed"
  | "duplicate"
  | "dryRun"
  | "updated"
  | "unchanged"
  | "refused"
  | "failed"
  | "found";

export interface Ref {
  id?: string;
  name?: string;
}

export interface Person extends Ref {
  role?: string;
}

export interface Deal {
  id?: string;
  name?: string;
  stage?: string;
  amount?: number;
  currency?: string;
  closeDate?: string;
  account?: Ref;
  owner?: Ref;
  people?: Person[];
  note?: string;
  followUp?: { title?: string; due?: string; assignee?: string };
  link?: string;
  createdAt?: string;
}

export interface Change {
  key?: string;
  label?: string;
  before?: unknown;
  after?: unknown;
}

export interface Choice {
  id?: string;
  name?: string;
  detail?: string;
  arguments?: Record<string, unknown>;
}

export interface Problem {
  path?: string;
  message?: string;
  choices?: Choice[];
}

export interface Card {
  tool: string;
  outcome: Outcome | string;
  headline: string;
  deals?: Deal[];
  changes?: Change[];
  problems?: Problem[];
  confirm?: Record<string, unknown>;
  warnings?: string[];
  stages?: string[];
  currency?: string;
}

export interface ToolResult {
  content?: unknown;
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The card model in a result, or undefined when it has none (or not a usable one). */
export function cardOf(result: ToolResult | undefined): Card | undefined {
  const c = result?._meta?.[CARD_META_KEY];
  if (!isObject(c) || typeof c.outcome !== "string" || typeof c.tool !== "string") return undefined;
  return { ...c, headline: typeof c.headline === "string" ? c.headline : "" } as Card;
}

/** The text content of a result, its text blocks joined by newlines. */
export function textOf(result: ToolResult | undefined): string {
  const blocks = Array.isArray(result?.content) ? result.content : [];
  return blocks
    .filter((b): b is { type: "text"; text: string } => isObject(b) && b.type === "text" && typeof b.text === "string")
    .map((b) => b.text)
    .join("\n");
}

/** A list from the model, or [] when it is absent or not a list. */
export const list = <T>(v: T[] | undefined): T[] => (Array.isArray(v) ? v : []);

export { isObject };
