/**
 * Builds the stand-in images (fixtures/standins/<name>/Dockerfile) as
 * shipshape-standin/<name>:latest on the same base image the target uses.
 * Docker's layer cache makes a rebuild with nothing changed take seconds.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config/load.ts';
import { buildImage, BuildFailedError } from '../src/environments/local/image-build.ts';
import { resolveImages } from '../src/environments/local/images.ts';
import { progress, seconds } from '../src/support/progress.ts';

const standinsDir = path.resolve('fixtures/standins');
const names = existsSync(standinsDir)
  ? readdirSync(standinsDir).filter((name) => existsSync(path.join(standinsDir, name, 'Dockerfile')))
  : [];

const config = await loadConfig({ envName: 'local' });
const { base } = await resolveImages(config.images, ['base']);
let failures = 0;
for (const name of names) {
  const tag = `shipshape-standin/${name}:latest`;
  try {
    const { buildMs } = await buildImage({
      context: path.join(standinsDir, name),
      dockerfile: 'Dockerfile',
      buildArgs: { BASE_IMAGE: base },
      tag,
    });
    progress(`${tag}: built in ${seconds(buildMs)}`);
  } catch (error) {
    if (!(error instanceof BuildFailedError)) throw error;
    failures += 1;
    progress(`${tag}: ${error.message}\n${error.log}`);
  }
}
process.exit(failures === 0 ? 0 : 1);
