/**
 * The image: it builds from the stand-in's Dockerfile, runs as a non-root
 * user, honours PORT, and answers the official client through a mapped port.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cohere, CohereClientV2 } from 'cohere-ai';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { loadConfig } from '../../../src/config/load.ts';
import { buildImage } from '../../../src/environments/local/image-build.ts';
import { resolveImages } from '../../../src/environments/local/images.ts';
import { removeRunResources, runLabels } from '../../../src/support/run-resources.ts';
import { newRunId } from '../../../src/environments/run-context.ts';
import { apiKey, clientsFor, contractProblems, type RunningStandin } from './support.ts';

process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
const runId = newRunId();
const context = path.resolve(import.meta.dirname, '../../../fixtures/standins/cohere');
const tag = 'shipshape-standin/cohere:latest';

let container: StartedTestContainer;
let standin: RunningStandin;

function start(environment: Record<string, string>, port: number): Promise<StartedTestContainer> {
  return new GenericContainer(tag)
    .withEnvironment(environment)
    .withExposedPorts(port)
    .withLabels(runLabels(runId))
    .withWaitStrategy(Wait.forHttp('/health', port).forStatusCode(200))
    .withStartupTimeout(60_000)
    .start();
}

beforeAll(async () => {
  const config = await loadConfig({ envName: 'local' });
  const images = await resolveImages(config.images, ['base']);
  await buildImage({ context, dockerfile: 'Dockerfile', buildArgs: { BASE_IMAGE: images.base }, tag });
  container = await start({ STANDIN_API_KEYS: apiKey }, 8080);
  standin = clientsFor(`http://127.0.0.1:${container.getMappedPort(8080)}`);
});

afterAll(async () => {
  await removeRunResources(runId);
});

describe('the Cohere stand-in image', () => {
  it('runs as the non-root node user with exec-form node CMD', async () => {
    const result = await container.exec(['id', '-un']);
    expect(result.output.trim()).toBe('node');
    const top = await container.exec(['cat', '/proc/1/cmdline']);
    expect(top.output.split('\0').filter(Boolean)).toEqual(['node', 'src/main.ts']);
  });

  it('answers embed, chat and a chat stream from the official client through the mapped port', async () => {
    const embed = await standin.v2.embed({ model: 'embed-english-v3.0', inputType: 'search_query', texts: ['hi'] });
    expect(embed.embeddings.float![0]).toHaveLength(1024);
    const chat = await standin.v2.chat({
      model: 'command-a-03-2025',
      messages: [{ role: 'user', content: 'What colour are bananas?' }],
      documents: ['Bananas are yellow.'],
    });
    expect(chat.message.content).toEqual([{ type: 'text', text: 'Bananas are yellow.' }]);
    let streamed = '';
    const stream = await standin.v2.chatStream({
      model: 'command-a-03-2025',
      messages: [{ role: 'user', content: 'What colour are bananas?' }],
      documents: ['Bananas are yellow.'],
    });
    for await (const event of stream)
      if (event.type === 'content-delta') streamed += event.delta?.message?.content?.text;
    expect(streamed).toBe('Bananas are yellow.');
    expect(contractProblems(standin.exchanges)).toEqual([]);
  });

  it('refuses a token other than the one in STANDIN_API_KEYS', async () => {
    const client = new CohereClientV2({ token: 'not-the-key', environment: standin.baseUrl });
    const error = await client
      .embed({ model: 'embed-v4.0', inputType: 'search_query', texts: ['x'] }, { maxRetries: 0 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Cohere.UnauthorizedError);
    const logs = await container.logs();
    const text = await new Promise<string>((resolve) => {
      let output = '';
      logs.on('data', (chunk: Buffer | string) => (output += chunk.toString()));
      setTimeout(() => {
        logs.destroy();
        resolve(output);
      }, 500);
    });
    expect(text).toContain('Cohere stand-in (not Cohere) listening on port 8080');
    expect(text).not.toContain(apiKey);
    expect(text).not.toContain('not-the-key');
  });

  it('listens on PORT when it is set, and takes COHERE_API_KEY', async () => {
    const other = await start({ PORT: '9090', COHERE_API_KEY: 'cohere-key' }, 9090);
    const client = new CohereClientV2({
      token: 'cohere-key',
      environment: `http://127.0.0.1:${other.getMappedPort(9090)}`,
    });
    const response = await client.rerank({ model: 'rerank-v3.5', query: 'port', documents: ['the port', 'fruit'] });
    expect(response.results[0]).toMatchObject({ index: 0 });
    await other.stop();
  });
});
