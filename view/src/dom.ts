// A tiny DOM builder. Strings become text nodes (document.createTextNode), so data from
// the CRM or the model can never become markup; nothing here uses innerHTML.

export type Child = Node | string | number | null | undefined | false | Child[];

export interface Props {
  class?: string;
  /** Attributes set with setAttribute; never href/src/on* (no such use here). */
  attrs?: Record<string, string | undefined>;
  on?: { [K in keyof HTMLElementEventMap]?: (ev: HTMLElementEventMap[K]) => void };
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | string | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  const p: Props = typeof props === "string" ? { class: props } : (props ?? {});
  if (p.class) el.className = p.class;
  for (const [k, v] of Object.entries(p.attrs ?? {})) if (v !== undefined) el.setAttribute(k, v);
  for (const [k, fn] of Object.entries(p.on ?? {})) el.addEventListener(k, fn as EventListener);
  append(el, children);
  return el;
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

/** Text only screen readers hear (completes a short visible label). */
export const srOnly = (text: string): HTMLSpanElement => h("span", "sr-only", text);

let seq = 0;
/** A document-unique id for label/aria wiring. */
export const uid = (prefix: string): string => `${prefix}-${++seq}`;
