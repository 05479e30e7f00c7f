// Time series drawn from status: an autoscaler's replicas and recommendations, a ResourcePolicy's
// requests over its revisions, a cluster's capacity.

import type { FleetAutoscaler, MemberCluster, ResourcePolicy, ResourceRequirements } from '../types';
import { parseQuantity } from './quantity';
import { parseTime } from './time';

export interface TimePoint {
  t: number;
  v: number;
}

/**
 * replicaSeries is the autoscaler's replica count over time from status.scales (each change from →
 * to), ending at the current count at `now`. Before the first change the count was its `from`.
 */
export function replicaSeries(fa: FleetAutoscaler, now: number): TimePoint[] {
  const scales = [...(fa.status?.scales ?? [])]
    .map((s) => ({ t: parseTime(s.time), from: s.from, to: s.to }))
    .filter((s): s is { t: number; from: number; to: number } => s.t !== undefined)
    .sort((a, b) => a.t - b.t);
  const current = fa.status?.currentReplicas;
  const pts: TimePoint[] = [];
  for (const s of scales) {
    if (pts.length === 0) pts.push({ t: s.t, v: s.from });
    pts.push({ t: s.t, v: s.to });
  }
  if (pts.length > 0) pts.push({ t: Math.max(now, pts[pts.length - 1]!.t), v: current ?? pts[pts.length - 1]!.v });
  return pts;
}

/** recommendationPoints are the recommendations the stabilization windows look at, oldest first. */
export function recommendationPoints(fa: FleetAutoscaler): TimePoint[] {
  return (fa.status?.recommendations ?? [])
    .map((r) => ({ t: parseTime(r.time), v: r.replicas }))
    .filter((p): p is TimePoint => p.t !== undefined)
    .sort((a, b) => a.t - b.t);
}

export interface RevisionPoint {
  revision: number;
  v: number | undefined;
}

export interface ContainerSeries {
  application: string;
  container: string;
  cpu: RevisionPoint[]; // cores
  memory: RevisionPoint[]; // bytes
}

/**
 * requestSeries follows each container's CPU and memory request over the policy's revisions
 * (status.history, oldest first): the value before the first revision that names the container,
 * then the value after each revision. A revision that does not name a container keeps its value.
 */
export function requestSeries(rp: ResourcePolicy): ContainerSeries[] {
  const history = [...(rp.status?.history ?? [])].sort((a, b) => a.revision - b.revision);
  const byKey = new Map<string, ContainerSeries>();
  const key = (a: string, c: string) => `${a}\u0000${c}`;
  const req = (r: ResourceRequirements | undefined, name: string) => parseQuantity(r?.requests?.[name]);
  // Every container any revision names, in the order first seen.
  for (const rev of history) {
    for (const c of rev.containers ?? []) {
      if (!byKey.has(key(c.application, c.container))) {
        byKey.set(key(c.application, c.container), { application: c.application, container: c.container, cpu: [], memory: [] });
      }
    }
  }
  for (const s of byKey.values()) {
    let cpu: number | undefined;
    let mem: number | undefined;
    let started = false;
    for (const rev of history) {
      const c = rev.containers?.find((x) => x.application === s.application && x.container === s.container);
      if (c) {
        if (!started) {
          // The value before the first change, drawn at the revision before it.
          cpu = req(c.before, 'cpu');
          mem = req(c.before, 'memory');
          s.cpu.push({ revision: rev.revision - 1, v: cpu });
          s.memory.push({ revision: rev.revision - 1, v: mem });
          started = true;
        }
        // after holds the container's whole resources: a request it lacks is unset.
        cpu = req(c.after, 'cpu');
        mem = req(c.after, 'memory');
      }
      if (started) {
        s.cpu.push({ revision: rev.revision, v: cpu });
        s.memory.push({ revision: rev.revision, v: mem });
      }
    }
  }
  return [...byKey.values()];
}

export interface CapacityRow {
  resource: string;
  allocatable?: number;
  requested?: number;
  available?: number;
}

/**
 * capacityRows are the cluster's cpu, memory and pods (and any other resource status reports):
 * allocatable, requested and available, with available derived when only two are reported.
 */
export function capacityRows(mc: MemberCluster): CapacityRow[] {
  const r = mc.status?.resources ?? {};
  const names = new Set<string>(['cpu', 'memory', 'pods']);
  for (const l of [r.allocatable, r.requested, r.available]) for (const k of Object.keys(l ?? {})) names.add(k);
  const rows: CapacityRow[] = [];
  for (const name of names) {
    const allocatable = parseQuantity(r.allocatable?.[name]);
    let requested = parseQuantity(r.requested?.[name]);
    let available = parseQuantity(r.available?.[name]);
    if (allocatable === undefined && requested === undefined && available === undefined) {
      if (name === 'cpu' || name === 'memory' || name === 'pods') rows.push({ resource: name });
      continue;
    }
    if (available === undefined && allocatable !== undefined && requested !== undefined) available = Math.max(0, allocatable - requested);
    if (requested === undefined && allocatable !== undefined && available !== undefined) requested = Math.max(0, allocatable - available);
    const row: CapacityRow = { resource: name };
    if (allocatable !== undefined) row.allocatable = allocatable;
    if (requested !== undefined) row.requested = requested;
    if (available !== undefined) row.available = available;
    rows.push(row);
  }
  return rows;
}
