// Leadership on the in-memory bus: candidates of one group in the order they started; the first one
// still running leads, and when it stops the next one takes over at once (one process: no heartbeats).
import type { Leadership, LeadershipOptions } from './types.ts';

export class MemoryElections {
  private readonly groups = new Map<string, MemoryLeadership[]>();

  candidate(options: LeadershipOptions): Leadership {
    return new MemoryLeadership(this, options);
  }

  join(c: MemoryLeadership): void {
    const members = this.groups.get(c.groupId) ?? [];
    if (!members.includes(c)) members.push(c);
    this.groups.set(c.groupId, members);
    this.settle(c.groupId);
  }

  leave(c: MemoryLeadership): void {
    const members = (this.groups.get(c.groupId) ?? []).filter((m) => m !== c);
    this.groups.set(c.groupId, members);
    c.set(false);
    this.settle(c.groupId);
  }

  private settle(groupId: string): void {
    (this.groups.get(groupId) ?? []).forEach((m, i) => m.set(i === 0));
  }
}

class MemoryLeadership implements Leadership {
  leader = false;
  readonly groupId: string;
  private readonly elections: MemoryElections;
  private readonly onChange: (leader: boolean) => void;

  constructor(elections: MemoryElections, options: LeadershipOptions) {
    this.elections = elections;
    this.groupId = options.groupId;
    this.onChange = options.onChange;
  }

  set(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    this.onChange(leader);
  }

  async start(): Promise<void> { this.elections.join(this); }
  async stop(): Promise<void> { this.elections.leave(this); }
}
