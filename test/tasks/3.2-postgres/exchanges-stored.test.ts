/**
 * 3.2/writes-persisted judges whole exchanges: each question answered 2xx
 * and the answer the API returned for it must both be in the declared
 * tables, in rows carrying the conversation id the API named. Inputs a good
 * store, a store that writes nothing and one that writes only questions
 * produce; the end-to-end proof is the variants answers-without-storing and
 * answers-not-stored.
 */
import { describe, expect, it } from 'vitest';
import {
  evaluateExchangesStored,
  formatExchange,
  type ExchangeOutcome,
  type TextFound,
} from '../../../src/tasks/3.2-postgres/evaluate.ts';

const conversation = '55d548c5-02df-4c29-a713-54e1eb92921b';
const inMessages: TextFound = {
  rows: { conversations: 0, messages: 1 },
  inConversation: { conversations: 0, messages: 1 },
};
const nowhere: TextFound = {
  rows: { conversations: 0, messages: 0 },
  inConversation: { conversations: 0, messages: 0 },
};
const elsewhere: TextFound = {
  rows: { conversations: 0, messages: 2 },
  inConversation: { conversations: 0, messages: 0 },
};

function exchange(
  label: string,
  questionFound: TextFound,
  answerFound: TextFound,
  extra: Partial<ExchangeOutcome> = {},
) {
  return {
    label,
    marker: `shipshape-run-${label}`,
    question: `shipshape-run-${label}: what does the book say about nodes and topics?`,
    status: 200,
    answer: 'No documents have been ingested yet, so there is nothing to answer from.',
    conversationId: conversation,
    questionFound,
    answerFound,
    ...extra,
  } satisfies ExchangeOutcome;
}

describe('3.2/writes-persisted: whole exchanges', () => {
  it('passes when each question and its answer are stored with their conversation', () => {
    const verdict = evaluateExchangesStored([
      exchange('q1', inMessages, inMessages),
      exchange('q2', inMessages, inMessages),
    ]);
    expect(verdict).toEqual({
      status: 'passed',
      message:
        'all 2 exchanges answered 2xx are stored whole: each question and the answer the API returned found in ' +
        'messages, each with the conversation id the API returned',
    });
  });

  it('fails a store that writes nothing, naming both halves', () => {
    const verdict = evaluateExchangesStored([exchange('q1', nowhere, nowhere), exchange('q2', nowhere, nowhere)]);
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toBe(
      'the question is in none of the declared tables for 2 of 2 exchanges answered 2xx (q1, q2); ' +
        'the answer is in none of the declared tables for 2 of 2 exchanges answered 2xx (q1, q2)',
    );
  });

  it('fails a store that keeps the questions and drops the answers', () => {
    const verdict = evaluateExchangesStored(
      [exchange('q1', inMessages, nowhere), exchange('q2', inMessages, nowhere)],
      ['searched database "shipshape"'],
    );
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toBe(
      'the answer is in none of the declared tables for 2 of 2 exchanges answered 2xx (q1, q2)',
    );
    const evidence = (verdict as { evidence: string }).evidence.split('\n');
    expect(evidence.slice(0, 7)).toEqual([
      'searched database "shipshape"',
      `q1: answered 200, conversation ${conversation} (shipshape-run-q1)`,
      '  question: shipshape-run-q1: what does the book say about nodes and topics?',
      '  answer (72 characters): No documents have been ingested yet, so there is nothing to answer from.',
      '  the question is in messages (1 row), with its conversation id',
      '  the answer is in none of the declared tables',
      `q2: answered 200, conversation ${conversation} (shipshape-run-q2)`,
    ]);
  });

  it('fails an answer stored only in other conversations (the same text answered another question)', () => {
    const verdict = evaluateExchangesStored([exchange('q1', inMessages, elsewhere)]);
    expect(verdict.message).toBe(
      'the answer is stored without the conversation id the API returned for 1 of 1 exchanges (q1)',
    );
    expect(formatExchange(exchange('q1', inMessages, elsewhere)).at(-1)).toBe(
      `  the answer is in messages (2 rows), but in no row carrying its conversation id ${conversation}`,
    );
  });

  it('judges the text alone when the API names no conversation, and says so', () => {
    const plain: TextFound = { rows: { messages: 1 } };
    const { conversationId: _none, ...rest } = exchange('q1', plain, plain);
    const verdict = evaluateExchangesStored([rest]);
    expect(verdict).toMatchObject({
      status: 'passed',
      message: expect.stringMatching(/\(the API named no conversation\)$/),
    });
  });

  it('fails questions that were not answered 2xx, or answered without an answer text', () => {
    const refused = exchange('q1', nowhere, nowhere, { status: 429 });
    const timedOut: ExchangeOutcome = { label: 'q2', marker: 'm2', question: 'q?', error: 'TimeoutError' };
    const silent = exchange('q3', inMessages, nowhere, { answer: '' });
    const verdict = evaluateExchangesStored([refused, timedOut, silent]);
    expect(verdict.status).toBe('failed');
    expect(verdict.message).toMatch(
      /^2 of 3 questions were not answered 2xx \(429×1, no answer×1: q1, q2\), so there is nothing accepted to look for \(429 is the target's rate limit/,
    );
    expect(verdict.message).toContain('1 question(s) answered 2xx without an answer text (q3)');
    expect((verdict as { evidence: string }).evidence).toContain('q2: no answer (TimeoutError) (m2)');
  });
});
