import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import {
  type Citation,
  ConversationNotFoundError,
  type ConversationStore,
  type StoredConversation,
  type StoredMessage,
} from '../contracts.ts';

// Ids come from clients; anything else would only reach PostgreSQL to fail there with 22P02.
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isUuid(id: string): boolean {
  return uuidPattern.test(id);
}

const foreignKeyViolation = '23503';

interface MessageRow {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  selected_text: string | null;
  citations: Citation[];
  created_at: Date;
}

export class PostgresConversationStore implements ConversationStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async addQuestion(input: {
    conversationId?: string;
    content: string;
    selectedText?: string;
  }): Promise<{ conversationId: string; messageId: string }> {
    const messageId = randomUUID();
    const selectedText = input.selectedText ?? null;
    if (input.conversationId === undefined) {
      const conversationId = randomUUID();
      // One statement, so a new conversation never exists without its first question.
      await this.#pool.query(
        `WITH conversation AS (INSERT INTO conversations (id) VALUES ($1) RETURNING id)
         INSERT INTO messages (id, conversation_id, role, content, selected_text)
         SELECT $2, conversation.id, 'user', $3, $4 FROM conversation`,
        [conversationId, messageId, input.content, selectedText],
      );
      return { conversationId, messageId };
    }
    await this.#insertMessage(input.conversationId, {
      id: messageId,
      role: 'user',
      content: input.content,
      selectedText,
      citations: [],
    });
    return { conversationId: input.conversationId, messageId };
  }

  async addAnswer(input: {
    conversationId: string;
    content: string;
    citations: Citation[];
  }): Promise<{ messageId: string }> {
    const messageId = randomUUID();
    await this.#insertMessage(input.conversationId, {
      id: messageId,
      role: 'assistant',
      content: input.content,
      selectedText: null,
      citations: input.citations,
    });
    return { messageId };
  }

  async getConversation(id: string): Promise<StoredConversation | undefined> {
    if (!isUuid(id)) return undefined;
    const conversation = await this.#pool.query<{ id: string; created_at: Date }>(
      'SELECT id, created_at FROM conversations WHERE id = $1',
      [id],
    );
    const row = conversation.rows[0];
    if (!row) return undefined;
    const messages = await this.#pool.query<MessageRow>(
      `SELECT id, role, content, selected_text, citations, created_at
         FROM messages WHERE conversation_id = $1
        ORDER BY created_at, seq`,
      [id],
    );
    return { id: row.id, created_at: row.created_at.toISOString(), messages: messages.rows.map(toStoredMessage) };
  }

  async deleteConversation(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    // Messages go with it: ON DELETE CASCADE.
    const result = await this.#pool.query('DELETE FROM conversations WHERE id = $1', [id]);
    return result.rowCount === 1;
  }

  async #insertMessage(
    conversationId: string,
    message: {
      id: string;
      role: 'user' | 'assistant';
      content: string;
      selectedText: string | null;
      citations: Citation[];
    },
  ): Promise<void> {
    if (!isUuid(conversationId)) throw new ConversationNotFoundError('conversation not found');
    try {
      await this.#pool.query(
        `INSERT INTO messages (id, conversation_id, role, content, selected_text, citations)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
        [
          message.id,
          conversationId,
          message.role,
          message.content,
          message.selectedText,
          JSON.stringify(message.citations),
        ],
      );
    } catch (error) {
      // The foreign key is the existence check: no separate SELECT that a concurrent delete could race.
      if ((error as { code?: unknown }).code === foreignKeyViolation) {
        throw new ConversationNotFoundError('conversation not found');
      }
      throw error;
    }
  }
}

function toStoredMessage(row: MessageRow): StoredMessage {
  return {
    id: row.id,
    role: row.role,
    content: row.content,
    selected_text: row.selected_text,
    citations: row.citations,
    created_at: row.created_at.toISOString(),
  };
}
