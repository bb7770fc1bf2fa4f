/**
 * Seed task 3.1, "Production readiness": the app takes the platform's PORT,
 * listens where other containers reach it, logs JSON lines that follow a
 * request by its id, answers internal errors generically (detail in the log),
 * and refuses to start without a required variable, naming it, leaking nothing.
 */
import { defineCheck, defineTask, type LimitInputs } from '../../checks/definition.ts';
import {
  probeGenericInternalError,
  probeHonoursRandomPort,
  probeJsonLogs,
  probeReachableOnNetwork,
  probeRequiredVariables,
  requiredVariablesTimeoutMs,
} from './probes.ts';

/** A second container of the image: its start-up bound, and room to create and remove it. */
const oneContainerMs = ({ thresholds }: LimitInputs) => thresholds.healthyWithinMs + 60_000;

export const productionReadinessTask = defineTask({
  id: '3.1',
  name: 'production-readiness',
  title: 'Production readiness',
  checks: [
    defineCheck({
      id: '3.1/honours-random-port',
      title: 'The app listens on a random PORT when the platform gives one',
      hint: 'Read the listen port from the PORT variable (Railway injects it); do not hard-code a port in CMD, ENTRYPOINT or the code.',
      requires: ['running-target'],
      timeLimitMs: oneContainerMs,
      run: probeHonoursRandomPort,
    }),
    defineCheck({
      id: '3.1/reachable-on-network-address',
      title: 'Another container on the network reaches the health route by name',
      hint: "Listen on 0.0.0.0 or :: (not 127.0.0.1 or localhost): Railway's proxy and private network connect from outside the container.",
      requires: ['started-environment'],
      timeLimitMs: oneContainerMs,
      run: probeReachableOnNetwork,
    }),
    defineCheck({
      id: '3.1/json-logs',
      title: 'Every log line is JSON with a level, a time and a message, and carries the request id',
      hint: "Log through a JSON logger (pino, structlog, python-json-logger) instead of print/console.log, with the request id in every request's lines.",
      requires: ['running-target', 'target-container'],
      run: probeJsonLogs,
    }),
    defineCheck({
      id: '3.1/generic-internal-error',
      title: 'An internal error answers 5xx with a generic body and a request id; the detail stays in the log',
      hint: 'Catch unexpected errors in one handler: log the error with the request id, answer {"error":{"code","message","request_id"}} without the error\'s message or stack.',
      requires: ['running-target', 'target-container'],
      run: probeGenericInternalError,
    }),
    defineCheck({
      id: '3.1/required-variables',
      title: 'Without a required variable the app exits non-zero at once, names it, and prints no secret',
      hint: 'Validate the environment at start-up: on a missing variable print one line naming it (never a value, never the environment) and exit 1; no defaults for required settings.',
      requires: ['started-environment'],
      timeLimitMs: ({ target, thresholds }) =>
        requiredVariablesTimeoutMs(target.requiredEnv.length, thresholds.healthyWithinMs),
      run: probeRequiredVariables,
    }),
  ],
});
