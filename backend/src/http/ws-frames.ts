/**
 * The frames of the WebSocket protocol (DESIGN section 3) and the validation of
 * what clients send. A frame that fails validation is answered with an error
 * frame whose message names the field, and the connection stays usable.
 */
import { z } from 'zod';
import type { Citation, UpstreamErrorCode } from '../contracts.ts';

export interface MessageFrame {
  type: 'message';
  content: string;
  selected_text?: string | undefined;
  conversation_id?: string | undefined;
  stream?: boolean | undefined;
}

export interface DeltaFrame {
  type: 'delta';
  content: string;
}

export interface ResponseFrame {
  type: 'response';
  message: string;
  sources: string[];
  citations: Citation[];
  conversation_id: string;
  message_id: string;
}

export type ErrorCode =
  | 'bad_request'
  | 'conversation_not_found'
  | 'too_many_messages'
  | 'rate_limited'
  | 'shutting_down'
  | 'internal_error'
  | UpstreamErrorCode;

export interface ErrorFrame {
  type: 'error';
  code: ErrorCode;
  message: string;
  /** The connection's request id, which the server log carries beside the detail. */
  request_id: string;
  /** Set when the question was stored, so the client can retry within the same conversation. */
  conversation_id?: string;
  retry_after_seconds?: number;
}

export interface KeepAliveFrame {
  type: 'keep-alive';
}

export type ServerFrame = DeltaFrame | ResponseFrame | ErrorFrame | KeepAliveFrame;

/** What a client frame turned out to be; `invalid` carries the reason for the error frame. */
export type ParsedFrame =
  { kind: 'message'; frame: MessageFrame } | { kind: 'keep-alive' } | { kind: 'invalid'; message: string };

export interface FrameLimits {
  maxContentLength: number;
  maxSelectedTextLength: number;
}

function messageSchema(limits: FrameLimits) {
  return z.object({
    type: z.literal('message'),
    content: z
      .string({ error: (issue) => (issue.input === undefined ? 'content is required' : 'content must be a string') })
      // Whitespace only is as empty as "" for a question; POST /api/v1/query refuses it too.
      .regex(/\S/, { error: 'content must not be empty' })
      // PostgreSQL text cannot hold NUL: refused here, not a failed store later.
      .refine((text) => !text.includes('\u0000'), { error: 'content must not contain NUL characters' })
      .max(limits.maxContentLength, { error: `content must be at most ${limits.maxContentLength} characters` }),
    selected_text: z
      .string({ error: 'selected_text must be a string' })
      .refine((text) => !text.includes('\u0000'), { error: 'selected_text must not contain NUL characters' })
      .max(limits.maxSelectedTextLength, {
        error: `selected_text must be at most ${limits.maxSelectedTextLength} characters`,
      })
      .optional(),
    // guid, not uuid: the same any-version 8-4-4-4-12 form that the HTTP routes' "uuid" format accepts.
    conversation_id: z.guid({ error: 'conversation_id must be a UUID' }).optional(),
    stream: z.boolean({ error: 'stream must be true or false' }).optional(),
  });
}

export type FrameParser = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => ParsedFrame;

export function frameParser(limits: FrameLimits): FrameParser {
  const schema = messageSchema(limits);
  return (data, isBinary) => {
    if (isBinary) return { kind: 'invalid', message: 'frames must be JSON text, not binary' };
    let value: unknown;
    try {
      value = JSON.parse(
        Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(toBuffers(data)).toString('utf8'),
      );
    } catch {
      return { kind: 'invalid', message: 'frame is not valid JSON' };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { kind: 'invalid', message: 'frame must be a JSON object' };
    }
    const type: unknown = (value as Record<string, unknown>).type;
    if (type === 'keep-alive') return { kind: 'keep-alive' };
    if (type !== 'message') {
      return {
        kind: 'invalid',
        message:
          type === undefined
            ? 'type is required; expected "message"'
            : `unknown type ${JSON.stringify(type).slice(0, 40)}; expected "message"`,
      };
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) return { kind: 'invalid', message: parsed.error.issues.map((i) => i.message).join('; ') };
    return { kind: 'message', frame: parsed.data };
  };
}

function toBuffers(data: ArrayBuffer | Buffer[]): Buffer[] {
  return Array.isArray(data) ? data : [Buffer.from(data)];
}
