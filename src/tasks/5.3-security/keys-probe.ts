/**
 * 5.3/no-keys-in-image and 5.3/no-keys-in-repository: keys reach the app only
 * through its environment, never through the image or the repository.
 */
import { getContainerRuntimeClient } from 'testcontainers';
import { failed, passed, type Verdict } from '../../checks/check.ts';
import type { CheckContext } from '../../checks/context.ts';
import { scanImageLayers } from '../../support/image-layers.ts';
import { leakedSecrets, secretNeedles } from '../../support/secrets.ts';
import { allowlistFile, describeFinding, findKeys, scanTree, type KeyFinding } from './keys.ts';

/** 5.3/no-keys-in-image: ENV, labels, CMD, every history step (key formats and canaries), every layer (canaries). */
export async function probeKeysInImage(ctx: CheckContext): Promise<Verdict> {
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const image = docker.getImage(ctx.local.image);
  const inspect = await image.inspect();
  const findings: KeyFinding[] = [];
  const env = inspect.Config?.Env ?? [];
  for (const entry of env) {
    const name = entry.split('=')[0] ?? '';
    for (const finding of findKeys(entry.replace('=', ': '), `image ENV ${name}`))
      findings.push({ ...finding, line: 0 });
  }
  for (const [name, value] of Object.entries(inspect.Config?.Labels ?? {})) {
    for (const finding of findKeys(`${name}: ${value}`, `image label ${name}`)) findings.push({ ...finding, line: 0 });
  }
  const history = (await image.history()) as { CreatedBy?: string }[];
  // docker history lists the newest step first.
  history.reverse().forEach((step, index) => {
    for (const finding of findKeys(step.CreatedBy ?? '', `image history step ${index + 1}`))
      findings.push({ ...finding, line: 0 });
  });
  const needles = secretNeedles(ctx.local.environment, ctx.target.secretEnv);
  const canaries: string[] = [];
  const configText = JSON.stringify([env, inspect.Config?.Labels, history.map((step) => step.CreatedBy)]);
  for (const variable of leakedSecrets(configText, needles))
    canaries.push(`the canary of ${variable} in the image configuration or history`);
  const scan = await scanImageLayers(ctx.local.image, needles);
  for (const file of scan.secretFiles) canaries.push(`layer ${file.layer + 1}: ${file.path}: ${file.what}`);
  const problems = [...findings.map((finding) => `${finding.file}: ${finding.what}`), ...canaries];
  if (problems.length > 0) {
    return failed(
      `the image carries ${problems.length} key(s) or secret file(s); keys belong in Railway's variables, read at run time`,
      problems.map((problem) => `- ${problem}`).join('\n'),
    );
  }
  return passed(
    `no key format (Cohere, Qdrant, Railway, PostgreSQL URL with a password, known credential shapes) in ${env.length} ENV entries, ` +
      `the labels or ${history.length} history steps; no canary and no secret file in ${scan.layers.length} layers`,
  );
}

/** 5.3/no-keys-in-repository: the target's repository (its build context) and its IaC. */
export async function probeKeysInRepository(ctx: CheckContext): Promise<Verdict> {
  const root = ctx.target.context;
  const scan = scanTree(root);
  const iac =
    scan.iacFiles.length > 0 ? `, IaC ${scan.iacFiles.join(', ')} among them` : ', no IaC files (.railway/) yet';
  const allowedNote =
    scan.allowedFindings.length > 0 ? `; ${scan.allowedFindings.length} test value(s) allowed by ${allowlistFile}` : '';
  if (scan.findings.length > 0) {
    return failed(
      `${scan.findings.length} key(s) in the repository's files (${scan.how}): remove them, rotate each key, and read it from the environment`,
      [
        ...scan.findings.slice(0, 30).map((finding) => `- ${describeFinding(finding)}`),
        `(a made-up test value goes in ${allowlistFile}, with why)`,
      ].join('\n'),
    );
  }
  return passed(`no key in ${scan.files} file(s) (${scan.how}${iac})${allowedNote}`);
}
