/**
 * One configured scenario, run: the request source for its route, the model it asks for (closed loop or
 * open), the target's CPU and memory sampled through the Docker API while it runs (local only), and the
 * CPU milliseconds the target spent per request.
 */
import type { LoadScenario } from '../config/load-scenarios.ts';
import type { TargetSpec } from '../config/target-spec.ts';
import { closedLoop, openModel, type HttpRun, type RequestSource } from './http.ts';
import { cpuMsPerRequest, sampleResources, type ResourceUsage } from './resources.ts';

export interface ScenarioRequests {
  target: Pick<TargetSpec, 'paths' | 'query'>;
  questions: readonly string[];
  /** For the history route: conversations that exist (seeded). */
  conversationIds?: readonly string[];
}

/** The next request of a route's scenario, rotating questions or conversations across all connections. */
export function requestSource(route: LoadScenario['route'], requests: ScenarioRequests): RequestSource {
  const { target } = requests;
  let next = 0;
  switch (route) {
    case 'health':
      return () => ({ method: 'GET', path: target.paths.health });
    case 'query': {
      const bodies = requests.questions.map((question) => JSON.stringify({ [target.query.questionField]: question }));
      return () => ({ method: 'POST', path: target.paths.query, body: bodies[next++ % bodies.length]! });
    }
    case 'history': {
      const ids = requests.conversationIds ?? [];
      if (!target.paths.conversations || ids.length === 0) {
        throw new Error('the history scenario needs the conversations route and seeded conversations');
      }
      const base = target.paths.conversations;
      return () => ({ method: 'GET', path: `${base}/${ids[next++ % ids.length]}` });
    }
    case 'websocket':
      throw new Error('the websocket scenario is not HTTP load (see holdWebSockets)');
  }
}

export interface ScenarioOutcome {
  run: HttpRun;
  resources?: ResourceUsage;
  cpuMsPerRequest?: number;
}

export async function runScenario(options: {
  name: string;
  baseUrl: string;
  scenario: LoadScenario;
  next: RequestSource;
  timeoutSeconds: number;
  containerId?: string;
  signal?: AbortSignal;
}): Promise<ScenarioOutcome> {
  const { scenario } = options;
  const common = {
    baseUrl: options.baseUrl,
    label: options.name,
    connections: scenario.connections,
    durationSeconds: scenario.durationSeconds,
    warmupSeconds: 0,
    timeoutSeconds: options.timeoutSeconds,
    next: options.next,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const load = (warmup: boolean) => {
    const settings = warmup ? { ...common, durationSeconds: scenario.warmupSeconds, live: false } : common;
    return scenario.mode === 'open' ? openModel({ ...settings, rate: scenario.rate }) : closedLoop(settings);
  };
  if (scenario.warmupSeconds > 0) await load(true);
  // Sampled only around the measured run, so CPU per request divides like by like.
  const sampler = options.containerId ? await sampleResources(options.containerId) : undefined;
  try {
    const run = await load(false);
    const resources = await sampler?.stop();
    return resources ? { run, resources, cpuMsPerRequest: cpuMsPerRequest(resources, run.requests) } : { run };
  } finally {
    await sampler?.stop();
  }
}
