// Small building blocks shared by the pages.

import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { message } from '../api';
import { conditionTone, type Tone } from '../lib/health';
import { age, dateTime } from '../lib/time';
import { store, useNow, useStore } from '../store';
import type { Condition } from '../types';

/** Badge is a state in words, with a tone colour and a mark drawn by CSS (never colour alone).
 * Its text (and test id) is the state alone, e.g. "Paused". */
export function Badge(props: { tone: Tone; children: ComponentChildren; title?: string; testid?: string }) {
  return (
    <span class={`badge tone-${props.tone}`} title={props.title} data-testid={props.testid}>
      {props.children}
    </span>
  );
}

/** Age shows how long ago a time was, with the full time as a tooltip. */
export function Age(props: { time: string | number | undefined | null; suffix?: string }) {
  const now = useNow();
  if (props.time === undefined || props.time === null || props.time === '') return <span class="muted">–</span>;
  return (
    <time dateTime={typeof props.time === 'number' ? new Date(props.time).toISOString() : props.time} title={dateTime(props.time)}>
      {age(props.time, now)}
      {props.suffix ?? ' ago'}
    </time>
  );
}

/** Conditions is the table of an object's status conditions. */
export function Conditions(props: { conditions: Condition[] | undefined; caption?: string }) {
  const conds = props.conditions ?? [];
  if (conds.length === 0) return <p class="muted">No conditions reported yet.</p>;
  return (
    <table class="grid conditions">
      {props.caption && <caption>{props.caption}</caption>}
      <thead>
        <tr>
          <th scope="col">Type</th>
          <th scope="col">Status</th>
          <th scope="col">Reason</th>
          <th scope="col">Message</th>
          <th scope="col">Since</th>
        </tr>
      </thead>
      <tbody>
        {conds.map((c) => (
          <tr key={c.type}>
            <th scope="row">{c.type}</th>
            <td>
              <Badge tone={conditionTone(c)}>{c.status}</Badge>
            </td>
            <td>{c.reason || '–'}</td>
            <td class="wrap">{c.message || ''}</td>
            <td class="nowrap">
              <Age time={c.lastTransitionTime} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** ErrorText shows a failure in a role=alert element. */
export function ErrorText(props: { error: unknown; prefix?: string }) {
  if (!props.error) return null;
  return (
    <p class="error" role="alert">
      {props.prefix}
      {message(props.error)}
    </p>
  );
}

/** Loading is shown while a page's first read runs. */
export function Loading(props: { what?: string }) {
  return (
    <p class="muted" role="status">
      Loading{props.what ? ` ${props.what}` : ''}…
    </p>
  );
}

/** Meter is a horizontal bar of used against total, labelled in words. */
export function Meter(props: { used: number | undefined; total: number | undefined; label: string; warnAt?: number }) {
  const { used, total } = props;
  const share = used !== undefined && total ? Math.min(1, Math.max(0, used / total)) : undefined;
  const tone = share === undefined ? 'unknown' : share >= (props.warnAt ?? 0.9) ? 'bad' : share >= 0.75 ? 'warn' : 'ok';
  return (
    <div class={`meter tone-${tone}`} role="img" aria-label={props.label} title={props.label}>
      {share !== undefined && <div class="meter-fill" style={{ width: `${(share * 100).toFixed(1)}%` }} />}
    </div>
  );
}

export interface Segment {
  key: string;
  value: number;
  ready: number;
  label: string;
}

/** StackedBar shows shares side by side (replicas per cluster), each with its ready part. */
export function StackedBar(props: { segments: Segment[]; label: string; total?: number }) {
  const total = props.total ?? props.segments.reduce((s, x) => s + x.value, 0);
  return (
    <div class="stacked" role="img" aria-label={props.label} title={props.label}>
      {total > 0 &&
        props.segments.map((s, i) =>
          s.value > 0 ? (
            <div key={s.key} class={`stacked-seg c${i % 6}`} style={{ width: `${((s.value / total) * 100).toFixed(2)}%` }} title={s.label}>
              <div class="stacked-ready" style={{ width: `${s.value ? Math.min(100, (s.ready / s.value) * 100).toFixed(1) : 0}%` }} />
            </div>
          ) : null,
        )}
    </div>
  );
}

// Only one confirmation is open at a time, so a test or a keyboard user finds one "Confirm".
const openConfirm = store<string | undefined>(undefined);
let confirmIds = 0;

export interface ConfirmProps {
  /** label of the button that asks, e.g. "Abort". */
  label: string;
  /** question shown in the confirmation, e.g. "Abort the rollout of web-7d9f?". */
  question: string;
  /** run does the action; its failure is shown by the caller (return a rejected promise). */
  run: () => Promise<unknown>;
  variant?: 'primary' | 'danger' | 'plain';
  disabled?: boolean;
  testid?: string;
}

/**
 * ConfirmButton asks before it acts: the first press shows the question with Confirm and
 * Cancel (Escape cancels), and Confirm runs the action.
 */
export function ConfirmButton(props: ConfirmProps) {
  const id = useRef(`c${++confirmIds}`);
  const open = useStore(openConfirm) === id.current;
  const [busy, setBusy] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const askRef = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(false);
  useEffect(() => {
    if (open) confirmRef.current?.focus();
    else if (wasOpen.current && document.activeElement === document.body) askRef.current?.focus();
    wasOpen.current = open;
  }, [open]);
  useEffect(() => () => {
    if (openConfirm.get() === id.current) openConfirm.set(undefined);
  }, []);
  const cls = `btn ${props.variant ?? 'plain'}`;
  if (!open) {
    return (
      <button type="button" ref={askRef} class={cls} disabled={props.disabled || busy} onClick={() => openConfirm.set(id.current)} data-testid={props.testid}>
        {busy ? `${props.label}…` : props.label}
      </button>
    );
  }
  const cancel = () => openConfirm.set(undefined);
  return (
    <span
      class="confirm"
      role="group"
      aria-label={props.question}
      onKeyDown={(e) => {
        if (e.key === 'Escape') cancel();
      }}
    >
      <span class="confirm-q">{props.question}</span>
      <button
        type="button"
        ref={confirmRef}
        class={`btn ${props.variant === 'danger' ? 'danger' : 'primary'}`}
        onClick={() => {
          openConfirm.set(undefined);
          setBusy(true);
          props.run().finally(() => {
            setBusy(false);
            askRef.current?.focus();
          });
        }}
      >
        Confirm
      </button>
      <button type="button" class="btn plain" onClick={cancel}>
        Cancel
      </button>
    </span>
  );
}

/** ActionStatus shows the result of the last action: success politely, failure as an alert. */
export function ActionStatus(props: { result: { ok: boolean; text: string } | undefined; testid?: string }) {
  const r = props.result;
  return (
    <div class="action-status" data-testid={props.testid}>
      <p aria-live="polite" class="ok-text">
        {r && r.ok ? r.text : ''}
      </p>
      {r && !r.ok && (
        <p role="alert" class="error">
          {r.text}
        </p>
      )}
    </div>
  );
}

/** useAction runs actions and remembers the last result for ActionStatus. */
export function useAction(after?: () => void) {
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const run = async <T,>(what: () => Promise<T>, okText: string | ((answer: T) => string)) => {
    setResult(undefined);
    try {
      const answer = await what();
      setResult({ ok: true, text: typeof okText === 'function' ? okText(answer) : okText });
      after?.();
    } catch (e) {
      setResult({ ok: false, text: message(e) });
    }
  };
  return { result, run, clear: () => setResult(undefined) };
}

/** KV is a compact description list. */
export function KV(props: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="kv">
      {props.items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
