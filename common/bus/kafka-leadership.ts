// Leadership on Kafka without new infrastructure: every candidate is a member of one consumer group on a
// single-partition topic that nobody writes to; the member assigned partition 0 leads. The coordinator
// removes a member that stops heartbeating after sessionTimeoutMs, rebalances, and the partition (the
// lead) goes to a survivor: that is the takeover. The assignor is sticky (a member says in its join
// metadata whether it leads now, and keeps the lead), so a replica joining in a rolling update does not
// move it. A leader whose heartbeats have not been answered for sessionTimeoutMs - heartbeatIntervalMs
// steps down by itself: before the coordinator can have expired it and handed the lead to another.
import { AssignerProtocol, type Consumer, type Kafka, type PartitionAssigner } from 'kafkajs';
import type { Leadership, LeadershipOptions } from './types.ts';
import { consumerRetry, fatalOnFinalCrash, type KafkaBusOptions } from './kafka-shared.ts';

const PROTOCOL = 'ringwatch-sticky-leader';

/** Partition 0 of every topic to the member that leads already, else to the first member id. */
export function pickLeader(members: { memberId: string; leading: boolean }[]): string | undefined {
  const ids = (list: typeof members) => list.map((m) => m.memberId).sort();
  return ids(members.filter((m) => m.leading))[0] ?? ids(members)[0];
}

function stickyLeaderAssigner(leading: () => boolean): PartitionAssigner {
  return () => ({
    name: PROTOCOL,
    version: 1,
    async assign({ members, topics }) {
      const decoded = members.map((m) => {
        const userData = AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.userData;
        let claim = false;
        try { claim = JSON.parse(userData?.toString('utf8') || '{}').leading === true; } catch { /* an old member: no claim */ }
        return { memberId: m.memberId, leading: claim };
      });
      const leader = pickLeader(decoded);
      return members.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1, userData: Buffer.alloc(0),
          assignment: m.memberId === leader ? Object.fromEntries(topics.map((t) => [t, [0]])) : {},
        }),
      }));
    },
    protocol({ topics }) {
      const userData = Buffer.from(JSON.stringify({ leading: leading() }));
      return { name: PROTOCOL, metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData }) };
    },
  });
}

export class KafkaLeadership implements Leadership {
  leader = false;
  private assigned = false;
  private lastAnsweredMs = 0;
  private consumer: Consumer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private restarts = 0;
  private readonly kafka: Kafka;
  private readonly bus: KafkaBusOptions;
  private readonly o: LeadershipOptions;

  constructor(kafka: Kafka, bus: KafkaBusOptions, options: LeadershipOptions) {
    this.kafka = kafka;
    this.bus = bus;
    this.o = options;
  }

  async start(): Promise<void> {
    if (this.consumer) return;
    const s = this.bus.settings;
    const consumer = this.kafka.consumer({
      groupId: this.o.groupId,
      sessionTimeout: this.o.sessionTimeoutMs,
      rebalanceTimeout: this.o.sessionTimeoutMs,
      heartbeatInterval: this.o.heartbeatIntervalMs,
      // Heartbeats go out from the fetch loop: a short fetch wait keeps them on time on an idle topic.
      maxWaitTimeInMs: this.o.heartbeatIntervalMs,
      allowAutoTopicCreation: false,
      partitionAssigners: [stickyLeaderAssigner(() => this.leader)],
      retry: consumerRetry(s, () => ++this.restarts <= s.max_restarts),
    });
    const answered = () => { this.lastAnsweredMs = Date.now(); this.restarts = 0; };
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.assigned = (payload.memberAssignment[this.o.topic] ?? []).includes(0);
      answered();
      this.update();
    });
    consumer.on(consumer.events.HEARTBEAT, () => { answered(); this.update(); });
    const lost = () => { this.assigned = false; this.update(); };
    fatalOnFinalCrash(consumer, this.bus.onFatal, lost);
    consumer.on(consumer.events.STOP, lost);
    this.consumer = consumer;
    this.timer = setInterval(() => this.update(), Math.max(50, Math.floor(this.o.heartbeatIntervalMs / 2)));
    this.timer.unref();
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [this.o.topic], fromBeginning: false });
      await consumer.run({ autoCommit: false, eachBatch: async () => {} });
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const c = this.consumer;
    this.consumer = undefined;
    this.assigned = false;
    this.update();
    // Leaving the group (LeaveGroup) lets the coordinator rebalance at once: a graceful stop hands over fast.
    await c?.disconnect();
  }

  private update(): void {
    const fresh = Date.now() - this.lastAnsweredMs < this.o.sessionTimeoutMs - this.o.heartbeatIntervalMs;
    const leader = this.consumer !== undefined && this.assigned && fresh;
    if (leader === this.leader) return;
    this.leader = leader;
    this.o.onChange(leader);
  }
}
