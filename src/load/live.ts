/**
 * The line a person watches while load runs: elapsed time, requests per second and p95 so far. Every
 * 2 s at a terminal, every 5 s under CI=true (a log, not a screen), on stderr like the rest of the
 * harness's progress.
 */
import { progress } from '../support/progress.ts';
import type { Recorder } from './recorder.ts';

export function liveIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  return env.CI === 'true' || env.CI === '1' ? 5_000 : 2_000;
}

export function liveLine(label: string, elapsedMs: number, totalMs: number, recorder: Recorder): string {
  const elapsed = elapsedMs / 1000;
  const rps = elapsed > 0 ? recorder.requests / elapsed : 0;
  const p95 = recorder.p95SoFar;
  return (
    `load ${label}: ${elapsed.toFixed(1)} s / ${(totalMs / 1000).toFixed(0)} s, ${rps.toFixed(1)} rps, ` +
    `p95 ${Number.isNaN(p95) ? 'n/a' : `${p95.toFixed(1)} ms`} so far, ${recorder.failures} failed`
  );
}

/** Starts printing; the returned function stops it. */
export function watch(label: string, totalMs: number, recorder: Recorder): () => void {
  const started = performance.now();
  const timer = setInterval(
    () => progress(liveLine(label, performance.now() - started, totalMs, recorder)),
    liveIntervalMs(),
  );
  timer.unref();
  return () => clearInterval(timer);
}
