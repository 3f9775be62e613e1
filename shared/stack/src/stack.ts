// The local stack manager: `up` fetches what is missing, starts what is not running and waits until
// every component answers; `down` stops exactly the process groups recorded in pid files.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { applyCatalogue, createKafka, createSchemaCodec, parseBrokers } from '@lrstream/kafka';
import { stackEnv, type StackConfig, type StackEnv } from './config.js';
import type { Say } from './fetch.js';
import type { Component } from './components/component.js';
import { kafkaComponent } from './components/kafka.js';
import { registryComponent } from './components/registry.js';
import { elasticsearchComponent } from './components/elasticsearch.js';
import { prometheusComponent } from './components/prometheus.js';
import { s3Component } from './components/s3.js';
import { groupRssBytes, runningPid, stopGroup } from './process.js';

export function components(config: StackConfig): Component[] {
  return [
    kafkaComponent(config),
    registryComponent(config),
    elasticsearchComponent(config),
    s3Component(config),
    prometheusComponent(config),
  ];
}

export interface UpResult {
  env: StackEnv;
  /** Topics `up` created (the catalogue is applied on every `up`: idempotent). */
  createdTopics: string[];
  started: string[];
  alreadyRunning: string[];
  seconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function up(config: StackConfig, say: Say, timeoutMs = 180_000): Promise<UpResult> {
  const begin = Date.now();
  mkdirSync(config.stateDir, { recursive: true });
  mkdirSync(config.cacheDir, { recursive: true });
  const all = components(config);
  const started: string[] = [];
  const alreadyRunning: string[] = [];
  for (const component of all) {
    if (runningPid(component.pidFile) !== undefined) {
      alreadyRunning.push(component.name);
      continue;
    }
    // A port already taken by something we did not start would make the health check lie.
    if (await component.healthy()) {
      throw new Error(
        `${component.name}: something not started by lrstream already answers at ${component.url}. ` +
          `Stop it or choose other ports (see "lrstream stack env --help").`,
      );
    }
    component.prepare(say);
    say(`Starting ${component.name}...`);
    component.start();
    started.push(component.name);
  }
  await waitHealthy(all, say, begin + timeoutMs);
  const env = stackEnv(config);
  const applied = await applyTopicCatalogue(env);
  if (applied.created.length > 0) say(`Created topics ${applied.created.join(', ')}`);
  say(`Registered ${applied.subjects.length} value schemas`);
  return {
    env,
    createdTopics: applied.created,
    started,
    alreadyRunning,
    seconds: (Date.now() - begin) / 1000,
  };
}

/** The operator's set-up step on a stack: topics and schemas of the catalogue (`topics apply`). */
export async function applyTopicCatalogue(env: StackEnv) {
  const kafka = createKafka({ brokers: parseBrokers(env.KAFKA_BROKERS), clientId: 'lrstream-topics-apply' });
  return applyCatalogue(kafka, createSchemaCodec({ url: env.SCHEMA_REGISTRY_URL }));
}

async function waitHealthy(all: Component[], say: Say, deadline: number): Promise<void> {
  const pending = new Set(all);
  while (pending.size > 0) {
    for (const component of [...pending]) {
      if (await component.healthy()) {
        pending.delete(component);
        say(`${component.name} is ready at ${component.url}`);
        continue;
      }
      if (runningPid(component.pidFile) === undefined) {
        throw new Error(
          `${component.name} exited during start-up. Last lines of ${component.logFile}:\n${tail(component.logFile, 25)}`,
        );
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      const names = [...pending].map((c) => `${c.name} (log: ${c.logFile})`).join(', ');
      throw new Error(`Timed out waiting for: ${names}`);
    }
    await sleep(500);
  }
}

export async function down(
  config: StackConfig,
  say: Say,
  options: { wipe?: boolean } = {},
): Promise<string[]> {
  const stopped: string[] = [];
  // Reverse order: consumers of a component stop before it does.
  for (const component of components(config).reverse()) {
    if (await stopGroup(component.pidFile)) {
      stopped.push(component.name);
      say(`Stopped ${component.name}.`);
    }
  }
  if (options.wipe && existsSync(config.stateDir)) {
    rmSync(config.stateDir, { recursive: true, force: true });
    say(`Deleted ${config.stateDir}.`);
  }
  return stopped;
}

export interface ComponentStatus {
  name: string;
  running: boolean;
  healthy: boolean;
  pid?: number;
  rssBytes?: number;
  url: string;
  logFile: string;
}

export async function status(config: StackConfig): Promise<ComponentStatus[]> {
  return Promise.all(
    components(config).map(async (c) => {
      const pid = runningPid(c.pidFile);
      const rss = pid === undefined ? undefined : groupRssBytes(pid);
      return {
        name: c.name,
        running: pid !== undefined,
        healthy: pid !== undefined && (await c.healthy()),
        ...(pid !== undefined ? { pid } : {}),
        ...(rss !== undefined ? { rssBytes: rss } : {}),
        url: c.url,
        logFile: c.logFile,
      };
    }),
  );
}

export function logFiles(config: StackConfig): Record<string, string> {
  return Object.fromEntries(components(config).map((c) => [c.name, c.logFile]));
}

export function tail(file: string, lines: number): string {
  if (!existsSync(file) || statSync(file).size === 0) return '(empty)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
