import { describe, expect, it } from 'vitest';
import {
  contentTerms,
  distinctPages,
  figuresOf,
  missedMinimums,
  namesPage,
  scoreQuestion,
  type GoldenQuestion,
} from '../../../src/tasks/5.1-end-to-end/rag-metrics.ts';

const golden: GoldenQuestion = {
  id: 'g10',
  question: 'Which sslmode verifies the server certificate and host name?',
  expectedPage: '10-database-tls.md',
  answerContains: ['verify-full'],
};
const page = 'With sslmode=verify-full the client checks the certificate chain and the host name of the server.';

describe('namesPage', () => {
  it('matches the file name, a path ending in it, or a source label naming it', () => {
    expect(namesPage('10-database-tls.md', '10-database-tls.md')).toBe(true);
    expect(namesPage('docs/10-database-tls.md', '10-database-tls.md')).toBe(true);
    expect(namesPage('Database TLS (10-database-tls.md)', '10-database-tls.md')).toBe(true);
    expect(namesPage('https://book.example/10-database-tls', '10-database-tls.md')).toBe(true);
  });
  it('does not match another page sharing a prefix', () => {
    expect(namesPage('110-database-tls-extra.md', '10-database-tls.md')).toBe(false);
    expect(namesPage('09-connection-pools.md', '10-database-tls.md')).toBe(false);
  });
});

describe('scoreQuestion', () => {
  it('ranks the expected page among the cited pages and measures grounding in it', () => {
    const score = scoreQuestion(
      golden,
      {
        id: 'g10',
        citedPages: ['09-connection-pools.md', '10-database-tls.md'],
        answer: 'Use sslmode=verify-full: it checks the host name.',
      },
      page,
      { k: 3, minShare: 0.6 },
    );
    expect(score.rank).toBe(2);
    expect(score.groundedShare).toBeGreaterThan(0.6);
    expect(score.grounded).toBe(true);
    expect(score.termsFound).toBe(1);
  });

  it('an answer whose words are not in the page is not grounded, even when the page is cited', () => {
    const score = scoreQuestion(
      golden,
      {
        id: 'g10',
        citedPages: ['10-database-tls.md'],
        answer: 'Kubernetes liveness probes restart containers periodically.',
      },
      page,
      { k: 3, minShare: 0.6 },
    );
    expect(score.rank).toBe(1);
    expect(score.grounded).toBe(false);
  });

  it('a page cited below k does not count as grounded', () => {
    const cited = ['a.md', 'b.md', 'c.md', '10-database-tls.md'];
    const score = scoreQuestion(golden, { id: 'g10', citedPages: cited, answer: page }, page, { k: 3, minShare: 0.6 });
    expect(score.rank).toBe(4);
    expect(score.grounded).toBe(false);
  });
});

describe('figuresOf', () => {
  it('computes hit@1, hit@3, MRR and the grounded share', () => {
    const base = { groundedShare: 1, termsFound: 1, termsExpected: 1 };
    const figures = figuresOf([
      { id: 'a', rank: 1, grounded: true, ...base },
      { id: 'b', rank: 2, grounded: true, ...base },
      { id: 'c', rank: 4, grounded: false, ...base },
      { id: 'd', rank: undefined, grounded: false, ...base, termsFound: 0 },
    ]);
    expect(figures.hitAt1).toBe(0.25);
    expect(figures.hitAt3).toBe(0.5);
    expect(figures.mrr).toBeCloseTo((1 + 0.5 + 0.25 + 0) / 4);
    expect(figures.grounded).toBe(0.5);
    expect(figures.expectedTerms).toBe(0.75);
    expect(missedMinimums(figures, { hitAt1: 0.75, hitAt3: 0.5, mrr: 0.4, grounded: 0.4 })).toEqual([
      'hit@1 0.25 < 0.75',
    ]);
  });
});

describe('helpers', () => {
  it('content terms drop stopwords and short words; distinct pages keep first-cited order', () => {
    expect(contentTerms('The server binds to 0.0.0.0 and the PORT')).toEqual(['server', 'binds', '0.0.0.0', 'port']);
    expect(distinctPages(['b.md', 'a.md', 'b.md', ''])).toEqual(['b.md', 'a.md']);
  });
});
