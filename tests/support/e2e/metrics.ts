/** One sample of a Prometheus text exposition. */
export interface ScrapedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the sample lines of a Prometheus text exposition (comments skipped). */
export function parseExposition(text: string): ScrapedSample[] {
  const parsed: ScrapedSample[] = [];
  for (const line of text.split('\n')) {
    const match = SAMPLE_LINE.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(LABEL_PAIR)) {
      labels[name!] = value!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    }
    parsed.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return parsed;
}

/** GET `/metrics` of a control plane (a server's admin endpoint), parsed. */
export async function scrape(adminEndpoint: string): Promise<ScrapedSample[]> {
  const response = await fetch(`${adminEndpoint}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}: ${text.slice(0, 500)}`);
  return parseExposition(text);
}

/** The samples of `name` whose labels include `labels`. */
export function samplesOf(
  samples: readonly ScrapedSample[],
  name: string,
  labels: Record<string, string> = {},
): ScrapedSample[] {
  return samples.filter(
    (sample) =>
      sample.name === name &&
      Object.entries(labels).every(([label, value]) => sample.labels[label] === value),
  );
}

/** The sum of the samples of `name` whose labels include `labels` (0 when there are none). */
export function sumOf(
  samples: readonly ScrapedSample[],
  name: string,
  labels: Record<string, string> = {},
): number {
  return samplesOf(samples, name, labels).reduce((sum, sample) => sum + sample.value, 0);
}
