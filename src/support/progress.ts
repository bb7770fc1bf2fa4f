/** Progress for long work goes to stderr, so stdout stays the test reporter's. */
export function progress(message: string): void {
  process.stderr.write(`[shipshape] ${message}\n`);
}

/** Runs `work`, printing a line every `everyMs` so a long build does not look hung. */
export async function withHeartbeat<T>(label: string, work: () => Promise<T>, everyMs = 15_000): Promise<T> {
  const started = Date.now();
  progress(`${label}...`);
  const timer = setInterval(() => progress(`${label}: still working (${seconds(Date.now() - started)})`), everyMs);
  try {
    const result = await work();
    progress(`${label}: done in ${seconds(Date.now() - started)}`);
    return result;
  } finally {
    clearInterval(timer);
  }
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
