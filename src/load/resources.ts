/**
 * The target container's CPU and memory while load runs, from the Docker stats API (the stream Docker
 * emits about once a second). CPU is the container's cumulative CPU time, so per-request cost is exact
 * over the window however often samples came; memory is usage minus the page cache (inactive_file), the
 * figure `docker stats` shows.
 */
import { containerById } from '../support/docker.ts';

export interface ResourceSample {
  /** Seconds since sampling started. */
  second: number;
  /** Cores busy since the previous sample (1 = one core fully). */
  cores: number;
  memoryMb: number;
}

export interface ResourceUsage {
  samples: ResourceSample[];
  cpu: { meanCores: number; peakCores: number; totalMs: number };
  memoryMb: { mean: number; peak: number; first: number; last: number };
}

interface StatsFrame {
  read: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

function memoryOf(frame: StatsFrame): number | undefined {
  const usage = frame.memory_stats?.usage;
  if (usage === undefined) return undefined;
  const stats = frame.memory_stats?.stats ?? {};
  const cache = stats.inactive_file ?? stats.total_inactive_file ?? 0;
  return (usage - cache) / 1_000_000;
}

export interface ResourceSampler {
  /** Stops the stream and summarises what came. */
  stop(): Promise<ResourceUsage>;
  /** Memory samples so far (for a trend judged while the run goes on). */
  readonly samples: readonly ResourceSample[];
}

const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

export async function sampleResources(containerId: string, maxSeconds = 600): Promise<ResourceSampler> {
  const container = await containerById(containerId);
  // One-shot reads at both ends give the exact CPU time of the window; the stream gives the curve.
  const cpuNow = async () =>
    ((await container.stats({ stream: false, 'one-shot': true })) as StatsFrame).cpu_stats?.cpu_usage?.total_usage;
  const cpuBefore = await cpuNow().catch(() => undefined);
  const stream = (await container.stats({ stream: true })) as NodeJS.ReadableStream & { destroy(): void };
  const started = performance.now();
  const samples: ResourceSample[] = [];
  let firstCpu: number | undefined;
  let lastCpu: number | undefined;
  let previous: { cpu: number; at: number } | undefined;
  let buffer = '';
  const onFrame = (frame: StatsFrame) => {
    const cpu = frame.cpu_stats?.cpu_usage?.total_usage;
    const memory = memoryOf(frame);
    const at = performance.now();
    if (cpu === undefined || memory === undefined) return;
    firstCpu ??= cpu;
    lastCpu = cpu;
    const cores = previous ? (cpu - previous.cpu) / 1e6 / Math.max(1, at - previous.at) : 0;
    if (previous)
      samples.push({ second: round((at - started) / 1000, 1), cores: round(cores), memoryMb: round(memory, 1) });
    previous = { cpu, at };
  };
  stream.on('data', (chunk: Buffer | string) => {
    buffer += chunk.toString();
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (!line) continue;
      try {
        onFrame(JSON.parse(line) as StatsFrame);
      } catch {
        // a partial frame: the next one will do
      }
    }
  });
  stream.on('error', () => undefined);
  const cap = setTimeout(() => stream.destroy(), maxSeconds * 1000);
  cap.unref();
  let stopped: Promise<ResourceUsage> | undefined;
  return {
    samples,
    async stop() {
      if (stopped) return stopped;
      stopped = summarise();
      return stopped;
    },
  };
  async function summarise(): Promise<ResourceUsage> {
    clearTimeout(cap);
    stream.destroy();
    const cpuAfter = await cpuNow().catch(() => undefined);
    if (cpuBefore !== undefined && cpuAfter !== undefined) {
      firstCpu = cpuBefore;
      lastCpu = cpuAfter;
    }
    const elapsedMs = performance.now() - started;
    const cores = samples.map((sample) => sample.cores);
    const memory = samples.map((sample) => sample.memoryMb);
    const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN);
    const totalMs = firstCpu !== undefined && lastCpu !== undefined ? (lastCpu - firstCpu) / 1e6 : NaN;
    return {
      samples,
      cpu: {
        meanCores: round(Number.isNaN(totalMs) ? mean(cores) : totalMs / Math.max(1, elapsedMs)),
        peakCores: round(cores.length ? Math.max(...cores) : NaN),
        totalMs: round(totalMs, 0),
      },
      memoryMb: {
        mean: round(mean(memory), 1),
        peak: round(memory.length ? Math.max(...memory) : NaN, 1),
        first: memory[0] ?? NaN,
        last: memory.at(-1) ?? NaN,
      },
    };
  }
}

/** CPU milliseconds the target spent per request over a window. */
export function cpuMsPerRequest(usage: ResourceUsage, requests: number): number {
  return requests > 0 && Number.isFinite(usage.cpu.totalMs) ? round(usage.cpu.totalMs / requests, 3) : NaN;
}

/**
 * Memory's trend over time, in MB per minute: the Theil-Sen slope (the median of the slopes between every
 * pair of samples), a regression line that one garbage-collection spike or one burst of frames cannot
 * tilt, as a least-squares line can. A leak climbs steadily and shows as a steep slope; a healthy heap
 * saws around a level, so its slope stays near zero.
 */
export function memoryTrend(samples: readonly ResourceSample[]): { slopeMbPerMinute: number; samples: number } {
  const n = samples.length;
  if (n < 3) return { slopeMbPerMinute: NaN, samples: n };
  const slopes: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = samples[j]!.second - samples[i]!.second;
      if (dx > 0) slopes.push((samples[j]!.memoryMb - samples[i]!.memoryMb) / dx);
    }
  }
  if (slopes.length === 0) return { slopeMbPerMinute: NaN, samples: n };
  slopes.sort((a, b) => a - b);
  const middle = slopes.length / 2;
  const median = slopes.length % 2 ? slopes[Math.floor(middle)]! : (slopes[middle - 1]! + slopes[middle]!) / 2;
  return { slopeMbPerMinute: round(median * 60, 2), samples: n };
}
