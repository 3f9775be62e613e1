// `lrstream stack up|down|status|env|logs`: the local infrastructure as plain processes.
import { parseArgs } from 'node:util';
import { down, loadStackConfig, logFiles, stackEnv, status, tail, up } from '@lrstream/stack';

const HELP = `Usage: lrstream stack <command>

  up               fetch (first time) and start Kafka, the schema registry, Elasticsearch and
                   Prometheus on 127.0.0.1; waits until each answers
  down [--wipe]    stop what "up" started; --wipe also deletes their data
  status [--json]  what runs, its health, pid and memory
  env              the environment contract, as shell exports (eval "$(lrstream stack env)")
  logs [name] [-n N]   last lines of each component's log

Ports and folders: LRSTREAM_KAFKA_PORT (19092), LRSTREAM_KAFKA_CONTROLLER_PORT (19093),
LRSTREAM_REGISTRY_PORT (18081, management on +1), LRSTREAM_ELASTICSEARCH_PORT (19200),
LRSTREAM_ELASTICSEARCH_TRANSPORT_PORT (19300), LRSTREAM_PROMETHEUS_PORT (19090), LRSTREAM_S3_PORT
(19900: S3Proxy, the archive's S3-compatible store),
LRSTREAM_SERVICE_METRICS_PORT_BASE (19101: ingest, validate, convert, anonymize, index, then +9 for
tools; scraped by Prometheus, used by the demo), LRSTREAM_STACK_DIR (<repo>/.stack),
LRSTREAM_CACHE_DIR (~/.cache/lrstream; /var/cache/lrstream for root),
LRSTREAM_REGISTRY_STORAGE (file, the default: ids survive a restart | memory).
`;

const say = (message: string) => process.stderr.write(`[stack] ${message}\n`);

export async function stackCommand(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      wipe: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      lines: { type: 'string', short: 'n', default: '40' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined ? 2 : 0;
  }
  const config = loadStackConfig();
  switch (command) {
    case 'up': {
      const result = await up(config, say);
      say(
        `Stack ready in ${result.seconds.toFixed(1)} s (started: ${result.started.join(', ') || 'none'}; ` +
          `already running: ${result.alreadyRunning.join(', ') || 'none'}).`,
      );
      process.stdout.write(exports(stackEnv(config)));
      return 0;
    }
    case 'down':
      await down(config, say, { wipe: values.wipe });
      return 0;
    case 'status': {
      const rows = await status(config);
      if (values.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      } else {
        for (const r of rows) {
          const state = r.running ? (r.healthy ? 'healthy' : 'running, not ready') : 'stopped';
          const mem = r.rssBytes !== undefined ? `${(r.rssBytes / 2 ** 20).toFixed(0)} MiB` : '-';
          process.stdout.write(
            `${r.name.padEnd(14)} ${state.padEnd(18)} pid ${String(r.pid ?? '-').padEnd(8)} rss ${mem.padEnd(9)} ${r.url}\n`,
          );
        }
      }
      return rows.every((r) => r.healthy) ? 0 : 3;
    }
    case 'env':
      process.stdout.write(exports(stackEnv(config)));
      return 0;
    case 'logs': {
      const files = logFiles(config);
      const names = positionals.length > 0 ? positionals : Object.keys(files);
      for (const name of names) {
        const file = files[name];
        if (!file) throw new Error(`unknown component "${name}" (one of: ${Object.keys(files).join(', ')})`);
        process.stdout.write(`==> ${name} (${file}) <==\n${tail(file, Number(values.lines))}\n`);
      }
      return 0;
    }
    default:
      process.stderr.write(`lrstream stack: unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

function exports(env: object): string {
  return Object.entries(env)
    .map(([k, v]) => `export ${k}=${v}\n`)
    .join('');
}
