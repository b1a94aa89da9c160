/*
 * main.ts — the console's shell: the navigation bar, and the page the location's hash
 * names (#/topics, #/topics/<topic>, #/topics/<topic>/messages, #/groups,
 * #/groups/<group>, #/produce, #/charts). Hash routes need no server fallback: the
 * Worker serves one index.html at /console/ and the API beside it.
 */
import { h, replace } from "./dom";
import { saveToken, savedToken } from "./token";
import { errorNotice } from "./ui";
import { renderCharts } from "./pages/charts";
import { renderGroup } from "./pages/group";
import { renderGroups } from "./pages/groups";
import { renderMessages } from "./pages/messages";
import { renderProduce } from "./pages/produce";
import { renderTopic } from "./pages/topic";
import { renderTopics } from "./pages/topics";

export interface Route {
  parts: string[];
  query: URLSearchParams;
}

const NAV: [string, string][] = [
  ["topics", "Topics"],
  ["groups", "Consumer groups"],
  ["produce", "Produce"],
  ["charts", "Charts"],
];

function currentRoute(): Route {
  const hash = location.hash.replace(/^#\/?/, "");
  const [path = "", qs = ""] = hash.split("?", 2);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { parts: parts.length ? parts : ["topics"], query: new URLSearchParams(qs) };
}

async function renderPage(main: HTMLElement, route: Route): Promise<void> {
  const [first, second, third] = route.parts;
  if (first === "topics" && second && third === "messages") return renderMessages(main, second, route.query);
  if (first === "topics" && second) return renderTopic(main, second);
  if (first === "topics") return renderTopics(main);
  if (first === "groups" && second) return renderGroup(main, second);
  if (first === "groups") return renderGroups(main);
  if (first === "produce") return renderProduce(main, route.query);
  if (first === "charts") return renderCharts(main);
  replace(main, h("p", { class: "error" }, `No page ${location.hash}`));
}

let rendering = 0;

async function show(): Promise<void> {
  const route = currentRoute();
  for (const a of document.querySelectorAll<HTMLAnchorElement>("nav a[data-page]")) {
    a.classList.toggle("active", a.dataset.page === route.parts[0]);
  }
  const main = document.getElementById("page")!;
  const mine = ++rendering;
  main.setAttribute("aria-busy", "true");
  /* Pages draw into a detached element, swapped in when done, so a slow page never
   * overwrites the one the user moved on to. */
  const next = h("div");
  try {
    await renderPage(next, route);
  } catch (e) {
    replace(next, errorNotice(e));
  }
  if (mine !== rendering) return;
  document.getElementById("forget-token")!.hidden = savedToken() === null;
  replace(main, next);
  main.setAttribute("aria-busy", "false");
  /* Which route is on screen: what tests (and anything else watching) wait for. */
  main.dataset.drawn = location.hash;
}

function shell(): void {
  const forget = h(
    "button",
    {
      type: "button",
      class: "link",
      id: "forget-token",
      title: "Forget the bearer token kept in this tab",
      onclick: () => {
        saveToken(null);
        location.reload();
      },
    },
    "Forget token",
  );
  document.body.replaceChildren(
    h(
      "header",
      null,
      h("a", { href: "#/topics", class: "brand" }, "Kafdo console"),
      h(
        "nav",
        null,
        NAV.map(([id, text]) => h("a", { href: `#/${id}`, "data-page": id }, text)),
      ),
      forget,
    ),
    h("main", { id: "page", "aria-live": "polite" }),
  );
}

shell();
addEventListener("hashchange", show);
void show();
