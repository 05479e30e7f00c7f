#!/usr/bin/env node
// A mock of the console backend (docs/console-api.md) for developing and testing the console
// without a hub: it serves the built console from internal/console/web/dist, answers every API
// endpoint from fixtures (dev/fixtures.mjs), carries out the actions on its in-memory state, runs a
// small simulation (the shop/web rollout advances, analysis measurements and probes arrive) and
// streams a `change` event for everything that changes. Plain Node, no dependencies.
//
//   node dev/mock-server.mjs [--port 8091] [--host 127.0.0.1] [--tick-ms 3000] [--dist DIR]
//
// Tokens: "dev-token" signs in as alice@example.com (may do everything but scale billing/ledger,
// which answers 403 like a real RBAC refusal); "viewer-token" as viewer@example.com (read only:
// every action answers 403). --tick-ms 0 freezes the simulation (for deterministic tests).

import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fx from './fixtures.mjs';

const here = dirname(fileURLToPath(import.meta.url));

function arg(name, fallback) {
  const argv = process.argv.slice(2);
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const a = argv[i];
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[i + 1];
}

const port = Number(arg('port', process.env.PORT ?? 8091));
const host = arg('host', '127.0.0.1');
const tickMs = Number(arg('tick-ms', 3000));
const dist = resolve(arg('dist', join(here, '..', '..', '..', 'internal', 'console', 'web', 'dist')));

const tokens = {
  'dev-token': { user: 'alice@example.com', groups: ['developers', 'fleet-operators', 'system:authenticated'], canWrite: true },
  'viewer-token': { user: 'viewer@example.com', groups: ['viewers', 'system:authenticated'], canWrite: false },
};

// ---------- state ----------

const start = Date.now();
const state = {
  clusters: fx.clusters(start),
  applications: fx.applications(start),
  revisions: fx.revisions(start),
  autoscalers: fx.autoscalers(start),
  resourcePolicies: fx.resourcePolicies(start),
  events: fx.events(start),
  audit: fx.audit(start),
};
const sessions = new Map(); // session id -> identity
const pauseFor = new Map(); // application -> the duration of its current pause
let resourceVersion = 100;

const iso = (ms) => new Date(ms).toISOString();
const nsOf = (o) => o.metadata.namespace ?? '';
const findApp = (ns, name) => state.applications.find((a) => nsOf(a) === ns && a.metadata.name === name);
const touch = (o) => {
  o.metadata.resourceVersion = String(++resourceVersion);
};

// ---------- live stream ----------

const streams = new Set();

function emit(kind, namespace, name) {
  const data = JSON.stringify(namespace ? { kind, namespace, name } : { kind, name });
  for (const res of streams) res.write(`event: change\ndata: ${data}\n\n`);
}

setInterval(() => {
  for (const res of streams) res.write(': ping\n\n');
}, 15_000).unref();

function addEvent(ns, kind, name, reason, note, type = 'Normal') {
  const e = fx.event(Date.now(), { ns, kind, name, reason, note, type });
  state.events.unshift(e);
  state.events.length = Math.min(state.events.length, 200);
  emit('Event', ns, e.metadata.name);
}

function addAudit(r) {
  const rec = fx.auditRecord(Date.now(), r);
  state.audit.unshift(rec);
  state.audit.length = Math.min(state.audit.length, 1000);
  emit('AuditRecord', undefined, rec.id);
}

// ---------- rollout simulation ----------

function batchList(app) {
  const spec = app.spec.rollout?.batches ?? [];
  const list = spec.map((b) => ({ replicas: b.replicas, pause: b.pause }));
  if (!list.length || list[list.length - 1].replicas !== '100%') list.push({ replicas: '100%' });
  return list;
}

function batchReplicas(b, replicas) {
  if (replicas <= 0) return 0;
  const n = typeof b === 'number' ? b : String(b).endsWith('%') ? Math.ceil((Number(String(b).slice(0, -1)) * replicas) / 100) : Number(b);
  return Math.min(replicas, Math.max(1, n));
}

function parseDur(s) {
  const m = /^(\d+)(s|m|h)$/.exec(s ?? '');
  return m ? Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2]] : 0;
}

/** syncAppStatus derives the application's per-cluster status from its rollout and replicas. */
function syncAppStatus(app) {
  const st = app.status;
  const ro = st.rollout && st.rollout.revision === st.currentRevision ? st.rollout : undefined;
  for (const c of st.clusters) {
    const rc = ro?.clusters?.find((x) => x.name === c.name);
    if (rc) {
      rc.replicas = c.replicas;
      if (rc.revision !== ro.revision) rc.stable = Math.max(0, c.replicas - rc.canaryReady);
      c.appliedRevision = rc.revision;
      c.updatedReplicas = rc.revision === ro.revision ? c.replicas : rc.canaryReady;
    } else if (!ro) {
      c.appliedRevision = st.currentRevision;
      c.updatedReplicas = c.reachable === 'False' ? 0 : c.readyReplicas;
    }
  }
  st.replicas = st.clusters.reduce((s, c) => s + c.replicas, 0);
  st.readyReplicas = st.clusters.reduce((s, c) => s + (c.reachable === 'False' ? 0 : c.readyReplicas), 0);
  st.availableReplicas = st.readyReplicas;
  st.updatedReplicas = st.clusters.reduce((s, c) => s + (c.updatedReplicas ?? 0), 0);
  const avail = st.conditions.find((c) => c.type === 'Available');
  const ok = st.readyReplicas >= st.replicas;
  if (avail && (avail.status === 'True') !== ok) {
    avail.status = ok ? 'True' : 'False';
    avail.reason = ok ? 'ReplicasReady' : 'ReplicasNotReady';
    avail.message = ok ? 'ready replicas meet the desired count' : `${st.readyReplicas} of ${st.replicas} replicas ready`;
    avail.lastTransitionTime = iso(Date.now());
  }
}

function setProgressing(app, on, message) {
  const p = app.status.conditions.find((c) => c.type === 'Progressing');
  p.status = on ? 'True' : 'False';
  p.reason = on ? 'RolloutInProgress' : 'RolloutComplete';
  p.message = message;
  p.lastTransitionTime = iso(Date.now());
}

function waveName(app, i) {
  const waves = app.spec.rollout?.waves ?? [];
  return i < waves.length ? waves[i].name || `wave-${i + 1}` : waves.length ? 'rest' : 'all';
}

function measure(app, now) {
  const a = app.status.rollout.analysis ?? (app.status.rollout.analysis = { count: 0, metrics: [] });
  const ro = app.status.rollout;
  const canaries = ro.clusters.reduce((s, c) => s + c.canaryReady, 0);
  const jitter = (base, spread) => base + (Math.random() - 0.5) * 2 * spread;
  const metrics = [];
  for (const m of app.spec.rollout.analysis?.metrics ?? []) {
    if (m.kubernetes) metrics.push({ name: m.name, phase: 'Successful', message: `${canaries} canary pod(s) ready, 0 restarts` });
    else if (m.maxIncreaseOverStable) {
      const v = Math.max(0, jitter(0.006, 0.0025));
      const s = Math.max(0, jitter(0.0048, 0.001));
      metrics.push({ name: m.name, phase: 'Successful', value: v.toFixed(4), stableValue: s.toFixed(4), message: `${v.toFixed(4)} - ${s.toFixed(4)} <= ${m.maxIncreaseOverStable} over stable` });
    } else {
      const v = Math.max(0, jitter(0.18, 0.04));
      const ok = m.max === undefined || v <= Number(m.max);
      metrics.push({ name: m.name, phase: ok ? 'Successful' : 'Failed', value: v.toFixed(3), message: `${v.toFixed(3)} ${ok ? '<=' : '>'} max ${m.max}` });
    }
  }
  a.metrics = metrics;
  a.count = (a.count ?? 0) + 1;
  a.measuredAt = iso(now);
  a.phase = metrics.some((m) => m.phase === 'Failed') ? 'Failed' : 'Successful';
  if (a.phase === 'Successful') a.successfulAt = a.measuredAt;
}

/** stepRollout advances a rollout by one tick; it answers whether anything changed. */
function stepRollout(app, now) {
  const ro = app.status.rollout;
  if (!ro || ro.revision !== app.status.currentRevision) return false;
  const ns = nsOf(app);
  const name = app.metadata.name;
  if (ro.phase === 'Succeeded' || ro.phase === 'Aborted') return false;
  if (ro.phase === 'Aborting') {
    for (const c of ro.clusters) Object.assign(c, { revision: app.status.stableRevision, canary: 0, canaryReady: 0, stable: c.replicas, settled: true });
    Object.assign(ro, { phase: 'Aborted', finishedAt: iso(now), message: `every cluster runs ${app.status.stableRevision} again` });
    setProgressing(app, false, 'the rollout was aborted');
    addEvent(ns, 'Application', name, 'RolledBack', `every cluster runs ${app.status.stableRevision} with all replicas available`);
    return true;
  }
  if (app.spec.rollout?.paused) {
    if (ro.phase === 'Paused' && ro.reason === 'UserPaused') return false;
    Object.assign(ro, { phase: 'Paused', reason: 'UserPaused', pausedAt: iso(now), message: `paused by a user at wave ${waveName(app, ro.wave)}, batch ${ro.batch + 1}/${ro.batches}` });
    return true;
  }
  const batches = batchList(app);
  const last = ro.batch === batches.length - 1;
  const inWave = ro.clusters.filter((c) => c.wave === ro.wave);
  const hasCanary = ro.clusters.some((c) => c.canary > 0);
  if (hasCanary) measure(app, now);

  if (ro.phase === 'Paused') {
    if (ro.reason === 'PauseDuration' && now - Date.parse(ro.pausedAt) >= parseDur(pauseFor.get(app))) {
      pauseFor.delete(app);
      return advance(app, now), true;
    }
    return hasCanary;
  }

  // Progressing: move each cluster of the wave towards the batch's size.
  let ready = true;
  for (const c of inWave) {
    if (last) {
      if (c.revision !== ro.revision) {
        Object.assign(c, { revision: ro.revision, canary: 0, canaryReady: 0, stable: c.replicas, settled: false });
        ready = false;
      } else if (!c.settled) c.settled = true;
    } else {
      c.canary = batchReplicas(batches[ro.batch].replicas, c.replicas);
      if (c.canaryReady < c.canary) {
        c.canaryReady += 1;
        c.stable = c.replicas - c.canaryReady;
      }
      if (c.canaryReady < c.canary) ready = false;
    }
  }
  const wn = waveName(app, ro.wave);
  if (!ready || inWave.some((c) => (last ? !c.settled : c.canaryReady < c.canary))) {
    ro.message = last
      ? `wave ${wn}, batch ${ro.batch + 1}/${ro.batches}: updating the workload to ${ro.revision}`
      : `wave ${wn}, batch ${ro.batch + 1}/${ro.batches}: waiting for canary replicas to be ready (${inWave.map((c) => `${c.name} ${c.canaryReady}/${c.canary}`).join(', ')})`;
    return true;
  }
  // The step is ready in every cluster of the wave.
  ro.stepReadyAt = iso(now);
  const pause = last ? app.spec.rollout?.waves?.[ro.wave]?.pause : batches[ro.batch].pause;
  const lastWave = ro.wave >= ro.waves - 1;
  if (pause && !(last && lastWave)) {
    const where = last ? `wave-${ro.wave + 1}` : `wave-${ro.wave + 1}/batch-${ro.batch + 1}`;
    if (pause.duration) {
      pauseFor.set(app, pause.duration);
      Object.assign(ro, { phase: 'Paused', reason: 'PauseDuration', pausedAt: iso(now), message: `wave ${wn}, batch ${ro.batch + 1}/${ro.batches} ready; pausing ${pause.duration}` });
    } else {
      ro.gate = `${ro.revision}/${where}`;
      Object.assign(ro, { phase: 'Paused', reason: 'ManualGate', pausedAt: iso(now), message: `wave ${wn}, batch ${ro.batch + 1}/${ro.batches} ready; waiting at gate ${ro.gate} for \`flotilla rollout promote\`` });
      addEvent(ns, 'Application', name, 'RolloutPaused', `waiting at gate ${ro.gate}`);
    }
    return true;
  }
  advance(app, now);
  return true;
}

/** advance goes to the next batch, the next wave, or success. */
function advance(app, now) {
  const ro = app.status.rollout;
  const batches = batchList(app);
  delete ro.gate;
  delete ro.reason;
  delete ro.pausedAt;
  ro.phase = 'Progressing';
  if (ro.batch < batches.length - 1) {
    ro.batch += 1;
    ro.message = `wave ${waveName(app, ro.wave)}, batch ${ro.batch + 1}/${ro.batches} started`;
    addEvent(nsOf(app), 'Application', app.metadata.name, 'RolloutStep', ro.message);
    addAudit({ user: 'system:serviceaccount:flotilla-system:flotilla-controller', kind: 'controller', verb: 'rollout-step', ns: nsOf(app), name: app.metadata.name, clusters: ro.clusters.filter((c) => c.wave === ro.wave).map((c) => c.name), reason: ro.message });
    return;
  }
  if (ro.wave < ro.waves - 1) {
    ro.wave += 1;
    ro.batch = 0;
    ro.waveName = waveName(app, ro.wave);
    ro.message = `wave ${ro.waveName} started`;
    addEvent(nsOf(app), 'Application', app.metadata.name, 'RolloutStep', ro.message);
    return;
  }
  succeed(app, now);
}

function succeed(app, now) {
  const ro = app.status.rollout;
  for (const c of ro.clusters) Object.assign(c, { revision: ro.revision, canary: 0, canaryReady: 0, stable: c.replicas, settled: true });
  Object.assign(ro, { phase: 'Succeeded', finishedAt: iso(now), message: `${ro.revision} runs in every cluster` });
  delete ro.gate;
  delete ro.reason;
  app.status.stableRevision = ro.revision;
  setProgressing(app, false, 'the current revision runs everywhere');
  addEvent(nsOf(app), 'Application', app.metadata.name, 'RolloutSucceeded', ro.message);
}

/** startRollout begins the release of the current revision from the first wave. */
function startRollout(app, now) {
  const st = app.status;
  const waves = Math.max(1, (app.spec.rollout.waves ?? []).length + ((app.spec.rollout.waves ?? []).some((w) => !w.clusterNames?.length && !w.clusterSelector) ? 0 : 1));
  const waveOf = (cluster) => {
    const ws = app.spec.rollout.waves ?? [];
    const i = ws.findIndex((w) => w.clusterNames?.includes(cluster));
    if (i >= 0) return i;
    const open = ws.findIndex((w) => !w.clusterNames?.length && !w.clusterSelector);
    return open >= 0 ? open : ws.length;
  };
  st.rollout = {
    revision: st.currentRevision,
    phase: 'Progressing',
    message: 'rollout started',
    wave: 0,
    waves,
    waveName: waveName(app, 0),
    batch: 0,
    batches: batchList(app).length,
    startedAt: iso(now),
    clusters: st.clusters
      .filter((c) => c.reachable !== 'False')
      .map((c) => ({ name: c.name, wave: Math.min(waveOf(c.name), waves - 1), revision: st.stableRevision, replicas: c.replicas, canary: 0, canaryReady: 0, stable: c.replicas })),
    analysis: { count: 0, metrics: [] },
  };
  setProgressing(app, true, `rolling out ${st.currentRevision}`);
  addEvent(nsOf(app), 'Application', app.metadata.name, 'RolloutStarted', `releasing ${st.currentRevision} (stable ${st.stableRevision})`);
}

// ---------- the tick ----------

let ticks = 0;

function tick() {
  const now = Date.now();
  ticks++;
  for (const mc of state.clusters) {
    mc.status.lastProbeTime = iso(now - Math.floor(Math.random() * 1500));
    if (mc.status.conditions.find((c) => c.type === 'Reachable')?.status === 'True') {
      mc.status.lastProbeLatencyMilliseconds = Math.round(10 + Math.random() * (mc.metadata.name === 'us-east-1' ? 90 : 20));
    }
    touch(mc);
    emit('MemberCluster', undefined, mc.metadata.name);
  }
  for (const app of state.applications) {
    let changed = false;
    for (const c of app.status.clusters) {
      if (c.reachable !== 'False' && c.readyReplicas !== c.replicas) {
        c.readyReplicas += Math.sign(c.replicas - c.readyReplicas) * Math.min(2, Math.abs(c.replicas - c.readyReplicas));
        c.availableReplicas = c.readyReplicas;
        changed = true;
      }
    }
    if (stepRollout(app, now)) changed = true;
    if (changed) {
      syncAppStatus(app);
      touch(app);
      emit('Application', nsOf(app), app.metadata.name);
    }
  }
  if (ticks % 2 === 0) {
    const fa = state.autoscalers[0];
    const app = findApp(nsOf(fa), fa.spec.targetRef.name);
    const qps = 520 + Math.random() * 120;
    const want = Math.ceil(qps / 50);
    fa.status.currentMetrics = [
      { name: 'cpu', value: String(Math.round(52 + Math.random() * 10)), replicas: want },
      { name: 'qps', value: qps.toFixed(1), replicas: want },
    ];
    fa.status.recommendations = [...fa.status.recommendations.filter((r) => now - Date.parse(r.time) < 300_000), { time: iso(now), replicas: want }];
    fa.status.currentReplicas = app?.status.replicas ?? fa.status.currentReplicas;
    touch(fa);
    emit('FleetAutoscaler', nsOf(fa), fa.metadata.name);
  }
}

if (tickMs > 0) setInterval(tick, tickMs).unref();

// ---------- HTTP ----------

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  res.end(text);
}

const fail = (res, status, error, field) => send(res, status, field ? { error, field } : { error });

function cookies(req) {
  const out = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

/** identify answers the caller and how it authenticated, or undefined. */
function identify(req) {
  const auth = req.headers.authorization ?? '';
  if (auth.startsWith('Bearer ')) {
    const who = tokens[auth.slice(7).trim()];
    return who ? { who, via: 'bearer' } : undefined;
  }
  const who = sessions.get(cookies(req).flotilla_session);
  return who ? { who, via: 'cookie' } : undefined;
}

async function readJSON(req) {
  const chunks = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    if (size > 1 << 20) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw Object.assign(new Error('the request body is not JSON'), { status: 400 });
  }
}

const withNs = (items, url) => {
  const ns = url.searchParams.get('namespace');
  return { items: ns ? items.filter((o) => nsOf(o) === ns) : items };
};

function parseSince(s) {
  // Go durations: 1h30m, 90s, 2h (no days, as time.ParseDuration).
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2]];
    end = re.lastIndex;
  }
  return end > 0 && end === s.length ? total : undefined;
}

function auditQuery(url, res) {
  const q = Object.fromEntries(url.searchParams);
  const now = Date.now();
  let from = 0;
  if (q.since) {
    const d = parseSince(q.since);
    const t = Date.parse(q.since);
    if (d !== undefined) from = now - d;
    else if (!Number.isNaN(t) && /^\d{4}-/.test(q.since)) from = t;
    else return fail(res, 400, `since: "${q.since}" is neither a duration like 1h nor an RFC 3339 time`, 'since');
  }
  let to = Infinity;
  if (q.until) {
    const t = Date.parse(q.until);
    if (Number.isNaN(t)) return fail(res, 400, `until: "${q.until}" is not an RFC 3339 time`, 'until');
    to = t;
  }
  const limit = q.limit ? Number(q.limit) : 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 5000) return fail(res, 400, `limit: "${q.limit}" is not a number from 1 to 5000`, 'limit');
  if (q.source && q.source !== 'flotilla' && q.source !== 'apiserver') return fail(res, 400, `source: "${q.source}" is neither flotilla nor apiserver`, 'source');
  // As internal/audit.Filter: exact user, verb, kind, namespace and source; app matches the
  // name of an Application (or of an object named after it).
  const items = state.audit.filter((r) => {
    const t = Date.parse(r.time);
    if (t < from || t >= to) return false;
    if (q.user && r.actor.user !== q.user) return false;
    if (q.app && (r.object.name !== q.app || !['Application', 'applications', 'FleetAutoscaler', 'ResourcePolicy'].includes(r.object.kind.split('/')[0]))) return false;
    if (q.namespace && r.object.namespace !== q.namespace) return false;
    if (q.cluster && !(r.clusters ?? []).includes(q.cluster)) return false;
    if (q.verb && r.verb !== q.verb) return false;
    if (q.kind && r.object.kind !== q.kind) return false;
    if (q.source && r.source !== q.source) return false;
    return true;
  });
  return send(res, 200, { items: items.slice(0, limit) });
}

// ---------- actions ----------

function record(who, verb, obj, extra) {
  addAudit({ user: who.user, groups: who.groups, via: 'console', verb, ns: nsOf(obj), name: obj.metadata.name, objKind: obj.kind, ...extra });
}

function forbidden(res, who, verb, resource, ns, name) {
  const msg = `${resource.split('/')[0]}.flotilla.dev "${name}" is forbidden: User "${who.user}" cannot ${verb} resource "${resource}" in API group "flotilla.dev" in the namespace "${ns}"`;
  return fail(res, 403, msg);
}

function scale(res, who, app, body) {
  const n = body.replicas;
  if (!Number.isInteger(n) || n < 0) return fail(res, 400, 'replicas must be an integer, 0 or more', 'replicas');
  const ns = nsOf(app);
  if (!who.canWrite || (ns === 'billing' && app.metadata.name === 'ledger')) {
    record(who, 'scale', app, { outcome: 'denied', message: 'forbidden', before: `replicas ${app.spec.replicas}`, after: `replicas ${n}` });
    return forbidden(res, who, 'patch', 'applications/scale', ns, app.metadata.name);
  }
  const was = app.spec.replicas ?? app.status.replicas;
  app.spec.replicas = n;
  const clusters = app.status.clusters;
  const divided = app.spec.placement?.replicaScheduling?.type === 'Divided';
  clusters.forEach((c, i) => {
    c.replicas = divided ? Math.floor(n / clusters.length) + (i < n % clusters.length ? 1 : 0) : n;
  });
  syncAppStatus(app);
  touch(app);
  record(who, 'scale', app, { clusters: clusters.map((c) => c.name), before: `replicas ${was}`, after: `replicas ${n}` });
  addEvent(ns, 'Application', app.metadata.name, 'Scaled', `scaled from ${was} to ${n} by ${who.user}`);
  emit('Application', ns, app.metadata.name);
  return send(res, 200, app);
}

function undo(res, who, app, body) {
  const ns = nsOf(app);
  if (!who.canWrite) return forbidden(res, who, 'patch', 'applications', ns, app.metadata.name);
  const revs = state.revisions.filter((r) => nsOf(r) === ns && r.metadata.labels['flotilla.dev/application'] === app.metadata.name).sort((a, b) => a.spec.revision - b.spec.revision);
  const cur = revs.find((r) => r.metadata.name === app.status.currentRevision);
  let target;
  if (body.toRevision === undefined || body.toRevision === 0) target = [...revs].reverse().find((r) => r.spec.revision < (cur?.spec.revision ?? Infinity));
  else if (!Number.isInteger(body.toRevision) || body.toRevision < 0) return fail(res, 400, 'toRevision must be an integer, 0 or more', 'toRevision');
  else target = revs.find((r) => r.spec.revision === body.toRevision);
  if (!target) return fail(res, 400, `revision ${body.toRevision ?? 'previous'} is not kept for application ${app.metadata.name} (it keeps ${revs.map((r) => r.spec.revision).join(', ')})`, 'toRevision');
  if (target === cur) return fail(res, 409, `revision ${target.spec.revision} is the current revision`);
  const n = revs[revs.length - 1].spec.revision + 1;
  const name = `${app.metadata.name}-${randomBytes(5).toString('hex').slice(0, 9)}`;
  const now = Date.now();
  state.revisions.push({
    apiVersion: 'flotilla.dev/v1alpha1',
    kind: 'ApplicationRevision',
    metadata: { name, namespace: ns, uid: `uid-${name}`, creationTimestamp: iso(now), labels: { 'flotilla.dev/application': app.metadata.name } },
    spec: { revision: n, changeCause: `undo to revision ${target.spec.revision}`, resources: [] },
  });
  const before = app.status.currentRevision;
  app.status.currentRevision = name;
  app.metadata.generation += 1;
  app.status.observedGeneration = app.metadata.generation;
  if (app.spec.rollout) startRollout(app, now);
  else {
    app.status.stableRevision = name;
    for (const c of app.status.clusters) c.appliedRevision = name;
  }
  syncAppStatus(app);
  touch(app);
  record(who, 'undo', app, { reason: `undo to revision ${target.spec.revision}`, before: `revision ${before}`, after: `revision ${name}` });
  emit('ApplicationRevision', ns, name);
  emit('Application', ns, app.metadata.name);
  return send(res, 200, app);
}

function rolloutAction(res, who, app, action) {
  const ns = nsOf(app);
  const name = app.metadata.name;
  if (!['promote', 'promote-full', 'pause', 'resume', 'abort'].includes(action)) return fail(res, 404, `no rollout action "${action}"`);
  if (!who.canWrite) return forbidden(res, who, 'patch', 'applications', ns, name);
  if (!app.spec.rollout) return fail(res, 409, `application ${name} has no spec.rollout: every revision goes to every cluster at once`);
  const ro = app.status.rollout && app.status.rollout.revision === app.status.currentRevision ? app.status.rollout : undefined;
  const running = ro && (ro.phase === 'Progressing' || ro.phase === 'Paused');
  const now = Date.now();
  switch (action) {
    case 'promote':
      if (!ro?.gate) return fail(res, 409, `the rollout of ${name} is not waiting at a gate: ${ro?.message ?? 'no rollout in progress'}`);
      record(who, 'promote', app, { reason: `gate ${ro.gate}` });
      advance(app, now);
      break;
    case 'promote-full':
      if (!running) return fail(res, 409, `application ${name} has no rollout in progress`);
      record(who, 'promote-full', app, { reason: `release ${ro.revision} everywhere` });
      succeed(app, now);
      break;
    case 'pause':
      if (app.spec.rollout.paused) return fail(res, 409, `the rollout of ${name} is already paused`);
      app.spec.rollout.paused = true;
      record(who, 'pause', app, { after: 'paused' });
      stepRollout(app, now);
      break;
    case 'resume':
      app.spec.rollout.paused = false;
      record(who, 'resume', app, { after: 'resumed' });
      if (ro && ro.phase === 'Aborted') {
        startRollout(app, now);
      } else if (ro && ro.phase === 'Paused' && ['UserPaused', 'AnalysisFailed', 'AnalysisInconclusive', 'FleetFreeze'].includes(ro.reason)) {
        ro.phase = 'Progressing';
        delete ro.reason;
        delete ro.pausedAt;
        ro.message = 'resumed';
      }
      break;
    case 'abort':
      if (!running) return fail(res, 409, `application ${name} has no rollout in progress`);
      record(who, 'abort', app, { reason: `abort ${ro.revision}`, clusters: ro.clusters.map((c) => c.name) });
      Object.assign(ro, { phase: 'Aborting', reason: 'UserAborted', abortedAt: iso(now), message: `aborted by ${who.user}: every cluster goes back to ${app.status.stableRevision}` });
      delete ro.gate;
      addEvent(ns, 'Application', name, 'RolloutAborted', ro.message, 'Warning');
      break;
  }
  syncAppStatus(app);
  touch(app);
  emit('Application', ns, name);
  const said = { promote: 'opened the gate', 'promote-full': `released ${app.status.currentRevision} to every cluster`, pause: 'paused the rollout', resume: 'resumed the rollout', abort: `every cluster goes back to ${app.status.stableRevision}` };
  return send(res, 200, { message: said[action], application: app });
}

function revert(res, who, rp, body) {
  const ns = nsOf(rp);
  if (!who.canWrite) return forbidden(res, who, 'patch', 'resourcepolicies', ns, rp.metadata.name);
  const st = rp.status;
  const hist = st.history;
  const current = hist.find((h) => h.revision === st.currentRevision) ?? hist[hist.length - 1];
  let to = body.toRevision;
  if (to !== undefined && (!Number.isInteger(to) || to < 0)) return fail(res, 400, 'toRevision must be an integer, 0 or more', 'toRevision');
  let after;
  if (to === undefined) {
    const prev = [...hist].reverse().find((h) => h.revision < current.revision);
    if (!prev) return fail(res, 400, 'there is no revision before the current one', 'toRevision');
    to = prev.revision;
  }
  if (to === 0) {
    after = new Map(hist[0].containers.map((c) => [`${c.application}/${c.container}`, c.before]));
  } else {
    const target = hist.find((h) => h.revision === to);
    if (!target) return fail(res, 400, `revision ${to} is not in the history of ResourcePolicy ${rp.metadata.name} (it holds ${hist[0].revision} to ${hist[hist.length - 1].revision})`, 'toRevision');
    after = new Map(target.containers.map((c) => [`${c.application}/${c.container}`, c.after]));
  }
  const now = Date.now();
  const rev = {
    revision: hist[hist.length - 1].revision + 1,
    time: iso(now),
    reason: 'Revert',
    actor: who.user,
    message: `revert to revision ${to} asked by ${who.user}`,
    containers: current.containers.map((c) => ({ application: c.application, container: c.container, before: c.after, after: after.get(`${c.application}/${c.container}`) ?? c.after })),
  };
  hist.push(rev);
  st.currentRevision = rev.revision;
  st.pods = { total: st.pods?.total ?? 0, updated: 0, pending: st.pods?.total ?? 0 };
  st.holdUntil = iso(now + 3_600_000);
  touch(rp);
  record(who, 'revert', rp, { reason: `revert to revision ${to}`, before: `revision ${rev.revision - 1}`, after: `revert to ${to}` });
  addEvent(ns, 'ResourcePolicy', rp.metadata.name, 'Revert', rev.message);
  emit('ResourcePolicy', ns, rp.metadata.name);
  // The members report the new resources over the next ticks.
  const timer = setInterval(() => {
    if (st.pods.updated >= st.pods.total) return clearInterval(timer);
    st.pods.updated = Math.min(st.pods.total, st.pods.updated + 4);
    st.pods.pending = st.pods.total - st.pods.updated;
    touch(rp);
    emit('ResourcePolicy', ns, rp.metadata.name);
  }, Math.max(1000, tickMs || 3000));
  timer.unref();
  return send(res, 200, rp);
}

// ---------- routing ----------

async function api(req, res, url) {
  const path = url.pathname.slice('/api/v1'.length);
  const method = req.method;

  if (path === '/login' && method === 'POST') {
    const body = await readJSON(req);
    if (typeof body.token !== 'string' || !body.token) return fail(res, 400, 'token is required', 'token');
    const who = tokens[body.token.trim()];
    if (!who) return fail(res, 401, 'the hub does not accept this token (TokenReview: authenticated=false)');
    const sid = randomBytes(18).toString('base64url');
    sessions.set(sid, who);
    addAudit({ user: who.user, groups: who.groups, verb: 'login', objKind: 'Session', apiGroup: '', name: 'console', via: 'console' });
    return send(res, 200, { user: who.user, groups: who.groups }, { 'Set-Cookie': `flotilla_session=${sid}; HttpOnly; SameSite=Strict; Path=/` });
  }
  if (path === '/logout' && method === 'POST') {
    sessions.delete(cookies(req).flotilla_session);
    return send(res, 200, {}, { 'Set-Cookie': 'flotilla_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0' });
  }

  const id = identify(req);
  if (!id) return fail(res, 401, 'not signed in: send a bearer token or sign in');
  const who = id.who;

  if (method === 'POST') {
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return fail(res, 415, 'a request that changes something must send Content-Type: application/json');
    if (id.via === 'cookie' && req.headers['x-flotilla-console'] !== '1') return fail(res, 403, 'a cookie-authenticated request that changes something must send X-Flotilla-Console: 1');
  } else if (method !== 'GET') {
    return fail(res, 405, `method ${method} not allowed`);
  }

  if (method === 'GET') {
    switch (path) {
      case '/whoami':
        return send(res, 200, { user: who.user, groups: who.groups });
      case '/clusters':
        return send(res, 200, { items: state.clusters });
      case '/applications':
        return send(res, 200, withNs(state.applications, url));
      case '/autoscalers':
        return send(res, 200, withNs(state.autoscalers, url));
      case '/resourcepolicies':
        return send(res, 200, withNs(state.resourcePolicies, url));
      case '/audit':
        return auditQuery(url, res);
      case '/stream': {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
        res.write(': connected\n\n');
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
    }
  }

  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'applications' && parts.length >= 3) {
    const [, ns, name, action, sub] = parts;
    const app = findApp(ns, name);
    if (!app) return fail(res, 404, `applications.flotilla.dev "${name}" not found in namespace "${ns}"`);
    if (method === 'GET' && parts.length === 3) {
      const label = (o) => o.metadata.labels?.['flotilla.dev/application'];
      const selects = (rp) =>
        rp.spec.targetRef ? rp.spec.targetRef.name === name : Object.entries(rp.spec.selector?.matchLabels ?? {}).every(([k, v]) => app.metadata.labels?.[k] === v);
      return send(res, 200, {
        application: app,
        revisions: state.revisions.filter((r) => nsOf(r) === ns && label(r) === name).sort((a, b) => a.spec.revision - b.spec.revision),
        autoscalers: state.autoscalers.filter((f) => nsOf(f) === ns && f.spec.targetRef.name === name),
        resourcePolicies: state.resourcePolicies.filter((p) => nsOf(p) === ns && selects(p)),
        events: state.events
          .filter((e) => nsOf(e) === ns && (e.regarding.name === name || (e.regarding.kind !== 'Application' && e.regarding.name.startsWith(name))))
          .slice(0, 50),
      });
    }
    if (method === 'POST') {
      const body = await readJSON(req);
      if (action === 'scale' && parts.length === 4) return scale(res, who, app, body);
      if (action === 'undo' && parts.length === 4) return undo(res, who, app, body);
      if (action === 'rollout' && parts.length === 5) return rolloutAction(res, who, app, sub);
    }
  }
  if (parts[0] === 'resourcepolicies' && parts.length === 4 && parts[3] === 'revert' && method === 'POST') {
    const rp = state.resourcePolicies.find((p) => nsOf(p) === parts[1] && p.metadata.name === parts[2]);
    if (!rp) return fail(res, 404, `resourcepolicies.flotilla.dev "${parts[2]}" not found in namespace "${parts[1]}"`);
    return revert(res, who, rp, await readJSON(req));
  }
  return fail(res, 404, `no such endpoint: ${method} ${url.pathname}`);
}

const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png' };

function serveStatic(req, res, url) {
  let p;
  try {
    p = decodeURIComponent(url.pathname);
  } catch {
    return fail(res, 400, 'bad path');
  }
  if (p.split('/').includes('..') || p.includes('\0')) return fail(res, 400, 'bad path');
  let file = normalize(join(dist, p));
  if (!file.startsWith(dist + sep) && file !== dist) return fail(res, 400, 'bad path');
  let st;
  try {
    st = statSync(file);
    if (st.isDirectory()) {
      file = join(file, 'index.html');
      st = statSync(file);
    }
  } catch {
    // The single-page application answers every other path.
    file = join(dist, 'index.html');
    try {
      st = statSync(file);
    } catch {
      res.writeHead(503, { 'Content-Type': 'text/plain' });
      return res.end(`The console is not built: run \`npm run build\` in web/console (looked in ${dist}).\n`);
    }
  }
  res.writeHead(200, {
    'Content-Type': types[extname(file)] ?? 'application/octet-stream',
    'Content-Length': st.size,
    'Cache-Control': 'no-cache',
    'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
  });
  createReadStream(file).pipe(res);
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  try {
    if (url.pathname === '/api/v1' || url.pathname.startsWith('/api/v1/')) await api(req, res, url);
    else if (url.pathname.startsWith('/api/')) fail(res, 404, 'no such endpoint');
    else serveStatic(req, res, url);
  } catch (e) {
    if (!res.headersSent) fail(res, e.status ?? 500, e.message ?? String(e));
    else res.end();
  }
  if (process.env.MOCK_LOG) console.log(req.method, url.pathname + url.search, res.statusCode);
});

server.listen(port, host, () => {
  console.log(`mock console backend on http://${host}:${server.address().port}/ (dist: ${dist}; tick ${tickMs} ms)`);
  console.log('tokens: dev-token (alice@example.com), viewer-token (viewer@example.com, read only)');
});

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const res of streams) res.end();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 500).unref();
  });
}
