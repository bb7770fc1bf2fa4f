import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load.ts';
import { baseConfig, resolveRaw } from '../support/config.ts';
import {
  evaluateThreshold,
  parseThreshold,
  parseThresholds,
  ThresholdError,
  type Threshold,
} from '../../src/config/thresholds.ts';

function thresholdErrorOf(action: () => unknown): ThresholdError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ThresholdError);
    return error as ThresholdError;
  }
  throw new Error('expected a ThresholdError');
}

describe('parseThreshold', () => {
  it.each([
    ['avg<200', { kind: 'avg' }],
    ['min<10', { kind: 'min' }],
    ['max<1000', { kind: 'max' }],
    ['med<150', { kind: 'med' }],
    ['count<10', { kind: 'count' }],
    ['rate<0.01', { kind: 'rate' }],
    ['p(95)<300', { kind: 'p', percentile: 95 }],
    ['p(99.9)<300', { kind: 'p', percentile: 99.9 }],
    ['p(0)<300', { kind: 'p', percentile: 0 }],
    ['p(100)<300', { kind: 'p', percentile: 100 }],
  ])('reads the aggregation of %s', (source, aggregation) => {
    expect(parseThreshold(source).aggregation).toEqual(aggregation);
  });

  it.each([
    ['p(95)<300', '<'],
    ['p(95)<=300', '<='],
    ['p(95)>300', '>'],
    ['p(95)>=300', '>='],
    ['p(95)==300', '=='],
    ['p(95)!=300', '!='],
    // k6 also accepts strict equality; it means the same for numbers.
    ['p(95)===300', '=='],
  ])('reads the operator of %s', (source, operator) => {
    expect(parseThreshold(source)).toEqual({
      source,
      aggregation: { kind: 'p', percentile: 95 },
      operator,
      value: 300,
    });
  });

  it('allows spaces around the operator and keeps the source exactly as written', () => {
    expect(parseThreshold(' p(99.9) <= 500 ')).toEqual({
      source: ' p(99.9) <= 500 ',
      aggregation: { kind: 'p', percentile: 99.9 },
      operator: '<=',
      value: 500,
    });
  });

  it.each([
    ['p(95)<300', 300, undefined],
    ['p(95)<300ms', 300, 'ms'],
    ['p(95)<300 ms', 300, 'ms'],
    ['p(95)<2s', 2000, 's'],
    ['p(95)<0.5s', 500, 's'],
    // Shifted as text, not multiplied: 1.1 * 1000 is 1100.0000000000002 in floating point.
    ['avg<1.1s', 1100, 's'],
    ['rate<0.01', 0.01, undefined],
    ['rate<1%', 0.01, '%'],
    ['rate<0.5%', 0.005, '%'],
    ['rate<1.1%', 0.011, '%'],
    ['rate>=100%', 1, '%'],
    ['count>10', 10, undefined],
    ['p95<300ms', 300, 'ms'],
    ['p99.9<1s', 1000, 's'],
    ['errors<0.5%', 0.005, '%'],
    ['rps>200', 200, undefined],
    ['p(95)<.5', 0.5, undefined],
  ])('normalises the limit of %s to %d base units', (source, value, unit) => {
    const threshold = parseThreshold(source);
    expect(threshold.value).toBe(value);
    expect(threshold.unit).toBe(unit);
  });

  it.each([
    ['P95<300', 'unknown aggregation "P95"; use p(95), avg, min, max, med, count, rate, errors or rps'],
    ['p 95<300', 'unknown aggregation "p 95"; use p(95), avg, min, max, med, count, rate, errors or rps'],
    ['rps>10ms', 'rps takes a plain number, not "ms"'],
    ['errors<5', 'errors is a fraction between 0 and 1, found 5; for percent write 5%'],
    ['P(99.9)<300', 'unknown aggregation "P(99.9)"; use p(99.9), avg, min, max, med, count, rate, errors or rps'],
    ['mean<300', 'unknown aggregation "mean"; use p(N), avg, min, max, med, count, rate, errors or rps'],
    ['p(101)<3', 'percentile must be between 0 and 100, found 101'],
    ['p()<3', 'percentile missing inside p(); write p(95) or p(99.9)'],
    ['p(ninety)<3', 'percentile "ninety" is not a number; write p(95) or p(99.9)'],
    ['p(95) 300', 'missing operator; use <, <=, >, >=, == or != between the aggregation and the number'],
    ['p(95)', 'missing operator; use <, <=, >, >=, == or != between the aggregation and the number'],
    ['p(95)=300', 'unknown operator "="; use == (accepted: <, <=, >, >=, == or !=)'],
    ['p(95)=<300', 'unknown operator "=<"; use <= (accepted: <, <=, >, >=, == or !=)'],
    ['p(95)=>300', 'unknown operator "=>"; use >= (accepted: <, <=, >, >=, == or !=)'],
    ['<300', 'missing aggregation before "<"; use p(N), avg, min, max, med, count, rate, errors or rps'],
    ['p(95)<', 'missing number after "<"; write a limit such as 300ms, 2s, 1% or 0.01'],
    [
      'p(95)<fast',
      '"fast" is not a number; write a number, optionally followed by ms or s (times) or % (rate), such as 300ms',
    ],
    [
      'p(95)<300<400',
      '"300<400" is not a number; write a number, optionally followed by ms or s (times) or % (rate), such as 300ms',
    ],
    ['p(95)<300sec', 'unknown unit "sec"; use ms or s for times, % for rate, or none'],
    ['p(95)<-5', 'the limit must not be negative, found -5'],
    ['count>10ms', 'count takes a plain number, not "ms"'],
    ['count>10%', 'count takes a plain number, not "%"'],
    ['rate<5ms', 'rate takes a fraction such as 0.01 or a percentage such as 1%, not "ms"'],
    ['rate<5', 'rate is a fraction between 0 and 1, found 5; for percent write 5%'],
    ['rate<150%', 'rate must be between 0% and 100%, found 150%'],
    ['p(95)<1%', '"%" applies to rate and errors only; p(95) takes ms, s or a plain number (milliseconds)'],
    ['', 'empty expression; write <aggregation><operator><number>, such as "p(95)<300ms" or "rate<1%"'],
    ['   ', 'empty expression; write <aggregation><operator><number>, such as "p(95)<300ms" or "rate<1%"'],
  ])('rejects %j, quoting it and saying what is accepted', (source, reason) => {
    const error = thresholdErrorOf(() => parseThreshold(source));
    expect(error.message).toBe(`${JSON.stringify(source)}: ${reason}`);
    expect(error.issues).toEqual([{ source, reason }]);
  });

  it('rejects a value that is not a string (a JavaScript config has no types to stop it)', () => {
    expect(thresholdErrorOf(() => parseThreshold(300 as unknown as string)).message).toBe(
      '300: not a string; write an expression such as "p(95)<300ms" or "rate<1%"',
    );
  });
});

describe('parseThresholds', () => {
  it('parses every scenario, keeping each source beside its parsed form', () => {
    const parsed = parseThresholds({ health: ['p(95)<300ms', 'rate<1%'], query: ['p(99)<=2s'], idle: [] });
    expect(Object.keys(parsed)).toEqual(['health', 'query', 'idle']);
    expect(parsed.health!.map((threshold) => [threshold.source, threshold.value])).toEqual([
      ['p(95)<300ms', 300],
      ['rate<1%', 0.01],
    ]);
    expect(parsed.query).toEqual([
      { source: 'p(99)<=2s', aggregation: { kind: 'p', percentile: 99 }, operator: '<=', value: 2000, unit: 's' },
    ]);
    expect(parsed.idle).toEqual([]);
  });

  it('reports every bad expression at once, each with its scenario and index', () => {
    const error = thresholdErrorOf(() =>
      parseThresholds({ health: ['P95<300', 'rate<1%'], query: ['p(95)<2s', 'avg 200', 'rate<2'] }),
    );
    expect(error.message).toBe(
      [
        '3 bad threshold expressions:',
        '  - health[0]: "P95<300": unknown aggregation "P95"; use p(95), avg, min, max, med, count, rate, errors or rps',
        '  - query[1]: "avg 200": missing operator; use <, <=, >, >=, == or != between the aggregation and the number',
        '  - query[2]: "rate<2": rate is a fraction between 0 and 1, found 2; for percent write 2%',
      ].join('\n'),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual(['health[0]', 'query[1]', 'query[2]']);
  });

  it('says when a scenario holds one expression instead of a list', () => {
    const error = thresholdErrorOf(() => parseThresholds({ query: 'p(95)<2s' as unknown as string[] }));
    expect(error.message).toBe(
      '1 bad threshold expression:\n' +
        '  - query: "p(95)<2s": expected a list of expressions, such as "p(95)<300ms" or "rate<1%"',
    );
  });
});

describe('evaluateThreshold', () => {
  it.each([
    // source, a passing measurement and its line, a failing measurement and its line
    ['p(95)<300ms', 212.43, '✓ p(95)<300ms  measured p(95)=212.4ms', 300, '✗ p(95)<300ms  measured p(95)=300ms'],
    // 500.000412 printed as 500 would contradict the ✗: the line carries the digits that decide, and no more.
    [
      'p(99.9)<=500',
      500,
      '✓ p(99.9)<=500  measured p(99.9)=500',
      500.000412,
      '✗ p(99.9)<=500  measured p(99.9)=500.0004',
    ],
    ['count>10', 11, '✓ count>10  measured count=11', 10, '✗ count>10  measured count=10'],
    ['rate>=99%', 0.995, '✓ rate>=99%  measured rate=99.5%', 0.98, '✗ rate>=99%  measured rate=98%'],
    ['count==0', 0, '✓ count==0  measured count=0', 3, '✗ count==0  measured count=3'],
    ['min!=0', 4, '✓ min!=0  measured min=4', 0, '✗ min!=0  measured min=0'],
    ['avg>150', 150.5, '✓ avg>150  measured avg=150.5', 149.9, '✗ avg>150  measured avg=149.9'],
    ['med<2s', 1843.21, '✓ med<2s  measured med=1.843s', 2500, '✗ med<2s  measured med=2.5s'],
  ])('judges %s both ways', (source, passing, passLine, failing, failLine) => {
    const threshold = parseThreshold(source);
    expect(evaluateThreshold(threshold, passing)).toEqual({ ok: true, line: passLine });
    expect(evaluateThreshold(threshold, failing)).toEqual({ ok: false, line: failLine });
  });

  it('prints a rate in the form the limit was written in', () => {
    expect(evaluateThreshold(parseThreshold('rate<0.5%'), 0.012)).toEqual({
      ok: false,
      line: '✗ rate<0.5%  measured rate=1.2%',
    });
    expect(evaluateThreshold(parseThreshold('rate<0.01'), 0.0123)).toEqual({
      ok: false,
      line: '✗ rate<0.01  measured rate=0.0123',
    });
  });

  it('fails a threshold nothing was measured for', () => {
    expect(evaluateThreshold(parseThreshold('avg<200'), Number.NaN)).toEqual({
      ok: false,
      line: '✗ avg<200  measured nothing: no samples for avg',
    });
  });

  it('judges on the exact value, not the printed one', () => {
    // 1.1% is 0.011 exactly once parsed; a measured 11 failures in 1000 is not below it.
    expect(evaluateThreshold(parseThreshold('rate<1.1%'), 11 / 1000).ok).toBe(false);
    expect(evaluateThreshold(parseThreshold('rate<=1.1%'), 11 / 1000).ok).toBe(true);
  });
});

describe('performance thresholds in the config', () => {
  const base = baseConfig;
  const resolve = (raw: unknown) => resolveRaw(raw);

  function configErrorOf(raw: unknown): string {
    try {
      resolve(raw);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected a ConfigError');
  }

  const sources = (thresholds: Threshold[] | undefined) => thresholds?.map((threshold) => threshold.source);

  it('loads the defaults parsed, with their source text, when the config has no thresholds', () => {
    const { performance } = resolve(base).thresholds;
    expect(Object.keys(performance)).toEqual(['health', 'health-open', 'query', 'history', 'websocket']);
    expect(performance.health).toEqual([
      { source: 'p95<3000ms', aggregation: { kind: 'p', percentile: 95 }, operator: '<', value: 3000, unit: 'ms' },
      { source: 'errors<1%', aggregation: { kind: 'errors' }, operator: '<', value: 0.01, unit: '%' },
      { source: 'rps>20', aggregation: { kind: 'rps' }, operator: '>', value: 20 },
    ]);
    expect(sources(performance.query)).toEqual(['p95<8000ms', 'errors<1%']);
    expect(performance.query![0]!.value).toBe(8000);
  });

  it('keeps the defaults when thresholds are set but performance is not', () => {
    const config = resolve({ ...base, thresholds: { healthyWithinMs: 4000 } });
    expect(config.thresholds.healthyWithinMs).toBe(4000);
    expect(sources(config.thresholds.performance.health)).toEqual(['p95<3000ms', 'errors<1%', 'rps>20']);
  });

  it('lets a scenario named in the config replace its defaults, keeping the others, and add new ones', () => {
    const config = resolve({ ...base, thresholds: { performance: { query: ['p(99)<1s'], ws: ['p(95)<500ms'] } } });
    expect(sources(config.thresholds.performance.query)).toEqual(['p(99)<1s']);
    expect(config.thresholds.performance.query![0]!.value).toBe(1000);
    expect(sources(config.thresholds.performance.health)).toEqual(['p95<3000ms', 'errors<1%', 'rps>20']);
    expect(sources(config.thresholds.performance.ws)).toEqual(['p(95)<500ms']);
  });

  it("lets an environment's own limits replace the shared ones for the scenarios it names", () => {
    const config = resolve({
      ...base,
      environments: { local: { kind: 'local', performance: { query: ['p95<1s'] } } },
    });
    expect(sources(config.thresholds.performance.query)).toEqual(['p95<1s']);
    expect(sources(config.thresholds.performance.history)).toEqual(['p95<3000ms', 'errors<1%']);
  });

  it('drops the defaults of a scenario the config gives an empty list', () => {
    const config = resolve({ ...base, thresholds: { performance: { health: [] } } });
    expect(config.thresholds.performance.health).toEqual([]);
    expect(sources(config.thresholds.performance.query)).toEqual(['p95<8000ms', 'errors<1%']);
  });

  it('rejects a bad expression at load, naming its path, the reason and the text', () => {
    const message = configErrorOf({ ...base, thresholds: { performance: { query: ['p(95)<2s', 'P95<300'] } } });
    expect(message).toContain(
      'thresholds.performance.query[1]: expected a threshold expression ' +
        '(unknown aggregation "P95"; use p(95), avg, min, max, med, count, rate, errors or rps), found "P95<300"',
    );
  });

  it('reports every bad expression in the config at once', () => {
    const message = configErrorOf({
      ...base,
      thresholds: { performance: { health: ['p(101)<3'], query: ['rate<2', 'p(95)<2s'] } },
    });
    expect(message).toContain(
      'thresholds.performance.health[0]: expected a threshold expression ' +
        '(percentile must be between 0 and 100, found 101), found "p(101)<3"',
    );
    expect(message).toContain(
      'thresholds.performance.query[0]: expected a threshold expression ' +
        '(rate is a fraction between 0 and 1, found 2; for percent write 2%), found "rate<2"',
    );
    expect(message).not.toContain('query[1]');
  });

  it('says what a scenario takes when it is not a list of strings', () => {
    expect(configErrorOf({ ...base, thresholds: { performance: { query: 'p(95)<2s' } } })).toContain(
      'thresholds.performance.query: expected a list of threshold expressions such as ["p(95)<300ms", "rate<1%"], ' +
        'found "p(95)<2s"',
    );
    expect(configErrorOf({ ...base, thresholds: { performance: { query: [2000] } } })).toContain(
      'thresholds.performance.query[0]: expected a threshold expression such as "p(95)<300ms" or "rate<1%", found 2000',
    );
  });
});
