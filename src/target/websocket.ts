import type { TargetSpec } from '../config/target-spec.ts';

/**
 * One question over the target's WebSocket, in its profile's frame shapes.
 * Node's own WebSocket (undici) is enough: no browser Origin, no extra dependency.
 */
export interface WebSocketExchange {
  /** The final frame of the profile's response type, when one came. */
  response?: Record<string, unknown>;
  /** Every frame type seen, in order: evidence when the response never comes. */
  frameTypes: string[];
  error?: string;
}

export async function askOverWebSocket(
  baseUrl: string,
  target: Pick<TargetSpec, 'paths' | 'ws'>,
  question: string,
  timeoutMs: number,
): Promise<WebSocketExchange> {
  const frameTypes: string[] = [];
  if (!target.paths.ws) return { frameTypes, error: 'the target declares no WebSocket route' };
  const url = `${baseUrl.replace(/^http/, 'ws')}${target.paths.ws}`;
  const { ws } = target;
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    const finish = (exchange: Omit<WebSocketExchange, 'frameTypes'>) => {
      clearTimeout(timer);
      socket.close();
      resolve({ ...exchange, frameTypes });
    };
    const timer = setTimeout(
      () => finish({ error: `no "${ws.responseType}" frame within ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.addEventListener('open', () => {
      socket.send(JSON.stringify({ type: ws.messageType, [ws.contentField]: question }));
    });
    socket.addEventListener('message', (event) => {
      let frame: unknown;
      try {
        frame = JSON.parse(String(event.data));
      } catch {
        frameTypes.push('(not JSON)');
        return;
      }
      const type = (frame as { type?: unknown } | null)?.type;
      frameTypes.push(typeof type === 'string' ? type : '(no type)');
      if (type === ws.responseType) finish({ response: frame as Record<string, unknown> });
    });
    socket.addEventListener('error', () => finish({ error: `could not talk to ${target.paths.ws}` }));
    socket.addEventListener('close', (event) =>
      finish({ error: `the server closed the socket (code ${event.code}${event.reason ? `: ${event.reason}` : ''})` }),
    );
  });
}
