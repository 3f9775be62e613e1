// Apicurio Registry 3.x, used through its Confluent-compatible API (/apis/ccompat/v7).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StackConfig } from '../config.js';
import { ensureApicurio } from '../fetch.js';
import { spawnDetached } from '../process.js';
import { javaBinary, probe, type Component } from './component.js';

export function registryComponent(config: StackConfig): Component {
  const dir = join(config.stateDir, 'registry');
  const { host } = config;
  const port = config.ports.registry;
  let jar = '';

  return {
    name: 'registry',
    dir,
    logFile: join(dir, 'registry.log'),
    pidFile: join(dir, 'registry.pid'),
    url: `http://${host}:${port}/apis/ccompat/v7`,
    prepare(say) {
      jar = ensureApicurio(config, say);
      mkdirSync(dir, { recursive: true });
    },
    start() {
      const storage =
        config.registryStorage === 'file'
          ? [`-Dapicurio.datasource.url=jdbc:h2:file:${join(dir, 'data', 'registry')};DB_CLOSE_ON_EXIT=FALSE`]
          : [];
      return spawnDetached({
        command: javaBinary(config),
        args: [
          `-Xmx${config.heap.registry}`,
          `-Dquarkus.http.host=${host}`,
          `-Dquarkus.http.port=${port}`,
          // Quarkus opens a management interface too (port 9000 by default): keep it on loopback, ours.
          `-Dquarkus.management.host=${host}`,
          `-Dquarkus.management.port=${port + 1}`,
          // Without a global rule the ccompat API reports NONE and the Confluent client refuses to
          // register schemas; BACKWARD is also the evolution policy lrstream wants.
          '-Dapicurio.rules.global.compatibility=BACKWARD',
          ...storage,
          '-jar',
          jar,
        ],
        cwd: dir,
        env: process.env,
        logFile: this.logFile,
        pidFile: this.pidFile,
      });
    },
    async healthy() {
      const response = await probe(`${this.url}/subjects`);
      return response?.status === 200;
    },
  };
}
