/**
 * 5.3/no-canary-leak: every secret the local target gets is a canary marked
 * with the run id. This check provokes the target a little itself (a
 * question over HTTP and the WebSocket, a bad request, a refused ingestion,
 * its OpenAPI document and metrics), then searches for each canary: every
 * response and frame the run recorded (src/target/recorder.ts; suite 5.3
 * runs last, so every other suite's answers are in), every container's whole
 * log, the image (configuration, history, every layer) and the report files.
 * A hit names the place and the variable, never the value. The files the
 * runner writes after the last check (summary, JUnit, saved logs) it searches
 * itself (scripts/run.ts).
 */
import { getContainerRuntimeClient } from 'testcontainers';
import { failed, passed, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import { unpauseIfPaused, withDeadline } from '../../support/bounded.ts';
import { scanImageLayers } from '../../support/image-layers.ts';
import { demuxDockerLog } from '../../support/log-lines.ts';
import { findSecretsInFiles } from '../../support/secret-files.ts';
import { leakedSecrets, secretNeedles, type Secret } from '../../support/secrets.ts';
import { readRecording, recordingFile } from '../../target/recorder.ts';
import { sendRaw } from './exchange.ts';
import { documentsPath } from './shared.ts';

export interface CanaryHit {
  place: string;
  variable: string;
}

/** Provokes the target: answers of every kind end up in the recording. */
async function provoke(ctx: CheckContext): Promise<number> {
  const client = ctx.client();
  const timeoutMs = ctx.thresholds.requestTimeoutMs * 2;
  let sent = 0;
  await client.ask('What does a ROS 2 node do?').then(() => sent++);
  if (ctx.target.paths.ws) await client.askOverWebSocket('What is a ROS 2 topic?', timeoutMs).then(() => sent++);
  const requests: { method: string; path: string; headers?: Record<string, string>; body?: string }[] = [
    {
      method: 'POST',
      path: ctx.target.paths.query,
      headers: { 'content-type': 'application/json' },
      body: '{"query":',
    },
    { method: 'GET', path: '/openapi.json' },
    { method: 'GET', path: '/metrics' },
    { method: 'GET', path: ctx.target.paths.ready ?? ctx.target.paths.health },
    { method: 'GET', path: '/shipshape-no-such-route' },
  ];
  const documents = documentsPath(ctx.target);
  if (documents) {
    requests.push({
      method: 'POST',
      path: documents,
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-the-admin-token' },
      body: '{"documents":[{"title":"t","text":"x"}]}',
    });
  }
  for (const request of requests) {
    await sendRaw(ctx.baseUrl, { ...request, timeoutMs });
    sent++;
  }
  return sent;
}

/** Every container of the run: the target, its dependencies, and any other still carrying the run's label. */
async function containerLogHits(
  ctx: CheckContext,
  needles: readonly Secret[],
): Promise<{ containers: number; lines: number; hits: CanaryHit[] }> {
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const listed = await docker.listContainers({ all: true, filters: { label: [`dev.shipshape.run=${ctx.runId}`] } });
  const names = new Map<string, string>();
  names.set(ctx.targetContainerId, `the target (${ctx.local.alias})`);
  for (const dependency of Object.values(ctx.local.dependencies ?? {}))
    names.set(dependency.containerId, dependency.alias);
  for (const container of listed)
    if (!names.has(container.Id))
      names.set(container.Id, container.Names[0]?.replace(/^\//, '') ?? container.Id.slice(0, 12));
  const hits: CanaryHit[] = [];
  let lines = 0;
  for (const [id, name] of names) {
    const container = docker.getContainer(id);
    try {
      await unpauseIfPaused(container, 5_000);
      const payload = (await withDeadline(
        container.logs({ stdout: true, stderr: true, follow: false }),
        15_000,
        `reading the ${name} log`,
      )) as unknown as Buffer;
      const text = demuxDockerLog(Buffer.isBuffer(payload) ? payload : Buffer.from(String(payload)));
      lines += text.length;
      const found = new Set<string>();
      for (const line of text) for (const variable of leakedSecrets(line.text, needles)) found.add(variable);
      for (const variable of found) hits.push({ place: `the log of ${name}`, variable });
    } catch {
      // a container removed meanwhile (a finished probe's)
    }
  }
  return { containers: names.size, lines, hits };
}

/** The image's configuration and history, then every layer's bytes. */
async function imageHits(
  ctx: CheckContext,
  needles: readonly Secret[],
): Promise<{ layers: number; hits: CanaryHit[] }> {
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const image = docker.getImage(ctx.local.image);
  const inspect = await image.inspect();
  const hits: CanaryHit[] = [];
  const config = JSON.stringify({
    env: inspect.Config?.Env,
    labels: inspect.Config?.Labels,
    cmd: inspect.Config?.Cmd,
    entrypoint: inspect.Config?.Entrypoint,
  });
  for (const variable of leakedSecrets(config, needles))
    hits.push({ place: 'the image configuration (ENV, labels, CMD)', variable });
  const history = await image.history();
  history.forEach((step: { CreatedBy?: string }, index: number) => {
    for (const variable of leakedSecrets(step.CreatedBy ?? '', needles))
      hits.push({ place: `image history step ${index + 1}`, variable });
  });
  const scan = await scanImageLayers(ctx.local.image, needles);
  for (const file of scan.secretFiles) {
    for (const needle of needles) {
      if (file.what.includes(needle.name))
        hits.push({ place: `image layer ${file.layer + 1}, ${file.path}`, variable: needle.name });
    }
  }
  return { layers: scan.layers.length, hits };
}

export async function probeCanaries(ctx: CheckContext): Promise<Verdict> {
  const started = Date.now();
  const needles = secretNeedles(ctx.local.environment, ctx.target.secretEnv);
  const tooShort = ctx.secrets
    .filter((secret) => !needles.some((needle) => needle.name === secret.name))
    .map((secret) => secret.name);
  const provoked = await provoke(ctx);
  const hits: CanaryHit[] = [];

  const file = recordingFile(ctx.environment.reportDir);
  const recording = readRecording(file);
  for (const entry of recording) {
    for (const variable of entry.leaked) {
      if (needles.some((needle) => needle.name === variable)) {
        hits.push({
          place: `${entry.kind === 'ws' ? 'a WebSocket frame' : 'an HTTP response'} (${entry.where}${entry.check ? `, during ${entry.check}` : ''})`,
          variable,
        });
      }
    }
  }
  const answers = (kind: 'http' | 'ws') =>
    recording.filter((entry) => entry.kind === kind).reduce((sum, entry) => sum + (entry.count ?? 1), 0);
  const http = answers('http');
  const frames = answers('ws');

  const logs = await containerLogHits(ctx, needles);
  hits.push(...logs.hits);
  const image = await imageHits(ctx, needles);
  hits.push(...image.hits);
  const reports = findSecretsInFiles(ctx.environment.reportDir, needles);
  hits.push(...reports.hits.map((hit) => ({ place: `report file ${hit.file}`, variable: hit.variable })));

  const unique = [...new Map(hits.map((hit) => [`${hit.place}\n${hit.variable}`, hit])).values()];
  const figures =
    `${needles.length} canaries (${needles.map((needle) => needle.name).join(', ')}) searched in ` +
    `${http} HTTP response(s) and ${frames} WebSocket frame(s) recorded (${provoked} provoked by this check; ` +
    `every suite of the run before it, load tests included), ${logs.containers} container log(s) (${logs.lines} lines), ` +
    `the image's configuration, history and ${image.layers} layer(s), and ${reports.files} report file(s), ` +
    `in ${((Date.now() - started) / 1000).toFixed(1)} s` +
    (tooShort.length > 0 ? `; too short to trace without false hits: ${tooShort.join(', ')}` : '');
  if (unique.length === 0) return passed(figures);
  const byVariable = [...new Set(unique.map((hit) => hit.variable))];
  return failed(
    `the value of ${byVariable.join(', ')} leaked: ${unique.length} place(s); ${figures}`,
    unique
      .slice(0, 30)
      .map((hit) => `- ${hit.variable} in ${hit.place}`)
      .join('\n'),
  );
}
