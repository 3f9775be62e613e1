// Elasticsearch 8.19 (integ-test distribution: real Elasticsearch, few modules, no bundled JDK).
// It refuses to run as root, so when we are root it runs as a dedicated system user.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { StackConfig } from '../config.js';
import { ensureElasticsearch } from '../fetch.js';
import { spawnDetached } from '../process.js';
import { probe, type Component } from './component.js';

export function elasticsearchComponent(config: StackConfig): Component {
  const dir = join(config.stateDir, 'elasticsearch');
  const confDir = join(dir, 'config');
  const { host } = config;
  const port = config.ports.elasticsearch;
  let home = '';
  let owner: { uid: number; gid: number } | undefined;

  return {
    name: 'elasticsearch',
    dir,
    logFile: join(dir, 'elasticsearch.log'),
    pidFile: join(dir, 'elasticsearch.pid'),
    url: `http://${host}:${port}`,
    prepare(say) {
      home = ensureElasticsearch(config, say);
      for (const sub of ['data', 'logs', 'tmp', 'config']) mkdirSync(join(dir, sub), { recursive: true });
      copyFileSync(join(home, 'config', 'jvm.options'), join(confDir, 'jvm.options'));
      copyFileSync(join(home, 'config', 'log4j2.properties'), join(confDir, 'log4j2.properties'));
      cpSync(join(home, 'config', 'jvm.options.d'), join(confDir, 'jvm.options.d'), { recursive: true });
      writeFileSync(
        join(confDir, 'elasticsearch.yml'),
        [
          'cluster.name: lrstream-local',
          'node.name: lrstream-local-1',
          `path.data: ${join(dir, 'data')}`,
          `path.logs: ${join(dir, 'logs')}`,
          `network.host: ${host}`,
          `http.port: ${port}`,
          `transport.port: ${config.ports.elasticsearchTransport}`,
          'discovery.type: single-node',
          // The zip bundles x-pack security; a loopback development node runs without it.
          'xpack.security.enabled: false',
          // Developer machines and CI often have full-ish disks; do not go read-only on them.
          'cluster.routing.allocation.disk.threshold_enabled: false',
          // Tests delete their indices by pattern.
          'action.destructive_requires_name: false',
          '',
        ].join('\n'),
      );
      if (process.getuid?.() === 0) {
        owner = ensureSystemUser(config.elasticsearchUser);
        assertTraversable(dir, config.elasticsearchUser);
        assertTraversable(home, config.elasticsearchUser);
        spawnSync('chown', ['-R', `${owner.uid}:${owner.gid}`, dir]);
      }
    },
    start() {
      return spawnDetached({
        command: join(home, 'bin', 'elasticsearch'),
        args: [],
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          ES_JAVA_HOME: config.javaHome ?? javaHomeFromPath(),
          ES_PATH_CONF: confDir,
          ES_TMPDIR: join(dir, 'tmp'),
          ES_JAVA_OPTS: `-Xms${config.heap.elasticsearch} -Xmx${config.heap.elasticsearch}`,
        },
        logFile: this.logFile,
        pidFile: this.pidFile,
        ...(owner ?? {}),
      });
    },
    async healthy() {
      const response = await probe(`${this.url}/_cluster/health`);
      if (response?.status !== 200) return false;
      const body = (await response.json()) as { status?: string };
      return body.status === 'green' || body.status === 'yellow';
    },
  };
}

function ensureSystemUser(name: string): { uid: number; gid: number } {
  const lookup = () => spawnSync('id', ['-u', name], { encoding: 'utf8' });
  if (lookup().status !== 0) {
    const made = spawnSync(
      'useradd',
      ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name],
      { encoding: 'utf8' },
    );
    if (made.status !== 0)
      throw new Error(`Elasticsearch: could not create system user ${name}: ${made.stderr}`);
  }
  const uid = Number(lookup().stdout.trim());
  const gid = Number(spawnSync('id', ['-g', name], { encoding: 'utf8' }).stdout.trim());
  return { uid, gid };
}

/** Elasticsearch's user must reach its folders: say so clearly instead of failing deep in its log. */
function assertTraversable(path: string, user: string): void {
  const check = spawnSync('runuser', ['-u', user, '--', 'test', '-x', path]);
  if (check.status !== 0) {
    throw new Error(
      `Elasticsearch runs as the system user "${user}", which cannot reach ${path} ` +
        `(a parent folder is not world-traversable). Set LRSTREAM_STACK_DIR / LRSTREAM_CACHE_DIR ` +
        `to folders under a traversable path (e.g. /var/lib/lrstream).`,
    );
  }
}

/** Java home derived from the `java` on PATH (Elasticsearch needs a home, not a binary). */
function javaHomeFromPath(): string {
  const real = spawnSync('sh', ['-c', 'readlink -f "$(command -v java)"'], {
    encoding: 'utf8',
  }).stdout.trim();
  if (!real) throw new Error('Elasticsearch needs Java 17+: no java on PATH and JAVA_HOME unset.');
  accessSync(real, constants.X_OK);
  return dirname(dirname(real));
}
