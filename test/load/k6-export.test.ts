import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSchema } from '../../src/config/load-scenarios.ts';
import { parseThresholds } from '../../src/config/thresholds.ts';
import { profiles } from '../../src/config/profiles.ts';
import { k6Expression, readK6Options, renderK6Script } from '../../src/load/k6.ts';

const load = loadSchema.parse({});
const limits = parseThresholds({
  health: ['p95<500ms', 'errors<1%', 'rps>100'],
  query: ['p(99)<3s', 'avg<1s', 'count>10'],
  websocket: ['p95<8000ms', 'errors<1%'],
  unknown: ['p95<1ms'],
});
const script = renderK6Script(load, limits, profiles.reference, ['What is a healthcheck?']);

describe('k6 export', () => {
  it("writes k6's threshold syntax: base units, k6 aggregations, built-in metrics by scenario tag", () => {
    expect(readK6Options(script).thresholds).toEqual({
      'http_req_duration{scenario:health}': ['p(95)<500'],
      'http_req_failed{scenario:health}': ['rate<0.01'],
      'http_reqs{scenario:health}': ['rate>100'],
      'http_req_duration{scenario:query}': ['p(99)<3000', 'avg<1000'],
      'http_reqs{scenario:query}': ['count>10'],
      ws_answer_duration: ['p(95)<8000'],
      ws_answer_failed: ['rate<0.01'],
    });
    expect(k6Expression(limits.query![0]!)).toEqual({ metric: 'duration', expression: 'p(99)<3000' });
  });

  it('maps closed-loop to constant-vus and open-model to constant-arrival-rate, one scenario after another', () => {
    const { scenarios } = readK6Options(script);
    expect(Object.keys(scenarios)).toEqual([
      'health_warmup',
      'health',
      'health-open_warmup',
      'health-open',
      'query_warmup',
      'query',
      'history_warmup',
      'history',
      'websocket',
    ]);
    expect(scenarios.health).toMatchObject({
      executor: 'constant-vus',
      vus: 20,
      duration: '8s',
      startTime: '2s',
      exec: 'route_health',
    });
    expect(scenarios.query).toMatchObject({
      executor: 'constant-arrival-rate',
      rate: 10,
      timeUnit: '1s',
      duration: '10s',
    });
    expect(scenarios.websocket).toMatchObject({ executor: 'per-vu-iterations', vus: 500, iterations: 1 });
    for (const scenario of Object.values(scenarios)) {
      expect(script).toContain(`export function ${String(scenario.exec)}(`);
    }
  });

  it('is a JavaScript module that parses, reads BASE_URL and imports only k6 modules', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-k6-'));
    try {
      const file = path.join(dir, 'script.mjs');
      writeFileSync(file, script);
      execFileSync(process.execPath, ['--check', file]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(script).toContain('__ENV.BASE_URL');
    const imports = [...script.matchAll(/^import .* from '([^']+)';$/gm)].map((match) => match[1]);
    expect(imports.every((name) => name!.startsWith('k6'))).toBe(true);
  });
});
