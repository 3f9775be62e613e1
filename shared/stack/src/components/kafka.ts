// Kafka 3.9 in KRaft mode, one node acting as broker and controller, on loopback.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describeCluster } from '@lrstream/kafka';
import type { StackConfig } from '../config.js';
import { ensureKafka } from '../fetch.js';
import { spawnDetached } from '../process.js';
import { javaBinary, type Component } from './component.js';

export function kafkaComponent(config: StackConfig): Component {
  const dir = join(config.stateDir, 'kafka');
  const props = join(dir, 'server.properties');
  const log4j = join(dir, 'log4j.properties');
  const { host } = config;
  const { kafka: port, kafkaController: controllerPort } = config.ports;
  let classpath = '';

  return {
    name: 'kafka',
    dir,
    logFile: join(dir, 'kafka.log'),
    pidFile: join(dir, 'kafka.pid'),
    url: `${host}:${port}`,
    prepare(say) {
      classpath = join(ensureKafka(config, say), 'libs', '*');
      mkdirSync(join(dir, 'data'), { recursive: true });
      writeFileSync(
        props,
        [
          'process.roles=broker,controller',
          'node.id=1',
          `controller.quorum.voters=1@${host}:${controllerPort}`,
          `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
          `advertised.listeners=PLAINTEXT://${host}:${port}`,
          'controller.listener.names=CONTROLLER',
          'inter.broker.listener.name=PLAINTEXT',
          'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
          `log.dirs=${join(dir, 'data')}`,
          // Topics come from lrstream's catalogue, never from a typo in a producer.
          'auto.create.topics.enable=false',
          'num.partitions=3',
          'offsets.topic.replication.factor=1',
          'offsets.topic.num.partitions=10',
          'transaction.state.log.replication.factor=1',
          'transaction.state.log.min.isr=1',
          'group.initial.rebalance.delay.ms=0',
          'log.retention.hours=168',
          '',
        ].join('\n'),
      );
      writeFileSync(
        log4j,
        [
          'log4j.rootLogger=INFO, stdout',
          'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
          'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
          'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
          'log4j.logger.kafka=INFO',
          'log4j.logger.org.apache.kafka=INFO',
          '',
        ].join('\n'),
      );
      // KRaft storage is formatted once with a cluster id kept beside the data.
      const idFile = join(dir, 'cluster-id');
      if (!existsSync(idFile)) writeFileSync(idFile, kafkaClusterId() + '\n');
      const clusterId = readFileSync(idFile, 'utf8').trim();
      const format = spawnSync(
        javaBinary(config),
        [
          `-Dlog4j.configuration=file:${log4j}`,
          '-cp',
          classpath,
          'kafka.tools.StorageTool',
          'format',
          '-t',
          clusterId,
          '-c',
          props,
          '--ignore-formatted',
        ],
        { encoding: 'utf8' },
      );
      if (format.status !== 0) {
        throw new Error(
          `Kafka storage format failed (exit ${format.status}):\n${format.stdout}${format.stderr}`,
        );
      }
    },
    start() {
      return spawnDetached({
        command: javaBinary(config),
        args: [
          `-Xms${config.heap.kafka}`,
          `-Xmx${config.heap.kafka}`,
          '-XX:+UseG1GC',
          '-Djava.awt.headless=true',
          `-Dlog4j.configuration=file:${log4j}`,
          '-cp',
          classpath,
          'kafka.Kafka',
          props,
        ],
        cwd: dir,
        env: process.env,
        logFile: this.logFile,
        pidFile: this.pidFile,
      });
    },
    async healthy() {
      try {
        const cluster = await describeCluster([`${host}:${port}`]);
        return cluster.brokers > 0;
      } catch {
        return false;
      }
    },
  };
}

/**
 * A KRaft cluster id (16 random bytes, base64url). One in 64 such ids starts with "-", which
 * `kafka-storage format -t <id>` reads as an option: draw again until it starts with a letter or digit.
 */
export function kafkaClusterId(random: () => Buffer = () => randomBytes(16)): string {
  for (;;) {
    const id = random().toString('base64url');
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}
