import type { Registry } from 'prom-client';

/** One sample of a metric as a scrape would see it. */
export interface Sample {
  labels: Record<string, string | number>;
  value: number;
}

/**
 * The samples of metric `name` as a scrape sees them (its collect function run first), or an
 * empty list when the registry has no such metric. A histogram's `_count`, `_sum` and `_bucket`
 * series are named as such.
 */
export async function samples(registry: Registry, name: string): Promise<Sample[]> {
  const part = /_(count|sum|bucket)$/.exec(name);
  const metric =
    registry.getSingleMetric(name) ??
    (part ? registry.getSingleMetric(name.slice(0, part.index)) : undefined);
  if (metric === undefined) return [];
  const { values } = await metric.get();
  return values
    .filter(
      (sample) =>
        (sample as { metricName?: string }).metricName === undefined ||
        (sample as { metricName?: string }).metricName === name,
    )
    .map(({ labels, value }) => ({ labels: { ...labels } as Sample['labels'], value }));
}

/** The value of the one sample of `name` whose labels include `labels`, or undefined. */
export async function sampleValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const found = (await samples(registry, name)).filter((sample) =>
    Object.entries(labels).every(([label, value]) => String(sample.labels[label]) === value),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}
