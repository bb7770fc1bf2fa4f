/**
 * The only GraphQL text shipshape sends to Railway: one named operation per
 * call, each validated against Railway's published schema in the self-tests
 * (test/railway/operations.test.ts) and by the stand-in at every request.
 * Values travel as GraphQL variables, never spliced into the text.
 */
import { gql } from 'graphql-request';

export const upsertVariables = gql`
  mutation ShipshapeUpsertVariables($input: VariableCollectionUpsertInput!) {
    variableCollectionUpsert(input: $input)
  }
`;

export const deployService = gql`
  mutation ShipshapeDeployService($environmentId: String!, $serviceId: String!, $commitSha: String) {
    serviceInstanceDeployV2(environmentId: $environmentId, serviceId: $serviceId, commitSha: $commitSha)
  }
`;

export const deploymentStatus = gql`
  query ShipshapeDeploymentStatus($id: String!) {
    deployment(id: $id) {
      id
      status
      createdAt
      updatedAt
      staticUrl
      meta
    }
  }
`;

export const latestDeployments = gql`
  query ShipshapeLatestDeployments($input: DeploymentListInput!, $first: Int) {
    deployments(input: $input, first: $first) {
      edges {
        node {
          id
          status
          createdAt
          updatedAt
          staticUrl
          meta
        }
      }
    }
  }
`;

export const buildLogs = gql`
  query ShipshapeBuildLogs($deploymentId: String!, $limit: Int) {
    buildLogs(deploymentId: $deploymentId, limit: $limit) {
      message
      severity
      timestamp
    }
  }
`;

export const deploymentLogs = gql`
  query ShipshapeDeploymentLogs($deploymentId: String!, $limit: Int) {
    deploymentLogs(deploymentId: $deploymentId, limit: $limit) {
      message
      severity
      timestamp
    }
  }
`;

export const serviceDomains = gql`
  query ShipshapeServiceDomains($projectId: String!, $environmentId: String!, $serviceId: String!) {
    domains(projectId: $projectId, environmentId: $environmentId, serviceId: $serviceId) {
      serviceDomains {
        domain
      }
      customDomains {
        domain
        status {
          certificateStatus
          certificateErrorMessage
          certificates {
            issuedAt
            expiresAt
          }
        }
      }
    }
  }
`;

/** Names only: Variable has no value field, so no value can come back. */
export const environmentVariableNames = gql`
  query ShipshapeVariableNames($environmentId: String!, $projectId: String) {
    environment(id: $environmentId, projectId: $projectId) {
      variables {
        edges {
          node {
            name
            serviceId
          }
        }
      }
    }
  }
`;

export const operations = {
  upsertVariables,
  deployService,
  deploymentStatus,
  latestDeployments,
  buildLogs,
  deploymentLogs,
  serviceDomains,
  environmentVariableNames,
} as const;
