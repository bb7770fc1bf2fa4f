/**
 * Production safety: against a remote environment (a deployed service) every scenario is capped to a
 * low open-model rate for a short time unless the run says `--load=full` (scripts/run.ts passes it as
 * SHIPSHAPE_LOAD=full); local load goes only to 127.0.0.1.
 */
import type { LoadScenario, LoadSettings } from '../config/load-scenarios.ts';

export type LoadLevel = 'capped' | 'full';

export function loadLevel(env: NodeJS.ProcessEnv = process.env): LoadLevel {
  return env.SHIPSHAPE_LOAD === 'full' ? 'full' : 'capped';
}

export interface EffectiveScenario {
  scenario: LoadScenario;
  /** Why it differs from the config, when it does. */
  capped?: string;
}

export function effectiveScenario(
  scenario: LoadScenario,
  kind: 'local' | 'remote',
  cap: LoadSettings['remoteCap'],
  level: LoadLevel = loadLevel(),
): EffectiveScenario {
  if (kind === 'local' || level === 'full') return { scenario };
  return {
    scenario: {
      ...scenario,
      mode: 'open',
      rate: Math.min(scenario.mode === 'open' ? scenario.rate : cap.rate, cap.rate),
      connections: Math.min(scenario.connections, 10),
      durationSeconds: cap.durationSeconds,
      warmupSeconds: 0,
    },
    capped: `remote environment: capped to ${cap.rate} rps for ${cap.durationSeconds} s (pass --load=full for the configured load)`,
  };
}

/** Local load must stay on this machine: the target's mapped port on 127.0.0.1. */
export function assertLocalUrl(baseUrl: string): void {
  const host = new URL(baseUrl).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost') {
    throw new Error(`local load goes only to 127.0.0.1, not ${host}`);
  }
}
