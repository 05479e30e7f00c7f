// status.rollout.analysis holds only the latest measurement of each metric, so the console keeps
// the sequence it has seen, per application and revision, for the page's life and the browser
// tab's session (sessionStorage), to chart it.

import { accumulate, type MetricHistory } from './lib/rollout';
import type { AnalysisStatus } from './types';

const storageKey = 'flotilla.console.analysis';
const maxRollouts = 20;

let all: Record<string, MetricHistory> = load();

function load(): Record<string, MetricHistory> {
  try {
    const raw = sessionStorage.getItem(storageKey);
    return raw ? (JSON.parse(raw) as Record<string, MetricHistory>) : {};
  } catch {
    return {};
  }
}

function save(): void {
  try {
    const keys = Object.keys(all);
    if (keys.length > maxRollouts) for (const k of keys.slice(0, keys.length - maxRollouts)) delete all[k];
    sessionStorage.setItem(storageKey, JSON.stringify(all));
  } catch {
    // storage full or refused: the history lasts for the page's life
  }
}

/** record adds the latest measurements of a rollout and answers the history seen so far. */
export function record(key: string, analysis: AnalysisStatus | undefined): MetricHistory {
  const before = all[key] ?? {};
  const after = accumulate(before, analysis);
  if (after !== before) {
    delete all[key]; // re-insert: most recently used last
    all = { ...all, [key]: after };
    save();
  }
  return after;
}
