// S3Proxy 2.6 (Apache-2.0): an S3-compatible server storing objects in a folder (jclouds'
// filesystem provider), on loopback. It is the archive's S3 backend on the local stack, so the S3
// code path is tested against a real server speaking the S3 API (signatures v2/v4 checked).
// Credentials are generated at the first `up` into <stack dir>/secrets/s3-credentials.json (0600)
// and never printed: `stack env` gives the file's path.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { S3_BUCKET, s3CredentialsFile, type StackConfig } from '../config.js';
import { ensureS3Proxy } from '../fetch.js';
import { spawnDetached } from '../process.js';
import { javaBinary, probe, type Component } from './component.js';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The stack's S3 credentials, generated (random) the first time. */
export function ensureS3Credentials(config: StackConfig): S3Credentials {
  const file = s3CredentialsFile(config);
  if (!existsSync(file)) {
    mkdirSync(join(config.stateDir, 'secrets'), { recursive: true, mode: 0o700 });
    const credentials: S3Credentials = {
      accessKeyId: `lrstream${randomBytes(6).toString('hex')}`,
      secretAccessKey: randomBytes(24).toString('base64url'),
    };
    writeFileSync(file, JSON.stringify(credentials) + '\n', { mode: 0o600 });
  }
  return JSON.parse(readFileSync(file, 'utf8')) as S3Credentials;
}

export function s3Component(config: StackConfig): Component {
  const dir = join(config.stateDir, 's3');
  const data = join(dir, 'data');
  const properties = join(dir, 's3proxy.conf');
  const logback = join(dir, 'logback.xml');
  const { host } = config;
  const port = config.ports.s3;
  let classpath = '';

  return {
    name: 's3',
    dir,
    logFile: join(dir, 's3.log'),
    pidFile: join(dir, 's3.pid'),
    url: `http://${host}:${port}`,
    prepare(say) {
      classpath = join(ensureS3Proxy(config, say), 'libs', '*');
      const credentials = ensureS3Credentials(config);
      // With the filesystem provider a bucket is a folder: the archive's bucket exists from the start.
      // jclouds reads a folder or file that others may read as public-read (anonymous access): the
      // archive holds personal data, so the folders are private and S3Proxy runs with umask 077.
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      mkdirSync(data, { recursive: true, mode: 0o700 });
      mkdirSync(join(data, S3_BUCKET), { recursive: true, mode: 0o700 });
      for (const folder of [dir, data, join(data, S3_BUCKET)]) chmodSync(folder, 0o700);
      writeFileSync(
        properties,
        [
          `s3proxy.endpoint=http://${host}:${port}`,
          's3proxy.authorization=aws-v2-or-v4',
          `s3proxy.identity=${credentials.accessKeyId}`,
          `s3proxy.credential=${credentials.secretAccessKey}`,
          'jclouds.provider=filesystem',
          `jclouds.filesystem.basedir=${data}`,
          '',
        ].join('\n'),
        { mode: 0o600 },
      );
      // S3Proxy's jar has no logging configuration: logback would log every request at DEBUG.
      writeFileSync(
        logback,
        [
          '<configuration>',
          '  <appender name="out" class="ch.qos.logback.core.ConsoleAppender">',
          '    <encoder><pattern>%d{ISO8601} %level %logger{20} %msg%n</pattern></encoder>',
          '  </appender>',
          '  <root level="INFO"><appender-ref ref="out"/></root>',
          '</configuration>',
          '',
        ].join('\n'),
      );
    },
    start() {
      return spawnDetached({
        command: 'sh',
        args: [
          '-c',
          'umask 077 && exec "$0" "$@"',
          javaBinary(config),
          '-Xmx128m',
          '-Djava.awt.headless=true',
          `-Dlogback.configurationFile=${logback}`,
          '-cp',
          classpath,
          'org.gaul.s3proxy.Main',
          '--properties',
          properties,
        ],
        cwd: dir,
        env: process.env,
        logFile: this.logFile,
        pidFile: this.pidFile,
      });
    },
    async healthy() {
      // An anonymous request is refused the S3 way (403, an S3 error document): S3Proxy answers, and
      // the archive's bucket is not public.
      const response = await probe(`${this.url}/${S3_BUCKET}`);
      if (!response) return false;
      const body = await response.text().catch(() => '');
      return response.status === 403 && body.includes('<Error>');
    },
  };
}
