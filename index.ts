// Entry point of the Pulumi program: read and validate the stack's config once, then declare the
// whole environment on the configured Docker host.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { BackupScheduler } from "./components/BackupScheduler";
import { Backups } from "./components/Backups";
import { DataSync } from "./components/DataSync";
import { Environment } from "./components/Environment";
import { SyncKey } from "./components/SyncKey";
import { CONFIG_NAMESPACE, parseStackConfig } from "./config/read";
import { backupRepository } from "./model/backup";
import { backupSchedulerSpecs } from "./model/backupScheduler";
import { bundleSidecar } from "./sidecars/bundle";
import { networkName, stackLabels } from "./model/names";
import { syncKeyVolumeName } from "./model/sync";
import { sshOptions } from "./platform/ssh";

const config = parseStackConfig(pulumi.getStack(), pulumi.runtime.allConfig());
const secretConfig = new pulumi.Config(CONFIG_NAMESPACE);

const dockerProvider = new docker.Provider("docker-host", {
    host: config.dockerHost,
    // Over SSH, never stop to ask about an unknown host key (a deploy must not hang on a prompt), and
    // never reach a host whose key changed.
    sshOpts: config.dockerHost.startsWith("ssh://") ? sshOptions(config.sshKnownHosts) : undefined,
});

const environment = new Environment(
    config.stack,
    {
        config,
        providerKeys: {
            openai: secretConfig.getSecret("openaiApiKey"),
            anthropic: secretConfig.getSecret("anthropicApiKey"),
        },
    },
    { providers: [dockerProvider] },
);

// Production holds the pseudonym key of laptop syncs; only the sync's sidecars on its host read it.
const syncKey =
    config.environment === "production"
        ? new SyncKey(
              "sync-key",
              { volumeName: syncKeyVolumeName(config.stack), image: environment.images.postgres, labels: stackLabels(config.stack) },
              { providers: [dockerProvider], dependsOn: [environment] },
          )
        : undefined;

// Staging stacks with pa:sync copy production's data when pa:sync.request changes (docs/data-sync.md).
const dataSync = config.sync
    ? new DataSync("data-sync", {
          target: {
              productionStack: config.sync.production.stack,
              productionDockerHost: config.sync.production.dockerHost,
              stagingStack: config.stack,
              stagingDockerHost: config.dockerHost,
              sanitize: config.sync.sanitize,
              phoneRegions: config.sync.phoneRegions,
              sshKnownHosts: config.sshKnownHosts,
          },
          request: config.sync.request,
          dependsOn: [environment],
      })
    : undefined;

// Encrypted backups on the stack's own host (production always; docs/backups.md).
const backups = config.backup
    ? new Backups(
          "backups",
          {
              repository: backupRepository(config.stack, config.backup),
              image: config.images.restic,
              labels: stackLabels(config.stack),
              protect: config.environment === "production",
          },
          { providers: [dockerProvider] },
      )
    : undefined;

// Scheduled backups and restore drills on the stack's own host (docs/backups.md, "Scheduled backups").
const backupScheduler =
    backups && config.backup?.scheduler
        ? (() => {
              const b = config.backup!;
              const specs = backupSchedulerSpecs(config, b, b.notifyUrl !== undefined, b.heartbeatUrl !== undefined);
              return new BackupScheduler(
                  "backup-scheduler",
                  {
                      ...specs,
                      programs: { dockerApiProxy: bundleSidecar("dockerApiProxy"), backupScheduler: bundleSidecar("backupScheduler") },
                      dockerCliImage: config.images.dockerCli,
                      secrets: {
                          resticPassword: backups.password,
                          postgresPassword: environment.secrets.postgresSuperuserPassword,
                          neo4jPassword: environment.secrets.neo4jPassword,
                          notifyUrl: b.notifyUrl,
                          heartbeatUrl: b.heartbeatUrl,
                          offsite: b.offsite.length ? JSON.stringify(b.offsite) : undefined,
                      },
                      labels: stackLabels(config.stack),
                      dockerHost: config.dockerHost,
                      sshKnownHosts: config.sshKnownHosts,
                      dependsOn: [environment, backups],
                  },
                  { providers: [dockerProvider] },
              );
          })()
        : undefined;

export const stackEnvironment = config.environment;
// The operator commands send their Docker calls to the stack's own engine.
export const dockerHost = config.dockerHost;
/** The known_hosts file of the stack's ssh:// Docker hosts, for the operator commands' docker calls. */
export const sshKnownHosts = config.sshKnownHosts;
export const hostProfile = config.hostProfile;
export const urls = environment.urls;
export const containers = environment.containers;
export const gatewayContainer = environment.gatewayContainer;
export const networks = environment.networks;
export const volumes = environment.volumes;
export const images = environment.images;
/** The last data sync's summary (counts, tables, seconds; never a value), for scripts/sync-production-data.sh. */
export const syncSummary = dataSync?.summary;
/** For the operator commands' health checks and workflow tests; secret in the state and in output. */
export const credentials = pulumi.secret({
    neo4jPassword: environment.secrets.neo4jPassword,
    lettaServerPassword: environment.secrets.lettaServerPassword,
    postgresSuperuserPassword: environment.secrets.postgresSuperuserPassword,
});
/** For `pa backup`: where the repository is, the restic image, the retention, and the repository's password (secret). */
export const backup = backups
    ? pulumi.secret({
          ...config.backup,
          repository: backups.repositorySource,
          image: backups.image,
          password: backups.password,
          offsiteNetwork: networkName(config.stack, "frontend"),
      })
    : undefined;
/** The volume on production's host holding the sync's pseudonym key (the key itself is in no output). */
export const syncKeyVolume = syncKey?.volumeName;
/** The backup scheduler's container (its log records every scheduled run). */
export const backupSchedulerContainer = backupScheduler?.schedulerContainer;
