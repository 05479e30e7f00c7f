// Kubernetes resource quantities ("500m", "1.5Gi", "2e3") as numbers, and back as short text.

// Decimal suffixes as powers of ten, applied through the exponent so that "100u" is exactly 1e-4.
const decimal: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const binary: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const pattern = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

/** parseQuantity reads a Kubernetes quantity; undefined when it is absent or malformed. */
export function parseQuantity(q: string | number | undefined | null): number | undefined {
  if (q === undefined || q === null) return undefined;
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  const m = pattern.exec(q.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2]) return Number(m[1] + m[2]);
  const suffix = m[3] ?? '';
  const mult = binary[suffix];
  if (mult !== undefined) return n * mult;
  const exp = decimal[suffix];
  return exp === undefined ? undefined : Number(`${m[1]}e${exp}`);
}

function trim(n: number, digits: number): string {
  // At most `digits` decimals, no trailing zeros.
  return String(Number(n.toFixed(digits)));
}

/** formatCPU writes cores: "250m" below one core, "1.5" above. */
export function formatCPU(cores: number | undefined): string {
  if (cores === undefined || !Number.isFinite(cores)) return '–';
  if (cores === 0) return '0';
  if (Math.abs(cores) < 1) return `${Math.round(cores * 1000)}m`;
  return trim(cores, Math.abs(cores) < 10 ? 2 : 1);
}

/** formatBytes writes a binary size: "512Mi", "1.5Gi". */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '–';
  const units = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${trim(v, Math.abs(v) < 10 ? 2 : 1)}${units[i]}`;
}

/** formatCount writes a plain number, shortening thousands. */
export function formatCount(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 1e6) return `${trim(n / 1e6, 1)}M`;
  if (Math.abs(n) >= 1e4) return `${trim(n / 1e3, 1)}k`;
  return trim(n, 2);
}

/** formatResource formats the quantity of a named resource: cpu as cores, memory as bytes. */
export function formatResource(resource: string, q: string | number | undefined): string {
  const v = parseQuantity(q);
  if (v === undefined) return typeof q === 'string' && q !== '' ? q : '–';
  if (resource === 'cpu') return formatCPU(v);
  if (resource === 'memory' || resource.endsWith('storage')) return formatBytes(v);
  return formatCount(v);
}
