// The live stream: one EventSource on /api/v1/stream while signed in. Each `change` event is
// passed (debounced, 200 ms) to the pages' resources, which re-read what they show.

import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, message, signalUnauthorized, streamURL } from './api';
import { debounceCollect } from './lib/debounce';
import { store } from './store';
import type { ChangeEvent } from './types';

export type LiveState = 'off' | 'connecting' | 'live' | 'reconnecting';
export const liveState = store<LiveState>('off');

/** A batch of changes; `all` asks every resource to re-read (after a reconnect, changes may be lost). */
export interface Changes {
  all: boolean;
  events: ChangeEvent[];
}

const listeners = new Set<(c: Changes) => void>();
const emit = (c: Changes) => {
  for (const fn of [...listeners]) fn(c);
};
const debounced = debounceCollect<ChangeEvent>((events) => emit({ all: false, events }), 200, 1000);

let source: EventSource | undefined;
let retry: ReturnType<typeof setTimeout> | undefined;
let failures = 0;
let wasDown = false;

function open(): void {
  close();
  liveState.set(wasDown ? 'reconnecting' : 'connecting');
  const es = new EventSource(streamURL);
  source = es;
  es.onopen = () => {
    failures = 0;
    liveState.set('live');
    if (wasDown) emit({ all: true, events: [] });
    wasDown = false;
  };
  es.addEventListener('change', (e) => {
    let ev: ChangeEvent = {};
    try {
      ev = JSON.parse((e as MessageEvent<string>).data) as ChangeEvent;
    } catch {
      // a change we cannot read still means "something changed"
    }
    debounced(ev);
  });
  es.onerror = () => {
    wasDown = true;
    liveState.set('reconnecting');
    if (es.readyState !== EventSource.CLOSED) return; // the browser retries by itself
    // The server refused the stream (e.g. 401) or it closed for good: ask whoami whether the
    // session is over (the API layer shows the login page on 401), else retry with a backoff.
    es.close();
    if (source === es) source = undefined;
    failures++;
    api.whoami().then(
      () => schedule(),
      (err: unknown) => {
        if (err instanceof ApiError && err.status === 401) {
          signalUnauthorized(); // the session is over: the app shows the login page and stops the stream
          return;
        }
        console.warn('stream: ', message(err));
        schedule();
      },
    );
  };
}

function schedule(): void {
  if (retry !== undefined) clearTimeout(retry);
  const delay = Math.min(30_000, 1000 * 2 ** Math.min(failures, 5));
  retry = setTimeout(() => {
    retry = undefined;
    open();
  }, delay);
}

function close(): void {
  if (source) {
    source.onerror = null;
    source.close();
    source = undefined;
  }
}

/** startStream opens the stream (after sign-in). */
export function startStream(): void {
  failures = 0;
  wasDown = false;
  open();
}

/** stopStream closes it (sign-out, 401). */
export function stopStream(): void {
  if (retry !== undefined) clearTimeout(retry);
  retry = undefined;
  debounced.cancel();
  close();
  liveState.set('off');
}

/** onChanges subscribes to the debounced changes. */
export function onChanges(fn: (c: Changes) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** reload reads again now (after an action), keeping what is shown meanwhile. */
  reload: () => void;
}

/**
 * useResource loads what a page shows and re-reads it whenever a change the filter accepts
 * arrives on the stream (every change when there is no filter). What is shown is kept while it
 * re-reads; a failed re-read shows the error next to the last good data.
 */
export function useResource<T>(load: () => Promise<T>, deps: unknown[], filter?: (e: ChangeEvent) => boolean): Resource<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const seq = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const filterRef = useRef(filter);
  filterRef.current = filter;

  const run = (keep: boolean) => {
    const n = ++seq.current;
    if (!keep) setState({ data: undefined, error: undefined, loading: true });
    else setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (data) => {
        if (n === seq.current) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (n === seq.current) setState((s) => ({ data: s.data, error, loading: false }));
      },
    );
  };

  useEffect(() => {
    run(false);
    return onChanges((c) => {
      const f = filterRef.current;
      if (c.all || !f || c.events.some((e) => !e.kind || f(e))) run(true);
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  return { ...state, reload: () => run(true) };
}

/** kinds is a filter accepting changes of the given kinds (in one namespace, when given). */
export function kinds(list: string[], namespace?: string): (e: ChangeEvent) => boolean {
  return (e) => !!e.kind && list.includes(e.kind) && (!namespace || !e.namespace || e.namespace === namespace);
}
