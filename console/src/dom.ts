/*
 * dom.ts — h(), the one way the console builds DOM: h("a", { href, onclick }, ...children).
 *
 * Why no framework: every page is fetched JSON laid out as tables and forms, drawn anew
 * when it loads or after an action. A dozen lines of element building do that, and the
 * bundle then depends on nothing that needs keeping up to date.
 */
export type Child = Node | string | number | null | undefined | false | Child[];
type Props = Record<string, unknown>;

/* Properties set as DOM properties rather than attributes (their live state). */
const PROPERTIES = new Set(["value", "checked", "disabled", "selected", "textContent"]);

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value as EventListener);
    } else if (PROPERTIES.has(name)) {
      (el as unknown as Record<string, unknown>)[name] = value;
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/* Replaces everything inside `parent`. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/* A table from a header row and rows of cells. */
export function table(headers: string[], rows: Child[][], props: Props = {}): HTMLTableElement {
  return h(
    "table",
    props,
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        headers.map((t) => h("th", null, t)),
      ),
    ),
    h(
      "tbody",
      null,
      rows.map((cells) =>
        h(
          "tr",
          null,
          cells.map((c) => h("td", null, c)),
        ),
      ),
    ),
  );
}

/* Form values of the named controls inside `form`, as strings. */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of new FormData(form)) out[name] = String(value);
  return out;
}
