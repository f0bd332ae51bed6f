// Summary of a V8 .cpuprofile (node --cpu-prof): where the process spent its own (self) time,
// per function, as a share of the time it was not idle.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  /** Where it is defined: repo-relative path (or node: builtin) and 1-based line. */
  location: string;
  ms: number;
  /** Share of non-idle time, in percent. */
  percent: number;
}


export function topSelfTime(path: string, root: string, count: number): { busyMs: number; top: SelfTime[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, SelfTime>();
  let busyMs = 0;
  profile.samples.forEach((id, index) => {
    // timeDeltas[i] is the time before sample i; attribute it to that sample's function.
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') return;
    busyMs += ms;
    const location = `${shortUrl(frame.url, root)}:${frame.lineNumber + 1}`;
    const key = `${frame.functionName}@${location}`;
    const entry = totals.get(key) ?? { name: frame.functionName || '(anonymous)', location, ms: 0, percent: 0 };
    entry.ms += ms;
    totals.set(key, entry);
  });
  const top = [...totals.values()].sort((a, b) => b.ms - a.ms).slice(0, count);
  for (const entry of top) entry.percent = busyMs > 0 ? (entry.ms / busyMs) * 100 : 0;
  return { busyMs, top };
}

function shortUrl(url: string, root: string): string {
  if (url === '') return '(native)';
  if (!url.startsWith('file:')) return url;
  return relative(root, fileURLToPath(url));
}
