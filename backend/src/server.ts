import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';

function fatal(message: string, fields: Record<string, unknown> = {}): never {
  // Same JSON shape as pino so log pipelines parse start-up failures too.
  console.error(JSON.stringify({ level: 60, time: Date.now(), msg: message, ...fields }));
  process.exit(1);
}

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) fatal(error.message, { variables: error.variables });
  throw error;
}

const app = await buildApp(config);

// '::' accepts IPv4 and IPv6: Railway's private network is IPv6-only.
try {
  await app.listen({ port: config.PORT, host: '::' });
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'EAFNOSUPPORT') throw error;
  await app.listen({ port: config.PORT, host: '0.0.0.0' });
}

// Railway sends SIGTERM on redeploy: stop accepting, let in-flight requests finish.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    app.log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
