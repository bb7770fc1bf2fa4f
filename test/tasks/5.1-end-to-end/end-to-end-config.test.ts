import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { thresholdsSchema } from '../../../src/config/schema.ts';
import { resolveTarget } from '../../../src/config/target-spec.ts';
import { detectWithinMs, errorWithinMs } from '../../../src/tasks/5.1-end-to-end/scenarios.ts';

const base = { name: 't', dockerfile: 'Dockerfile', context: '.', buildArgs: {}, port: 8000, environment: {} };

describe("5.1's configuration", () => {
  it("uses the repository's book unless the target brings its own corpus, relative to its config", () => {
    const reference = resolveTarget({ ...base, profile: 'reference' }, '/somewhere/else');
    expect(reference.endToEnd.rag.corpus).toBe(path.resolve('fixtures/corpus'));
    expect(reference.endToEnd.rag.golden).toBe(path.resolve('fixtures/golden.json'));
    const own = resolveTarget(
      {
        ...base,
        profile: 'reference',
        endToEnd: { rag: { corpus: 'docs', golden: 'docs/golden.json' }, services: [] },
      },
      '/repo/of/target',
    );
    expect(own.endToEnd.rag).toEqual({ corpus: '/repo/of/target/docs', golden: '/repo/of/target/docs/golden.json' });
    expect(own.endToEnd.services).toEqual([]);
    expect(own.endToEnd.corsOriginsVariable).toBe('CORS_ORIGINS');
  });

  it('bounds errors by the target timeout and detection by its readiness cache', () => {
    const thresholds = thresholdsSchema.parse({ rag: { hitAt1: 0.5 } });
    expect(thresholds.rag).toEqual({ hitAt1: 0.5, hitAt3: 0.9, mrr: 0.8, grounded: 0.8 });
    const target = resolveTarget(
      { ...base, profile: 'reference', endToEnd: { upstreamTimeoutMs: 10_000, readinessCacheMs: 2_000 } },
      '.',
    );
    expect(errorWithinMs({ thresholds, target })).toBe(20_000);
    expect(detectWithinMs({ thresholds, target })).toBe(12_000);
  });
});
