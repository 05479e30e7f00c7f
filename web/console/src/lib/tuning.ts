// How tuning changes are written: "cpu req 500m→250m, mem lim 512Mi→384Mi" (as the CLI does).

import type { ContainerChange, ResourceRequirements } from '../types';
import { formatResource, parseQuantity } from './quantity';

export const tunedValues = [
  { resource: 'cpu', field: 'requests', short: 'cpu req' },
  { resource: 'cpu', field: 'limits', short: 'cpu lim' },
  { resource: 'memory', field: 'requests', short: 'mem req' },
  { resource: 'memory', field: 'limits', short: 'mem lim' },
] as const;

/** value is one tuned value as text: the quantity formatted, or "unset". */
export function value(r: ResourceRequirements | undefined, resource: string, field: 'requests' | 'limits'): string {
  const q = r?.[field]?.[resource];
  return q === undefined || q === '' ? 'unset' : formatResource(resource, q);
}

function same(a: string | undefined, b: string | undefined): boolean {
  if (a === b) return true;
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  return x !== undefined && y !== undefined && Math.abs(x - y) <= Math.abs(x) * 1e-9;
}

export interface ValueChange {
  short: string;
  before: string;
  after: string;
}

/** valueChanges lists the tuned values that differ between before and after. */
export function valueChanges(before: ResourceRequirements | undefined, after: ResourceRequirements | undefined): ValueChange[] {
  const out: ValueChange[] = [];
  for (const v of tunedValues) {
    if (!same(before?.[v.field]?.[v.resource], after?.[v.field]?.[v.resource])) {
      out.push({ short: v.short, before: value(before, v.resource, v.field), after: value(after, v.resource, v.field) });
    }
  }
  return out;
}

/** changeText writes one container's change: "cpu req 500m→250m, mem lim unset→1Gi" or "no change". */
export function changeText(c: ContainerChange): string {
  const list = valueChanges(c.before, c.after);
  return list.length ? list.map((v) => `${v.short} ${v.before}→${v.after}`).join(', ') : 'no change';
}

/** percentChange is the relative change of a value, e.g. "-50%", or "" when not comparable. */
export function percentChange(before: string | undefined, after: string | undefined): string {
  const a = parseQuantity(before);
  const b = parseQuantity(after);
  if (a === undefined || b === undefined || a === 0 || same(before, after)) return '';
  const p = Math.round(((b - a) / a) * 100);
  return `${p > 0 ? '+' : ''}${p}%`;
}
