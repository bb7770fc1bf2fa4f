import type { ConversationStore, DependencyObserver } from './contracts.ts';
import { UpstreamError, unobserved } from './contracts.ts';
import { classifyPostgresError } from './db/errors.ts';

/**
 * Routes see PostgreSQL outages as UpstreamError (503 with a code) rather than
 * a 500 carrying a driver message, and nothing is written before migrations ran.
 */
export function guardStore(
  store: ConversationStore,
  migrated: () => boolean,
  observe: DependencyObserver = unobserved,
): ConversationStore {
  const guard = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    if (!migrated()) throw new UpstreamError('postgres', 'upstream_unavailable', 'migrations pending');
    try {
      return await observe('postgres', operation, call);
    } catch (error) {
      const failure = classifyPostgresError(error);
      if (failure === 'query failed') throw error;
      throw new UpstreamError('postgres', 'upstream_unavailable', failure);
    }
  };
  return {
    addQuestion: (input) => guard('add_question', () => store.addQuestion(input)),
    addAnswer: (input) => guard('add_answer', () => store.addAnswer(input)),
    getConversation: (id) => guard('get_conversation', () => store.getConversation(id)),
    deleteConversation: (id) => guard('delete_conversation', () => store.deleteConversation(id)),
  };
}
