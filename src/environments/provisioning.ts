/**
 * How much of the local environment a run starts, decided from the selected
 * checks' requirements (checks/requirements.ts): a run of Dockerfile rules
 * builds nothing, a run of image checks builds the image only.
 */
export type Provisioning = 'nothing' | 'image' | 'everything';

export const provisioningVariable = 'SHIPSHAPE_PROVISION';

export function provisioningFromEnv(env: NodeJS.ProcessEnv = process.env): Provisioning {
  const value = env[provisioningVariable];
  return value === 'nothing' || value === 'image' ? value : 'everything';
}
