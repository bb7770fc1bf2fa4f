import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { classifyPostgresError } from './errors.ts';
import { clientOptions } from './pool.ts';

export interface MigrationLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * Located from this module, not from the working directory: the image copies
 * backend/src and backend/migrations side by side into /app.
 */
export const migrationsDir = fileURLToPath(new URL('../../migrations', import.meta.url));

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * Applies pending migrations (plain .sql files, no build step needed). Safe when
 * several instances start at once: node-pg-migrate holds a session advisory
 * lock for the whole run, and in `wait` mode the later instance waits for it,
 * then finds nothing left to do. Returns the names of the migrations applied.
 */
export async function runMigrations(databaseUrl: string, log: MigrationLog): Promise<string[]> {
  const client = new pg.Client({ ...clientOptions(databaseUrl), connectionTimeoutMillis: 10_000 });
  // A connection dropped mid-run surfaces through the pending query; without a listener it would crash.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    // pg's connect errors name the host; the category is enough to act on.
    throw new MigrationError(`database migration failed: ${classifyPostgresError(error)}`);
  }
  try {
    const applied = await runner({
      dbClient: client,
      dir: migrationsDir,
      // Only .sql files are migrations, so a stray README or editor file is never executed.
      ignorePattern: String.raw`(\..*|.*(?<!\.sql))`,
      migrationsTable: 'pgmigrations',
      direction: 'up',
      singleTransaction: true,
      advisoryLockMode: 'wait',
      checkOrder: true,
      logger: {
        info: (message) => log.info(message),
        warn: (message) => log.warn(message),
        error: (message) => log.error(message),
      },
    });
    return applied.map((migration) => migration.name);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`database migration failed: ${detail}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
