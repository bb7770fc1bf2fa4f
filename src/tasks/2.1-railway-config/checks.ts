/**
 * Seed task 2.1, "Configure Railway project": the service is described by
 * Railway Infrastructure as Code (`.railway/railway.ts`, not the Config as Code
 * files Railway stopped reading on 2026-12-01), evaluated offline into the
 * desired configuration; the checks judge that configuration against the
 * target: the Dockerfile it builds, the healthcheck path Railway probes, the
 * start command, and draining time against the measured drain on SIGTERM.
 */
import { defineCheck, defineTask } from '../../checks/definition.ts';
import {
  drainBoundMs,
  probeBuildsFromDockerfile,
  probeConfigAsCode,
  probeDraining,
  probeHealthcheckPath,
  probeIacEvaluates,
  probeStartCommand,
} from './probes.ts';

export const railwayConfigTask = defineTask({
  id: '2.1',
  name: 'railway-config',
  title: 'Configure Railway project',
  checks: [
    defineCheck({
      id: '2.1/no-config-as-code',
      title: 'No railway.json or railway.toml is left: Railway has ignored Config as Code since 2026-12-01',
      hint: 'Move the settings into .railway/railway.ts (railway config migrate, then add restartPolicy* and drainingSeconds by hand: migrate does not carry them), apply with railway config plan/apply, and delete the old file.',
      requires: [],
      run: probeConfigAsCode,
    }),
    defineCheck({
      id: '2.1/iac-evaluates',
      title: "The Railway IaC evaluates offline into a valid project with the backend's service",
      hint: 'Create .railway/railway.ts with railway/iac (defineRailway, service, postgres, preserve) exporting the project by default; name the service in target.railway.service when there are several.',
      requires: [],
      run: probeIacEvaluates,
    }),
    defineCheck({
      id: '2.1/builds-from-dockerfile',
      title: 'The service builds with the DOCKERFILE builder from the Dockerfile shipshape verified',
      hint: "Set build: { builder: 'DOCKERFILE', dockerfilePath: '<the Dockerfile the harness builds>' } on the service.",
      requires: [],
      run: probeBuildsFromDockerfile,
    }),
    defineCheck({
      id: '2.1/healthcheck-answers-200',
      title: "The IaC's healthcheck path answers 200 without a redirect, whatever the Host header",
      hint: 'Point healthcheck at a liveness route that answers 200 itself (no HTTPS or canonical-host redirect: Railway probes from healthcheck.railway.app and counts only a 200).',
      requires: ['reachable-target'],
      run: probeHealthcheckPath,
    }),
    defineCheck({
      id: '2.1/start-command-keeps-cmd',
      title: "No start command replaces the image's CMD with one that loses SIGTERM or $PORT",
      hint: "Leave the start command unset so the image's exec-form CMD runs; if you need one, run the app directly (node ..., not npm start or sh -c) and read $PORT.",
      requires: [],
      run: probeStartCommand,
    }),
    defineCheck({
      id: '2.1/draining-covers-drain',
      title: "drainingSeconds covers the target's measured drain on SIGTERM",
      hint: 'Set deploy.drainingSeconds above the time the app needs to finish in-flight answers after SIGTERM (Railway SIGKILLs after it; the default is 0).',
      requires: ['running-target'],
      timeLimitMs: ({ thresholds }) =>
        thresholds.healthyWithinMs + drainBoundMs(120, thresholds.drainWithinMs) + 60_000,
      run: probeDraining,
    }),
  ],
});
