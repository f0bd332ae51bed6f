// The Prometheus text exposition format, version 0.0.4: `# HELP` and `# TYPE` per family, then
// one `name{label="value"} number` line per sample. Rendered from plain values on each scrape,
// so nothing here holds state between scrapes.

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge';

export interface Sample {
  labels?: Readonly<Record<string, string>>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: readonly Sample[];
}

export type MetricsErrorCode = 'bad-metric-name' | 'bad-label-name' | 'duplicate-family' | 'negative-counter';

export class MetricsError extends Error {
  readonly code: MetricsErrorCode;
  constructor(code: MetricsErrorCode, message: string) {
    super(message);
    this.name = 'MetricsError';
    this.code = code;
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** Names starting with "__" are reserved for Prometheus itself. */
const LABEL_NAME = /^(?!__)[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Renders families in the order given; throws MetricsError for anything a scraper would reject. */
export function renderExposition(families: readonly MetricFamily[]): string {
  const seen = new Set<string>();
  let text = '';
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new MetricsError('bad-metric-name', `invalid metric name "${family.name}"`);
    if (seen.has(family.name)) throw new MetricsError('duplicate-family', `metric ${family.name} is rendered twice`);
    seen.add(family.name);
    text += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
    for (const sample of family.samples) {
      if (family.type === 'counter' && sample.value < 0) {
        throw new MetricsError('negative-counter', `counter ${family.name} has the negative value ${sample.value}`);
      }
      text += `${family.name}${renderLabels(family.name, sample.labels)} ${formatValue(sample.value)}\n`;
    }
  }
  return text;
}

function renderLabels(metric: string, labels: Sample['labels']): string {
  if (labels === undefined) return '';
  const pairs = Object.entries(labels);
  if (pairs.length === 0) return '';
  for (const [name] of pairs) {
    if (!LABEL_NAME.test(name)) throw new MetricsError('bad-label-name', `invalid label name "${name}" on ${metric}`);
  }
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
