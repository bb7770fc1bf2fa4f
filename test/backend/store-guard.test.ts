import { describe, expect, it } from 'vitest';
import { UpstreamError, type ConversationStore } from '../../backend/src/contracts.ts';
import { Metrics } from '../../backend/src/http/metrics.ts';
import { guardStore } from '../../backend/src/store-guard.ts';
import { MemoryStore } from './fakes.ts';

function refusingStore(): ConversationStore {
  const refused = async () => {
    throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' });
  };
  return { addQuestion: refused, addAnswer: refused, getConversation: refused, deleteConversation: refused };
}

describe('store guard', () => {
  it('times each PostgreSQL call for /metrics', async () => {
    const metrics = new Metrics();
    const store = guardStore(
      new MemoryStore(),
      () => true,
      (d, o, call) => metrics.track(d, o, call),
    );
    await store.addQuestion({ content: 'q' });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(
      /dependency_request_duration_seconds_count\{dependency="postgres",operation="add_question"\} 1/,
    );
  });

  it('turns an outage into a 503-worthy UpstreamError and counts it, without the address', async () => {
    const metrics = new Metrics();
    const store = guardStore(
      refusingStore(),
      () => true,
      (d, o, call) => metrics.track(d, o, call),
    );
    const error = await store.addQuestion({ content: 'q' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      dependency: 'postgres',
      code: 'upstream_unavailable',
      message: 'postgres: unreachable',
    });
    expect(await metrics.registry.metrics()).toMatch(
      /dependency_errors_total\{dependency="postgres",operation="add_question"\} 1/,
    );
  });

  it('writes nothing before migrations ran', async () => {
    const memory = new MemoryStore();
    const store = guardStore(memory, () => false);
    await expect(store.addQuestion({ content: 'q' })).rejects.toMatchObject({
      code: 'upstream_unavailable',
      message: 'postgres: migrations pending',
    });
    expect(memory.conversations.size).toBe(0);
  });
});
