/**
 * What the load suite leaves for the performance report: one JSON file per scenario (and one for the
 * WebSocket hold and one for the database) under <run report dir>/perf/. The report layer gathers them
 * into perf.json, perf.html and summary.md; the threshold check reads the WebSocket part back to judge
 * its limits beside the HTTP scenarios'.
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HttpRun } from './http.ts';
import type { ThresholdVerdict } from './judge.ts';
import type { LatencySummary, RecordedRun } from './recorder.ts';
import type { ResourceUsage } from './resources.ts';
import type { WebSocketRun } from './websocket.ts';

export interface ScenarioPart {
  kind: 'scenario';
  name: string;
  route: string;
  settings: {
    mode: 'closed' | 'open';
    connections: number;
    rate?: number;
    durationSeconds: number;
    warmupSeconds: number;
  };
  /** Why the settings differ from the config's (a remote environment's cap). */
  capped?: string;
  run: HttpRun;
  resources?: ResourceUsage;
  cpuMsPerRequest?: number;
  thresholds: ThresholdVerdict[];
}

export interface WebSocketPart {
  kind: 'websocket';
  name: 'websocket';
  run: Omit<WebSocketRun, 'answerRun'>;
  answers: RecordedRun;
  resources?: ResourceUsage;
  memory?: { slopeMbPerMinute: number; samples: number; limitMbPerMinute: number; fromSecond: number };
  thresholds: ThresholdVerdict[];
}

export interface DatabasePart {
  kind: 'database';
  name: 'history';
  seededMessages: number;
  seededConversations: number;
  seedMs: number;
  plan: string[];
  usesIndex: boolean;
  queryMs: LatencySummary & { samples: number };
}

export type PerfPart = ScenarioPart | WebSocketPart | DatabasePart;

export function perfDir(reportDir: string): string {
  return path.join(reportDir, 'perf');
}

export async function writePerfPart(reportDir: string, part: PerfPart): Promise<void> {
  const dir = perfDir(reportDir);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `${part.kind}-${part.name}.json`), `${JSON.stringify(part, null, 2)}\n`);
}

export async function readPerfParts(reportDir: string): Promise<PerfPart[]> {
  let names: string[];
  try {
    names = (await readdir(perfDir(reportDir))).filter((name) => name.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const parts: { part: PerfPart; writtenAt: number }[] = [];
  for (const name of names) {
    const file = path.join(perfDir(reportDir), name);
    try {
      const part = JSON.parse(await readFile(file, 'utf8')) as PerfPart;
      parts.push({ part, writtenAt: (await stat(file)).mtimeMs });
    } catch {
      // a part cut short by an interrupted run: the others still report
    }
  }
  // In the order the run measured them.
  return parts.sort((a, b) => a.writtenAt - b.writtenAt).map((entry) => entry.part);
}
