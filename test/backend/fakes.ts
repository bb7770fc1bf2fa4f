/** In-memory stand-ins for the backend's layers, for route tests that need no database or upstream. */
import { randomUUID } from 'node:crypto';
import {
  ConversationNotFoundError,
  type Answer,
  type AnswerOptions,
  type AnswerRequest,
  type AnswerService,
  type Citation,
  type ConversationStore,
  type DependencyCheck,
  type IngestDocument,
  type IngestService,
  type ReadinessChecks,
  type StoredConversation,
} from '../../backend/src/contracts.ts';

export class MemoryStore implements ConversationStore {
  readonly conversations = new Map<string, StoredConversation>();

  async addQuestion(input: { conversationId?: string; content: string; selectedText?: string }) {
    let conversation: StoredConversation | undefined;
    if (input.conversationId) {
      conversation = this.conversations.get(input.conversationId);
      if (!conversation) throw new ConversationNotFoundError(input.conversationId);
    } else {
      conversation = { id: randomUUID(), created_at: new Date().toISOString(), messages: [] };
      this.conversations.set(conversation.id, conversation);
    }
    const id = randomUUID();
    conversation.messages.push({
      id,
      role: 'user',
      content: input.content,
      selected_text: input.selectedText ?? null,
      citations: [],
      created_at: new Date().toISOString(),
    });
    return { conversationId: conversation.id, messageId: id };
  }

  async addAnswer(input: { conversationId: string; content: string; citations: Citation[] }) {
    const id = randomUUID();
    this.conversations.get(input.conversationId)!.messages.push({
      id,
      role: 'assistant',
      content: input.content,
      selected_text: null,
      citations: input.citations,
      created_at: new Date().toISOString(),
    });
    return { messageId: id };
  }

  async getConversation(id: string) {
    return this.conversations.get(id);
  }

  async deleteConversation(id: string) {
    return this.conversations.delete(id);
  }
}

export const sampleCitation: Citation = {
  title: 'Health checks',
  url: 'https://book.example/05-health-checks',
  file_path: '05-health-checks.md',
  score: 0.82,
  snippet: 'A liveness route touches no dependency.',
};

/** Answers from a script: a fixed answer, or whatever `behaviour` does (throw, wait...). */
export class ScriptedAnswers implements AnswerService {
  readonly requests: AnswerRequest[] = [];
  behaviour: (request: AnswerRequest, options?: AnswerOptions) => Promise<Answer> = async () => ({
    answer: 'A liveness route touches no dependency.',
    sources: ['Health checks (https://book.example/05-health-checks)'],
    citations: [sampleCitation],
  });

  async answer(request: AnswerRequest, options?: AnswerOptions): Promise<Answer> {
    this.requests.push(request);
    return this.behaviour(request, options);
  }
}

export class RecordingIngest implements IngestService {
  readonly batches: IngestDocument[][] = [];
  async ingest(documents: IngestDocument[]) {
    this.batches.push(documents);
    return { documents: documents.length, chunks: documents.length * 2 };
  }
}

export function readiness(overrides: Partial<Record<keyof ReadinessChecks, DependencyCheck>> = {}): ReadinessChecks {
  const ok: DependencyCheck = { ok: true, latencyMs: 1 };
  return {
    postgres: async () => overrides.postgres ?? ok,
    qdrant: async () => overrides.qdrant ?? ok,
    cohere: async () => overrides.cohere ?? ok,
  };
}
