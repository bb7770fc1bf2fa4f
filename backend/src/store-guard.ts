import type { ConversationStore } from './contracts.ts';
import { UpstreamError } from './contracts.ts';
import { classifyPostgresError } from './db/errors.ts';

/**
 * Routes see PostgreSQL outages as UpstreamError (503 with a code) rather than
 * a 500 carrying a driver message, and nothing is written before migrations ran.
 */
export function guardStore(store: ConversationStore, migrated: () => boolean): ConversationStore {
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    if (!migrated()) throw new UpstreamError('postgres', 'upstream_unavailable', 'migrations pending');
    try {
      return await call();
    } catch (error) {
      const failure = classifyPostgresError(error);
      if (failure === 'query failed') throw error;
      throw new UpstreamError('postgres', 'upstream_unavailable', failure);
    }
  };
  return {
    addQuestion: (input) => guard(() => store.addQuestion(input)),
    addAnswer: (input) => guard(() => store.addAnswer(input)),
    getConversation: (id) => guard(() => store.getConversation(id)),
    deleteConversation: (id) => guard(() => store.deleteConversation(id)),
  };
}
