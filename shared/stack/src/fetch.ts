// Fetching the stack's distributions: Java artifacts through Maven (so its local repository and
// mirrors settings apply), Prometheus through the system package manager. Every fetch leaves a
// marker file when complete, so a present distribution is never downloaded again.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSIONS, type StackConfig } from './config.js';

export type Say = (message: string) => void;

function run(command: string, args: string[], what: string, options: { cwd?: string } = {}): void {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw new Error(`${what}: could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) {
    const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${what}: ${command} exited with ${result.status}\n${tail}`);
  }
}

const plugin = `org.apache.maven.plugins:maven-dependency-plugin:${VERSIONS.mavenDependencyPlugin}`;

/** Runs `fn` unless `dir` holds a completion marker; a half-done directory is redone. */
function once(dir: string, fn: () => void): string {
  const marker = join(dir, '.lrstream-complete');
  if (existsSync(marker)) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  fn();
  writeFileSync(marker, new Date().toISOString() + '\n');
  return dir;
}

/** Kafka broker jars (and a logging backend, which kafka_2.13's pom does not bring). */
export function ensureKafka(config: StackConfig, say: Say): string {
  const dir = join(config.cacheDir, `kafka-${VERSIONS.kafka}`);
  return once(dir, () => {
    say(`Downloading Kafka ${VERSIONS.kafka} jars with Maven (first run only)...`);
    const pom = join(config.repoRoot, 'deploy', 'local', 'kafka-pom.xml');
    run(
      'mvn',
      [
        '-B',
        '-q',
        '-f',
        pom,
        `${plugin}:copy-dependencies`,
        `-DoutputDirectory=${join(dir, 'libs')}`,
        '-DincludeScope=runtime',
      ],
      'Kafka download',
    );
  });
}

/** S3Proxy (Apache-2.0) and its dependencies, as jars (deploy/local/s3proxy-pom.xml). */
export function ensureS3Proxy(config: StackConfig, say: Say): string {
  const dir = join(config.cacheDir, `s3proxy-${VERSIONS.s3proxy}`);
  return once(dir, () => {
    say(`Downloading S3Proxy ${VERSIONS.s3proxy} jars with Maven (first run only, ~45 MB)...`);
    const pom = join(config.repoRoot, 'deploy', 'local', 's3proxy-pom.xml');
    run(
      'mvn',
      [
        '-B',
        '-q',
        '-f',
        pom,
        `${plugin}:copy-dependencies`,
        `-DoutputDirectory=${join(dir, 'libs')}`,
        '-DincludeScope=runtime',
      ],
      'S3Proxy download',
    );
  });
}

/**
 * Apicurio Registry, the "-all" Quarkus application archive. 3.0.x is the 3.x line that runs on
 * Java 17 (3.3 needs Java 21). Its parent pom (io.apicurio:apicurio-registry) was never published,
 * so Maven cannot read the artifact's descriptor: we resolve it in a private local repository where
 * we first install an empty stand-in for that parent, which leaves the user's ~/.m2 untouched.
 */
export function ensureApicurio(config: StackConfig, say: Say): string {
  const dir = join(config.cacheDir, `apicurio-registry-${VERSIONS.apicurio}`);
  once(dir, () => {
    say(`Downloading Apicurio Registry ${VERSIONS.apicurio} with Maven (first run only, ~110 MB)...`);
    const repo = join(config.cacheDir, 'm2-apicurio');
    const parentPom = join(dir, 'parent-stand-in.pom');
    writeFileSync(
      parentPom,
      `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>` +
        `<groupId>io.apicurio</groupId><artifactId>apicurio-registry</artifactId>` +
        `<version>${VERSIONS.apicurio}</version><packaging>pom</packaging></project>\n`,
    );
    run(
      'mvn',
      [
        '-B',
        '-q',
        `-Dmaven.repo.local=${repo}`,
        `org.apache.maven.plugins:maven-install-plugin:${VERSIONS.mavenInstallPlugin}:install-file`,
        `-Dfile=${parentPom}`,
        `-DpomFile=${parentPom}`,
      ],
      'Apicurio parent stand-in',
      { cwd: dir },
    );
    const artifact = `io.apicurio:apicurio-registry-app:${VERSIONS.apicurio}:tar.gz:all`;
    run(
      'mvn',
      [
        '-B',
        '-q',
        `-Dmaven.repo.local=${repo}`,
        `${plugin}:copy`,
        `-Dartifact=${artifact}`,
        `-DoutputDirectory=${dir}`,
      ],
      'Apicurio download',
      { cwd: dir },
    );
    const archive = readdirSync(dir).find((f) => f.endsWith('.tar.gz'));
    if (!archive) throw new Error(`Apicurio download: no archive in ${dir}`);
    run('tar', ['xzf', archive], 'Apicurio unpack', { cwd: dir });
    rmSync(join(dir, archive));
    rmSync(parentPom);
    // The archive is now unpacked; the private repository only held it and the stand-in.
    rmSync(repo, { recursive: true, force: true });
  });
  const runner = readdirSync(dir).find((f) => f.endsWith('-runner.jar') || f === 'quarkus-run.jar');
  if (!runner) throw new Error(`Apicurio: no runnable jar in ${dir}; delete that folder to download again.`);
  return join(dir, runner);
}

/** Elasticsearch integ-test distribution (real Elasticsearch, no bundled JDK). */
export function ensureElasticsearch(config: StackConfig, say: Say): string {
  const dir = join(config.cacheDir, `elasticsearch-${VERSIONS.elasticsearch}`);
  once(dir, () => {
    say(`Downloading Elasticsearch ${VERSIONS.elasticsearch} with Maven (first run only, ~110 MB)...`);
    const artifact = `org.elasticsearch.distribution.integ-test-zip:elasticsearch:${VERSIONS.elasticsearch}:zip`;
    run(
      'mvn',
      ['-B', '-q', `${plugin}:copy`, `-Dartifact=${artifact}`, `-DoutputDirectory=${dir}`],
      'Elasticsearch download',
      { cwd: dir },
    );
    const archive = readdirSync(dir).find((f) => f.endsWith('.zip'));
    if (!archive) throw new Error(`Elasticsearch download: no archive in ${dir}`);
    // unzip keeps the executable bits of bin/ scripts; most JVM-based unpackers do not.
    run('unzip', ['-q', archive], 'Elasticsearch unpack', { cwd: dir });
    rmSync(join(dir, archive));
  });
  return join(dir, `elasticsearch-${VERSIONS.elasticsearch}`);
}

/** Prometheus from the system's packages; returns the binary's path. */
export function ensurePrometheus(_config: StackConfig, say: Say): string {
  const found = which('prometheus');
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new Error(
      'Prometheus is not installed and we are not root: run `sudo apt-get install prometheus`.',
    );
  }
  say('Installing Prometheus from the system packages (first run only)...');
  run('apt-get', ['update', '-qq'], 'apt-get update');
  // policy-rc.d-less containers may try to start the packaged service; we start our own instead.
  run(
    'env',
    [
      'DEBIAN_FRONTEND=noninteractive',
      'apt-get',
      'install',
      '-y',
      '-qq',
      '--no-install-recommends',
      'prometheus',
    ],
    'Prometheus install',
  );
  const installed = which('prometheus');
  if (!installed) throw new Error('Prometheus install finished but no prometheus binary is on PATH.');
  return installed;
}

function which(binary: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  const path = result.stdout.trim();
  return result.status === 0 && path ? path : undefined;
}
