/*
 * token.ts — the bearer token: asked for in a form over the page when the API first
 * answers 401 (api.ts), and kept in sessionStorage, so it lives as long as the tab and
 * is written nowhere else.
 */
import { h } from "./dom";

const TOKEN_KEY = "kafdo.console.token";

export function savedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

export function askToken(wasWrong: boolean): Promise<void> {
  return new Promise((resolve) => {
    const input = h("input", {
      type: "password",
      name: "token",
      id: "token-input",
      autocomplete: "off",
      required: true,
    });
    const form = h(
      "form",
      {
        id: "token-form",
        class: "dialog",
        onsubmit: (e: Event) => {
          e.preventDefault();
          saveToken(input.value.trim());
          overlay.remove();
          resolve();
        },
      },
      h("h2", null, "Bearer token"),
      h(
        "p",
        null,
        wasWrong
          ? "The token given is not this Kafdo's. Enter the Worker's KAFDO_TOKEN:"
          : "This Kafdo asks for a bearer token (the Worker's KAFDO_TOKEN secret). It is kept in this tab only.",
      ),
      input,
      h("button", { type: "submit" }, "Use token"),
    );
    const overlay = h("div", { class: "overlay" }, form);
    document.body.append(overlay);
    input.focus();
  });
}
