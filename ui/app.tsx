/**
 * The console's shell: the header (pages, live refresh, who the token is), the page the location hash names, and
 * the state pages share. Live refresh ticks every two seconds while the tab is visible; each tick makes every
 * page on screen read again (useLoad), so counts, statuses and histories move without a reload.
 */
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { ConsoleApi, type Whoami } from "./api.js";
import { AuditPage } from "./pages/audit.js";
import { FlowPage } from "./pages/flow.js";
import { MachinePage } from "./pages/machine.js";
import { OverviewPage } from "./pages/overview.js";
import { SearchPage } from "./pages/search.js";
import { ConsoleContext, type ConsoleState, useLoad } from "./parts/console-context.js";
import { storedToken, storeToken, TokenField } from "./parts/token-field.js";
import { parseRoute, type Route } from "./router.js";

const LIVE_INTERVAL_MS = 2000;

/** The JSON API of this origin: the console is `<base>/console`, the API `<base>/v1/…`. */
function apiBase(): string {
  return new URL(".", window.location.href).href;
}

export function App() {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash));
  const [token, setToken] = useState<string | null>(storedToken);
  const [rejected, setRejected] = useState(false);
  const [live, setLive] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") setTick((value) => value + 1);
    }, LIVE_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [live]);
  const api = useMemo(() => new ConsoleApi(apiBase(), token), [token]);
  const refresh = useCallback(() => setTick((value) => value + 1), []);
  const unauthenticated = useCallback(() => setRejected(true), []);
  const state: ConsoleState = useMemo(
    () => ({ api, tick, refresh, unauthenticated }),
    [api, tick, refresh, unauthenticated],
  );
  const useToken = (next: string | null) => {
    storeToken(next);
    setToken(next);
    setRejected(false);
  };
  return (
    <ConsoleContext.Provider value={state}>
      <header class="top">
        <a class="brand" href="#/">
          Ratchet
        </a>
        <nav>
          <NavLink route={route} page="overview" href="#/" label="Overview" />
          <NavLink route={route} page="search" href="#/search" label="Search" />
          <NavLink route={route} page="flow" href="#/flow" label="Flow" />
          <NavLink route={route} page="audit" href="#/audit" label="Audit" />
        </nav>
        <label class="live" title="Read the page again every two seconds">
          <input type="checkbox" checked={live} onChange={(event) => setLive(event.currentTarget.checked)} />{" "}
          Live
        </label>
        <Identity />
      </header>
      {(rejected || token !== null) && (
        <TokenField rejected={rejected} hasToken={token !== null} onToken={useToken} />
      )}
      <main>
        <Page route={route} />
      </main>
    </ConsoleContext.Provider>
  );
}

function NavLink(props: { route: Route; page: Route["page"]; href: string; label: string }) {
  const current =
    props.route.page === props.page || (props.page === "search" && props.route.page === "machine");
  return (
    <a href={props.href} class={current ? "current" : undefined}>
      {props.label}
    </a>
  );
}

/** The token's name and roles, once the node says who it is (`GET /v1/whoami`); nothing on a node without it. */
function Identity() {
  const { data } = useLoad<Whoami | null>((api) => api.whoami(), []);
  if (data === undefined || data === null) return null;
  const roles = Object.entries(data.roles)
    .map(([namespace, role]) => `${namespace === "*" ? "all" : namespace}: ${role}`)
    .join(", ");
  return (
    <span class="identity" data-actor={data.actor}>
      {data.auth === "none" ? "no access control" : `${data.actor} (${roles})`}
    </span>
  );
}

function Page({ route }: { readonly route: Route }) {
  switch (route.page) {
    case "overview":
      return <OverviewPage />;
    case "search":
      return <SearchPage query={route.query} />;
    case "machine":
      return <MachinePage namespace={route.namespace} id={route.id} query={route.query} />;
    case "flow":
      return <FlowPage namespace={route.namespace} query={route.query} />;
    case "audit":
      return <AuditPage query={route.query} />;
    case "not-found":
      return (
        <section>
          <h1>No such page</h1>
          <p>
            <a href="#/">Back to the overview</a>
          </p>
        </section>
      );
  }
}
