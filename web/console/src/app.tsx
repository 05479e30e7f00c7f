import { Logo } from './components/Logo';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, message, onUnauthorized } from './api';
import { parseRoute, section, type Route } from './lib/route';
import { liveState, startStream, stopStream, type LiveState } from './live';
import { AppDetail } from './pages/AppDetail';
import { Apps } from './pages/Apps';
import { Audit } from './pages/Audit';
import { Autoscalers } from './pages/Autoscalers';
import { Clusters } from './pages/Clusters';
import { Login } from './pages/Login';
import { Tuning } from './pages/Tuning';
import { namespaceFilter } from './prefs';
import { useStore } from './store';
import type { WhoAmI } from './types';

type Auth = { state: 'checking' } | { state: 'signedOut'; notice?: string } | { state: 'signedIn'; who: WhoAmI } | { state: 'down'; error: string };

const nav: { id: string; label: string; href: string }[] = [
  { id: 'clusters', label: 'Fleet', href: '#/clusters' },
  { id: 'apps', label: 'Applications', href: '#/apps' },
  { id: 'autoscalers', label: 'Autoscalers', href: '#/autoscalers' },
  { id: 'tuning', label: 'Tuning', href: '#/tuning' },
  { id: 'audit', label: 'Audit', href: '#/audit' },
];

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

function title(r: Route): string {
  switch (r.page) {
    case 'clusters':
      return 'Fleet';
    case 'apps':
      return 'Applications';
    case 'app':
      return `${r.namespace}/${r.name}`;
    case 'autoscalers':
      return r.name ? `Autoscaler ${r.namespace}/${r.name}` : 'Autoscalers';
    case 'tuning':
      return r.name ? `ResourcePolicy ${r.namespace}/${r.name}` : 'Tuning';
    case 'audit':
      return 'Audit';
    case 'notfound':
      return 'Not found';
  }
}

export function App() {
  const [auth, setAuth] = useState<Auth>({ state: 'checking' });
  const route = useRoute();

  const check = () => {
    setAuth({ state: 'checking' });
    api.whoami().then(
      (who) => setAuth({ state: 'signedIn', who }),
      (e: unknown) => setAuth(e instanceof ApiError && e.status === 401 ? { state: 'signedOut' } : { state: 'down', error: message(e) }),
    );
  };

  useEffect(() => {
    onUnauthorized(() => setAuth((a) => (a.state === 'signedIn' ? { state: 'signedOut', notice: 'Your session has ended. Sign in again.' } : a.state === 'signedOut' ? a : { state: 'signedOut' })));
    check();
  }, []);

  const signedIn = auth.state === 'signedIn';
  useEffect(() => {
    if (!signedIn) return;
    startStream();
    return stopStream;
  }, [signedIn]);

  useEffect(() => {
    document.title = auth.state === 'signedIn' ? `${title(route)} · Flotilla` : 'Sign in · Flotilla';
  }, [route, auth.state]);

  if (auth.state === 'checking') {
    return (
      <main id="main" class="login">
        <p class="muted" role="status">
          Connecting to the console…
        </p>
      </main>
    );
  }
  if (auth.state === 'down') {
    return (
      <main id="main" class="login">
        <div class="login-box">
          <h1>Flotilla console</h1>
          <p class="error" role="alert">
            {auth.error}
          </p>
          <button type="button" class="btn primary" onClick={check}>
            Try again
          </button>
        </div>
      </main>
    );
  }
  if (auth.state === 'signedOut') {
    return <Login notice={auth.notice} onSignedIn={(who) => setAuth({ state: 'signedIn', who })} />;
  }
  return <Shell who={auth.who} route={route} onSignedOut={() => setAuth({ state: 'signedOut', notice: 'Signed out.' })} />;
}

function Shell(props: { who: WhoAmI; route: Route; onSignedOut: () => void }) {
  const { route } = props;
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  const key = location.hash.split('?')[0];
  // Move focus to the page on navigation (not on the first render), as a page load would.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
    scrollTo(0, 0);
  }, [key]);

  const signOut = async () => {
    try {
      await api.logout();
    } catch {
      // the session is dropped on our side either way
    }
    stopStream();
    props.onSignedOut();
  };

  const current = section(route);
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => {
        e.preventDefault();
        main.current?.focus();
      }}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/clusters">
          <Logo />{' '}
          Flotilla
        </a>
        <nav aria-label="Main">
          <ul>
            {nav.map((n) => (
              <li key={n.id}>
                <a href={n.href} aria-current={current === n.id ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="top-right">
          <NamespaceFilter />
          <LiveIndicator />
          <span class="who" title={props.who.groups?.length ? `groups: ${props.who.groups.join(', ')}` : undefined}>
            <span class="sr-only">Signed in as </span>
            <span data-testid="whoami">{props.who.user}</span>
          </span>
          <button type="button" class="btn plain" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'clusters':
      return <Clusters />;
    case 'apps':
      return <Apps />;
    case 'app':
      return <AppDetail key={`${route.namespace}/${route.name}`} namespace={route.namespace} name={route.name} />;
    case 'autoscalers':
      return <Autoscalers namespace={route.namespace} name={route.name} />;
    case 'tuning':
      return <Tuning namespace={route.namespace} name={route.name} />;
    case 'audit':
      return <Audit query={route.query} />;
    case 'notfound':
      return (
        <>
          <h1>Not found</h1>
          <p>
            There is no page at <code>{route.path}</code>. <a href="#/clusters">Go to the fleet overview</a>.
          </p>
        </>
      );
  }
}

const liveText: Record<LiveState, string> = { off: 'Offline', connecting: 'Connecting', live: 'Live', reconnecting: 'Reconnecting' };

function LiveIndicator() {
  const s = useStore(liveState);
  return (
    <span class={`live live-${s}`} aria-live="polite" data-testid="live-indicator" data-state={s} title="Live updates from the hub">
      <span class="live-dot" aria-hidden="true" />
      {liveText[s]}
    </span>
  );
}

function NamespaceFilter() {
  const ns = useStore(namespaceFilter);
  const [text, setText] = useState(ns);
  useEffect(() => setText(ns), [ns]);
  return (
    <form
      class="ns-filter"
      onSubmit={(e) => {
        e.preventDefault();
        namespaceFilter.set(text.trim());
      }}
    >
      <label for="ns-filter">Namespace</label>
      <input
        id="ns-filter"
        type="text"
        value={text}
        placeholder="all"
        size={10}
        spellcheck={false}
        autoComplete="off"
        onInput={(e) => setText((e.target as HTMLInputElement).value)}
        onBlur={() => namespaceFilter.set(text.trim())}
        title="Limit the lists of applications, autoscalers and policies to one namespace (Enter to apply)"
      />
    </form>
  );
}
