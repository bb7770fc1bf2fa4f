/**
 * The one thing every check's `run` receives: the environment (local or
 * remote behind one interface), the target's client, thresholds, the run's
 * secrets, faults and container helpers, and the abort signal of the check's
 * time limit. Parts that only a local environment has throw a HarnessBug when
 * a check that did not declare the requirement reaches for them, instead of
 * the `environment.local!` a forgotten guard used to crash on.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DatabaseSpec } from '../config/profiles.ts';
import type { Thresholds } from '../config/schema.ts';
import type { TargetSpec } from '../config/target-spec.ts';
import type { EnvironmentInfo, LocalTargetInfo } from '../environments/info.ts';
import { DependencyFaults } from '../environments/local/faults.ts';
import type { AdminConnection } from '../support/postgres-admin.ts';
import { maskSecretValues, type Secret } from '../support/secrets.ts';
import type { Attachment } from './check.ts';
import { runSecrets } from '../environments/secrets.ts';
import { TargetClient } from '../target/client.ts';
import { configureRecorder, recordingFile } from '../target/recorder.ts';

/** A check reached for something its declared requirements do not guarantee: a mistake in the harness. */
export class HarnessBug extends Error {
  override name = 'HarnessBug';
}

export class CheckContext {
  readonly environment: EnvironmentInfo;
  readonly signal: AbortSignal;
  readonly checkId: string;
  readonly secrets: readonly Secret[];
  private faultsOfRun: DependencyFaults | undefined;
  private lastNote: string | undefined;

  constructor(environment: EnvironmentInfo, checkId: string, signal: AbortSignal) {
    this.environment = environment;
    this.checkId = checkId;
    this.signal = signal;
    this.secrets = runSecrets(environment);
    // Every response and frame the target sends this check is recorded (masked) for 5.3's canary search, which
    // runs locally only: a remote run knows no secret values to search for, nor to mask what it would record.
    configureRecorder(
      environment.kind === 'local'
        ? { file: recordingFile(environment.reportDir), secrets: this.secrets, check: checkId }
        : undefined,
    );
  }

  get kind(): EnvironmentInfo['kind'] {
    return this.environment.kind;
  }

  get runId(): string {
    return this.environment.runId;
  }

  get target(): TargetSpec {
    return this.environment.target;
  }

  get thresholds(): Thresholds {
    return this.environment.thresholds;
  }

  /** The images this run used, by role (base, runtime, postgres, ...). */
  get images(): Record<string, string> {
    return this.environment.images;
  }

  /** Where the harness reaches the target: the deployed URL, or 127.0.0.1 and the mapped port. */
  get baseUrl(): string {
    const url = this.environment.baseUrl;
    if (!url) throw new HarnessBug(`${this.checkId} asked for the target's URL, which this environment does not have`);
    return url;
  }

  /** The local environment's target: image, network, containers. Only for checks that require it. */
  get local(): LocalTargetInfo {
    const local = this.environment.local;
    if (!local) throw new HarnessBug(`${this.checkId} reached for the local environment without requiring 'local'`);
    return local;
  }

  /** The target container the environment started. Only for checks that require 'target-container'. */
  get targetContainerId(): string {
    const id = this.local.containerId;
    if (!id)
      throw new HarnessBug(`${this.checkId} reached for the target container without requiring 'target-container'`);
    return id;
  }

  /** The target's readiness route. Only for checks that require 'readiness-route'. */
  get readinessPath(): string {
    const path = this.target.paths.ready;
    if (!path)
      throw new HarnessBug(`${this.checkId} reached for the readiness route without requiring 'readiness-route'`);
    return path;
  }

  /** The target's database declaration. Only for checks that require 'database'. */
  get database(): DatabaseSpec {
    const database = this.target.database;
    if (!database) throw new HarnessBug(`${this.checkId} reached for the database without requiring 'database'`);
    return database;
  }

  /** The target's API, bounded by thresholds.requestTimeoutMs unless a call says otherwise. */
  client(timeoutMs = this.thresholds.requestTimeoutMs): TargetClient {
    return new TargetClient(this.baseUrl, this.target, timeoutMs);
  }

  /** Breaks and restores the local dependencies (pause, stop, Cohere faults). */
  get faults(): DependencyFaults {
    this.faultsOfRun ??= new DependencyFaults(this.local, this.signal);
    return this.faultsOfRun;
  }

  /** How the harness itself reaches the local PostgreSQL as superuser (through 127.0.0.1). */
  async postgresAdmin(database?: string): Promise<AdminConnection> {
    return { url: await this.faults.postgresAdminUrl(), ...(database ? { database } : {}) };
  }

  /**
   * What the check saw last (a readiness answer, a container state): if the
   * check runs out of time, its verdict says what it was waiting for.
   */
  note(observation: string): void {
    this.lastNote = observation;
  }

  get lastObservation(): string | undefined {
    return this.lastNote;
  }

  /** The files this check attached so far (attach), in order. */
  readonly attachments: Attachment[] = [];

  /**
   * Writes a file into the report folder, under attachments/<check>/, and links it from summary.md
   * beside the verdict (a screenshot, a table of figures). Text is masked against the run's secrets.
   * Returns the file's absolute path.
   */
  async attach(label: string, fileName: string, content: string | Uint8Array): Promise<string> {
    const relative = path.posix.join(
      'attachments',
      this.checkId.replace(/[^a-z0-9.-]+/gi, '_'),
      path.basename(fileName),
    );
    const file = path.join(this.environment.reportDir, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, typeof content === 'string' ? maskSecretValues(content, this.secrets) : content);
    this.attachments.push({ label, path: relative });
    return file;
  }

  /**
   * Undoes whatever the check left broken: the faults it injected and any
   * dependency paused or stopped. Returns what had to be undone.
   */
  async restoreEnvironment(): Promise<string[]> {
    if (this.environment.kind !== 'local' || !this.environment.local?.dependencies) return [];
    return this.faults.restoreAll();
  }

  /** Where a second container of the target image is started: the run's network, labelled with the run. */
  get network(): { networkName: string; runId: string } {
    return { networkName: this.local.networkName, runId: this.runId };
  }
}
