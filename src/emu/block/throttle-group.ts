// Throttle groups (throttle.md §7, §8, §10): shared bucket state, members inserted at the head,
// per-direction round-robin tokens, one armed timer per direction per group owned by a member,
// arrival intercept, schedule-next, timer callback, reconfiguration restart, drain and leave.
//
// Timers are scheduler events (owner name given at construction, kind = direction, arg = member
// id) so they snapshot with the scheduler. Events at equal times run updates (priority
// UPDATE_PRIORITY), then arrivals (ARRIVAL_PRIORITY), then timers (TIMER_PRIORITY) in arming order
// (§0.2); callers that feed the engine use those priorities. A request woken from a queue runs
// right after the handler that woke it, before any other event: woken requests wait in a local
// run list that every entry point drains before it returns.
//
// The lab (block-layer.ts) and the conformance replay (cli/conformance.ts) both drive this class.
import { doublePair } from '../core/double-fields';
import type { EventHandler, EventId, Scheduler } from '../core/scheduler';
import { type Direction, ThrottleState, type ThrottleStateSnapshot } from './throttle';
import { cloneConfig, defaultConfig, type ThrottleConfig } from './throttle-config';

export const UPDATE_PRIORITY = 0;
export const ARRIVAL_PRIORITY = 1;
export const TIMER_PRIORITY = 2;

const NS_PER_S = 1e9;

/** What the engine needs of a request; the caller's own data rides along untouched. */
export interface ThrottleRequest {
  id: number;
  bytes: number;
}

/** A FIFO of requests on a ring buffer: push and shift move nothing (Array#shift moves every entry). */
export class RequestFifo {
  private buf: (ThrottleRequest | undefined)[] = new Array(16).fill(undefined);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(req: ThrottleRequest): void {
    if (this.count === this.buf.length) this.grow();
    this.buf[(this.head + this.count) & (this.buf.length - 1)] = req;
    this.count++;
  }

  shift(): ThrottleRequest | undefined {
    if (this.count === 0) return undefined;
    const req = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.count--;
    return req;
  }

  /** Oldest first. */
  toArray(): ThrottleRequest[] {
    const out: ThrottleRequest[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.buf[(this.head + i) & (this.buf.length - 1)]!);
    return out;
  }

  replace(reqs: readonly ThrottleRequest[]): void {
    this.buf.fill(undefined);
    this.head = 0;
    this.count = 0;
    for (const r of reqs) this.push(r);
  }

  private grow(): void {
    const items = this.toArray();
    this.buf = new Array(this.buf.length * 2).fill(undefined);
    this.head = 0;
    for (let i = 0; i < items.length; i++) this.buf[i] = items[i];
  }
}

// Members and groups are class instances, not object literals: V8 then records each field's
// class, so code that reaches a group's state or a member's queues through them needs no map
// check on the way (a field of literals created from one site loses that record).

export class ThrottleMember {
  group: ThrottleGroup | null = null;
  /** Per direction: requests waiting (FIFO). Woken requests have left it but still count as pending. */
  readonly queues: [RequestFifo, RequestFifo] = [new RequestFifo(), new RequestFifo()];
  readonly pending: [number, number] = [0, 0];
  /** Per direction: the member's own timer event, 0 when not pending. */
  readonly timerIds: [EventId, EventId] = [0, 0];
  readonly timerDeadlinesNs: [number, number] = doublePair();
  /** "limits disabled" counter (drain, §8). */
  disabled = 0;
  /** Derived: m's index in its group's members (kept by reindex(), checked before use). */
  groupSlot = -1;

  constructor(
    readonly id: number,
    readonly name: string,
  ) {}
}

export class ThrottleGroup {
  readonly tokens: [ThrottleMember | null, ThrottleMember | null] = [null, null];
  readonly armed: [boolean, boolean] = [false, false];

  constructor(
    readonly name: string,
    /** Created by -object throttle-group: survives its last member. */
    readonly explicit: boolean,
    readonly state: ThrottleState,
    /** Head = newest member (§10.2). */
    readonly members: ThrottleMember[] = [],
  ) {}
}

export type TimerLogEntry =
  | {
      event: 'arm';
      atNs: number;
      member: ThrottleMember;
      dir: Direction;
      deadlineNs: number;
      reason: 'throttled' | 'immediate-restart';
    }
  | { event: 'fire'; atNs: number; member: ThrottleMember; dir: Direction };

export interface ThrottleHooks {
  /** A request may proceed: it has been accounted on its group's state (or is unthrottled). */
  onDispatch(member: ThrottleMember, dir: Direction, req: ThrottleRequest): void;
  onTimerLog?(entry: TimerLogEntry): void;
}

export interface ThrottleGroupsSnapshot {
  v: 1;
  groups: {
    name: string;
    explicit: boolean;
    state: ThrottleStateSnapshot;
    members: number[];
    tokens: [number, number];
    armed: [boolean, boolean];
  }[];
  members: {
    id: number;
    group: string | null;
    queues: [ThrottleRequest[], ThrottleRequest[]];
    pending: [number, number];
    timerIds: [number, number];
    timerDeadlinesNs: [number, number];
    disabled: number;
  }[];
}

/** Stores each member's index in the group (successor() reads it instead of searching). */
function reindex(g: ThrottleGroup): void {
  g.members.forEach((m, i) => {
    m.groupSlot = i;
  });
}

export class ThrottleGroups {
  private readonly groups = new Map<string, ThrottleGroup>();
  private readonly members = new Map<number, ThrottleMember>();
  /** The same members indexed by id, for the timer event's lookup. */
  private readonly byId: (ThrottleMember | undefined)[] = [];
  private readonly owner: number;
  /**
   * Woken requests, in wake order: the first wokenCount entries of three parallel arrays, which
   * are reused rather than emptied, so a wake allocates nothing.
   */
  private readonly wokenMembers: ThrottleMember[] = [];
  private readonly wokenDirs: Direction[] = [];
  private readonly wokenReqs: ThrottleRequest[] = [];
  private wokenCount = 0;
  private depth = 0;
  /** Sum of every member's `disabled`: 0 means no drain is in progress anywhere. */
  private disabledTotal = 0;

  constructor(
    private readonly sched: Scheduler,
    private readonly hooks: ThrottleHooks,
    ownerName = 'block.throttle',
  ) {
    // A bound method, not an arrow calling it: onTimerEvent is then the root of its optimised
    // code, and V8's inlining budget goes to the request path it calls.
    this.owner = sched.register(ownerName, this.onTimerEvent.bind(this) as EventHandler);
  }

  // ---- membership ----

  addMember(id: number, name: string): ThrottleMember {
    if (this.members.has(id)) throw new Error(`throttle: member id ${id} already exists`);
    const m = new ThrottleMember(id, name);
    this.members.set(id, m);
    if (Number.isInteger(id) && id >= 0 && id < 1 << 20) this.byId[id] = m;
    return m;
  }

  member(id: number): ThrottleMember | undefined {
    return this.members.get(id);
  }

  group(name: string): ThrottleGroup | undefined {
    return this.groups.get(name);
  }

  allGroups(): ThrottleGroup[] {
    return [...this.groups.values()];
  }

  /** Creates a group (explicit: a -object throttle-group) with the given config, levels reset. */
  createGroup(name: string, cfg: ThrottleConfig, explicit: boolean): ThrottleGroup {
    if (this.groups.has(name)) throw new Error(`throttle: group ${name} already exists`);
    const state = new ThrottleState();
    state.configure(cfg, this.sched.nowNs);
    const g = new ThrottleGroup(name, explicit, state);
    this.groups.set(name, g);
    return g;
  }

  /** Registers m in the group (created empty if absent): inserted at the head; a new group's tokens go to m. */
  join(m: ThrottleMember, groupName: string): ThrottleGroup {
    if (m.group) throw new Error(`throttle: ${m.name} is already in group ${m.group.name}`);
    const g = this.groups.get(groupName) ?? this.createGroup(groupName, defaultConfig(), false);
    g.members.unshift(m);
    reindex(g);
    if (g.tokens[0] === null) g.tokens[0] = m;
    if (g.tokens[1] === null) g.tokens[1] = m;
    m.group = g;
    return g;
  }

  /** Drains m, then unregisters it; a token it holds moves to its successor (§10.2). */
  leave(m: ThrottleMember): void {
    const g = m.group;
    if (!g) return;
    this.drain(m);
    for (const dir of [0, 1] as const) {
      if (g.tokens[dir] === m) {
        const next = this.successor(g, m);
        g.tokens[dir] = next === m ? null : next;
      }
    }
    g.members.splice(g.members.indexOf(m), 1);
    reindex(g);
    m.groupSlot = -1;
    m.group = null;
    if (g.members.length === 0 && !g.explicit) this.groups.delete(g.name);
  }

  /** Deletes an explicit group with no members. */
  deleteGroup(name: string): void {
    const g = this.groups.get(name);
    if (g && g.members.length === 0) this.groups.delete(name);
  }

  // ---- configuration ----

  /** throttle_group_config + restart of that member (§8): group-wide config, levels reset, m restarted. */
  configure(m: ThrottleMember, cfg: ThrottleConfig): void {
    const g = m.group;
    if (!g) throw new Error(`throttle: ${m.name} is not in a group`);
    g.state.configure(cloneConfig(cfg), this.sched.nowNs);
    this.restartMember(m);
  }

  /** The group object's `limits` (qom-set): new config and reset levels, no restart (§8). */
  setGroupConfig(g: ThrottleGroup, cfg: ThrottleConfig): void {
    g.state.configure(cloneConfig(cfg), this.sched.nowNs);
  }

  /** Drain (§8): limits disabled while m's queues are flushed back-to-back (accounted, unchecked). */
  drain(m: ThrottleMember): void {
    if (!m.group) return;
    m.disabled++;
    this.disabledTotal++;
    try {
      this.restartMember(m);
    } finally {
      m.disabled--;
      this.disabledTotal--;
    }
  }

  // ---- requests ----

  /** A request of m arrives (throttle_group_co_io_limits_intercept). */
  submit(m: ThrottleMember, dir: Direction, req: ThrottleRequest): void {
    const g = m.group;
    if (!g) {
      this.hooks.onDispatch(m, dir, req);
      return;
    }
    // With no member draining, every token has disabled = 0: the walk of nextToken can wait.
    if (g.armed[dir] === true && (this.disabledTotal === 0 || this.nextToken(m, dir).disabled === 0)) {
      // The group timer is armed: scheduleTimer would answer "throttled" and change nothing,
      // and nothing can wake, so the handler bracket below is not needed.
      m.pending[dir]++;
      m.queues[dir].push(req);
      return;
    }
    this.intercept(m, g, dir, req);
  }

  /** submit() when the group timer is not armed (or a drain is in progress): the full rule. */
  private intercept(m: ThrottleMember, g: ThrottleGroup, dir: Direction, req: ThrottleRequest): void {
    this.enter();
    try {
      const mustWait = this.scheduleTimer(this.nextToken(m, dir), dir);
      if (mustWait || m.pending[dir] > 0) {
        m.pending[dir]++;
        m.queues[dir].push(req);
        return;
      }
      g.state.account(dir, req.bytes);
      this.hooks.onDispatch(m, dir, req);
      this.scheduleNext(m, dir);
    } finally {
      this.leaveHandler();
    }
  }

  /** Requests of m in dir that have not been dispatched yet (queued or woken). */
  pendingCount(m: ThrottleMember, dir: Direction): number {
    return m.pending[dir];
  }

  // ---- the scheduler rules (§10.3, §10.4) ----

  private successor(g: ThrottleGroup, m: ThrottleMember): ThrottleMember {
    const members = g.members;
    const i = (members[m.groupSlot] === m ? m.groupSlot : members.indexOf(m)) + 1;
    return members[i === members.length ? 0 : i];
  }

  private nextToken(m: ThrottleMember, dir: Direction): ThrottleMember {
    if (m.pending[dir] > 0 && m.disabled > 0) return m;
    const g = m.group!;
    const start = g.tokens[dir] ?? m;
    let token = this.successor(g, start);
    while (token !== start && token.pending[dir] === 0) token = this.successor(g, token);
    if (token === start && start.pending[dir] === 0) return m;
    return token;
  }

  /** schedule-timer(T, d): true = throttled. */
  private scheduleTimer(t: ThrottleMember, dir: Direction): boolean {
    if (t.disabled > 0) return false;
    const g = t.group!;
    if (g.armed[dir] === true) return true;
    const nowNs = this.sched.nowNs;
    const wait = g.state.check(nowNs, dir);
    if (wait <= 0) return false;
    if (t.timerIds[dir] === 0) this.armTimer(t, dir, nowNs + wait, 'throttled');
    g.tokens[dir] = t;
    g.armed[dir] = true;
    return true;
  }

  private scheduleNext(m: ThrottleMember, dir: Direction): void {
    const token = this.nextToken(m, dir);
    if (token.pending[dir] === 0) return;
    if (this.scheduleTimer(token, dir)) return;
    this.releaseOrRestart(m, token, dir);
  }

  /** schedule-next once the token's request may go: m's head wakes, else an immediate restart. */
  private releaseOrRestart(m: ThrottleMember, token: ThrottleMember, dir: Direction): void {
    const g = m.group!;
    if (this.wakeHead(m, dir)) {
      g.tokens[dir] = m;
    } else {
      this.armTimer(token, dir, this.sched.nowNs, 'immediate-restart');
      g.armed[dir] = true;
      g.tokens[dir] = token;
    }
  }

  private armTimer(
    t: ThrottleMember,
    dir: Direction,
    deadlineNs: number,
    reason: 'throttled' | 'immediate-restart',
  ) {
    const timerIds = t.timerIds;
    if (timerIds[dir] !== 0) this.sched.cancel(timerIds[dir]);
    timerIds[dir] = this.sched.at(deadlineNs, this.owner, dir, t.id, TIMER_PRIORITY);
    t.timerDeadlinesNs[dir] = deadlineNs;
    if (this.hooks.onTimerLog !== undefined) this.logArm(t, dir, deadlineNs, reason);
  }

  /** Out of line: only a conformance replay logs timers. */
  private logArm(
    t: ThrottleMember,
    dir: Direction,
    deadlineNs: number,
    reason: 'throttled' | 'immediate-restart',
  ): void {
    this.hooks.onTimerLog?.({ event: 'arm', atNs: this.sched.nowNs, member: t, dir, deadlineNs, reason });
  }

  private onTimerEvent(dir: Direction, memberId: number): void {
    const m = this.byId[memberId] ?? this.members.get(memberId);
    if (m === undefined) return;
    m.timerIds[dir] = 0;
    const g = m.group;
    if (this.depth !== 0 || g === null || this.hooks.onTimerLog !== undefined || m.queues[dir].length === 0) {
      this.timerEventGeneral(m, dir);
      return;
    }
    // The usual case: the timer releases its owner's head request. What timerCallback would
    // do (disarm, wake the head, run it when the handler ends), without the round trip
    // through the woken list: it runs first, then whatever it wakes, in order.
    g.armed[dir] = false;
    const req = m.queues[dir].shift() as ThrottleRequest;
    this.depth++;
    try {
      // runWoken(m, dir, req) and its scheduleNext, written out here (the per-request path of a
      // throttled lab: one function for V8 to optimise, no calls between these steps).
      m.pending[dir]--;
      g.state.account(dir, req.bytes);
      this.hooks.onDispatch(m, dir, req);
      const token = this.nextToken(m, dir);
      if (token.pending[dir] !== 0) {
        // scheduleTimer(token, dir) written out (no timer log on this path): usually the bucket
        // makes the token wait and the group timer is armed for it.
        const tg = token.group!;
        let throttled = false;
        if (token.disabled === 0) {
          if (tg.armed[dir] === true) {
            throttled = true;
          } else {
            const nowNs = this.sched.nowNs;
            // tg.state.check(nowNs, dir) written out for the usual config (no burst bucket):
            // the call was the one V8 would not inline here (its budget is spent), and a call
            // takes nowNs as a newly allocated heap number. Same operations in the same order.
            const st = tg.state;
            let wait: number;
            if (st.hasBurst === true) {
              wait = st.check(nowNs, dir);
            } else {
              const deltaNs = nowNs - st.previousLeakNs;
              st.previousLeakNs = nowNs;
              const avg = st.avg;
              const level = st.level;
              if (deltaNs > 0) {
                const active = st.active;
                for (let k = 0; k < st.activeCount; k++) {
                  const i = active[k];
                  level[i] = Math.max(level[i] - (avg[i] * deltaNs) / NS_PER_S, 0);
                }
              }
              wait = 0;
              const base = dir * 4;
              const n = st.directionActiveCount[dir];
              const size = st.size;
              for (let k = 0; k < n; k++) {
                const i = st.directionActive[base + k];
                const extra = level[i] - size[i];
                if (extra > 0) {
                  const w = Math.trunc((extra * NS_PER_S) / avg[i]);
                  if (w > wait) wait = w;
                }
              }
            }
            if (wait > 0) {
              const timerIds = token.timerIds;
              if (timerIds[dir] === 0) {
                // after(wait) is at(nowNs + wait) (the same sum), with no time passed to a call.
                timerIds[dir] = this.sched.after(wait, this.owner, dir, token.id, TIMER_PRIORITY);
                token.timerDeadlinesNs[dir] = nowNs + wait;
              }
              tg.tokens[dir] = token;
              tg.armed[dir] = true;
              throttled = true;
            }
          }
        }
        if (!throttled) this.releaseOrRestart(m, token, dir);
      }
    } finally {
      this.leaveHandler();
    }
  }

  /** onTimerEvent outside its usual case (a handler running, no group, a timer log, an empty queue). */
  private timerEventGeneral(m: ThrottleMember, dir: Direction): void {
    this.enter();
    try {
      this.timerCallback(m, dir);
    } finally {
      this.leaveHandler();
    }
  }

  private timerCallback(m: ThrottleMember, dir: Direction): void {
    this.hooks.onTimerLog?.({ event: 'fire', atNs: this.sched.nowNs, member: m, dir });
    const g = m.group;
    if (!g) return;
    g.armed[dir] = false;
    this.restartQueue(m, dir);
  }

  /** Wakes m's head request in dir; else runs schedule-next (throttle_group_restart_queue_entry). */
  private restartQueue(m: ThrottleMember, dir: Direction): void {
    if (!this.wakeHead(m, dir)) this.scheduleNext(m, dir);
  }

  /** throttle_group_restart_tgm: per direction, fire m's pending timer now, else restart its queue. */
  private restartMember(m: ThrottleMember): void {
    for (const dir of [0, 1] as const) {
      this.enter();
      try {
        if (m.timerIds[dir] !== 0) {
          this.sched.cancel(m.timerIds[dir]);
          m.timerIds[dir] = 0;
          this.timerCallback(m, dir);
        } else {
          this.restartQueue(m, dir);
        }
      } finally {
        this.leaveHandler();
      }
    }
  }

  private wakeHead(m: ThrottleMember, dir: Direction): boolean {
    const req = m.queues[dir].shift();
    if (req === undefined) return false;
    const n = this.wokenCount++;
    this.wokenMembers[n] = m;
    this.wokenDirs[n] = dir;
    this.wokenReqs[n] = req;
    return true;
  }

  private enter(): void {
    this.depth++;
  }

  /** End of a handler: woken requests run now, in wake order, each possibly waking the next. */
  private leaveHandler(): void {
    if (this.depth === 1 && this.wokenCount > 0) this.runWokenList();
    this.depth--;
  }

  private runWokenList(): void {
    const members = this.wokenMembers;
    const dirs = this.wokenDirs;
    const reqs = this.wokenReqs;
    try {
      // runWoken may wake more: they join the end of the list and run in turn.
      for (let i = 0; i < this.wokenCount; i++) this.runWoken(members[i], dirs[i], reqs[i]);
    } finally {
      this.wokenCount = 0;
    }
  }

  private runWoken(m: ThrottleMember, dir: Direction, req: ThrottleRequest): void {
    m.pending[dir]--;
    const g = m.group;
    if (g) g.state.account(dir, req.bytes);
    this.hooks.onDispatch(m, dir, req);
    if (g) this.scheduleNext(m, dir);
  }

  // ---- snapshot ----

  snapshot(): ThrottleGroupsSnapshot {
    const id = (m: ThrottleMember | null) => (m ? m.id : -1);
    return {
      v: 1,
      groups: [...this.groups.values()].map((g) => ({
        name: g.name,
        explicit: g.explicit,
        state: g.state.snapshot(),
        members: g.members.map((m) => m.id),
        tokens: [id(g.tokens[0]), id(g.tokens[1])],
        armed: [g.armed[0], g.armed[1]],
      })),
      members: [...this.members.values()].map((m) => ({
        id: m.id,
        group: m.group ? m.group.name : null,
        queues: [m.queues[0].toArray().map((r) => ({ ...r })), m.queues[1].toArray().map((r) => ({ ...r }))],
        pending: [m.pending[0], m.pending[1]],
        timerIds: [m.timerIds[0], m.timerIds[1]],
        timerDeadlinesNs: [m.timerDeadlinesNs[0], m.timerDeadlinesNs[1]],
        disabled: m.disabled,
      })),
    };
  }

  /** Members must already exist (same ids); groups are rebuilt. Validates before changing anything. */
  restore(s: ThrottleGroupsSnapshot): void {
    if (s?.v !== 1 || !Array.isArray(s.groups) || !Array.isArray(s.members)) {
      throw new Error('throttle groups snapshot: bad data');
    }
    const names = new Set<string>();
    for (const g of s.groups) {
      ThrottleState.validate(g.state);
      if (typeof g.name !== 'string' || names.has(g.name))
        throw new Error('throttle groups snapshot: bad group');
      names.add(g.name);
      for (const id of [...g.members, ...g.tokens]) {
        if (id !== -1 && !this.members.has(id))
          throw new Error(`throttle groups snapshot: unknown member ${id}`);
      }
    }
    for (const m of s.members) {
      if (!this.members.has(m.id)) throw new Error(`throttle groups snapshot: unknown member ${m.id}`);
      if (m.group !== null && !names.has(m.group)) throw new Error('throttle groups snapshot: unknown group');
      if (!Array.isArray(m.queues) || m.queues.length !== 2 || !m.queues.every(Array.isArray)) {
        throw new Error('throttle groups snapshot: bad queues');
      }
      const pairs = [m.pending, m.timerIds, m.timerDeadlinesNs];
      if (!pairs.every((p) => Array.isArray(p) && p.length === 2 && p.every(Number.isInteger))) {
        throw new Error('throttle groups snapshot: bad member counters');
      }
    }
    this.groups.clear();
    this.wokenCount = 0;
    for (const gs of s.groups) {
      const state = new ThrottleState();
      state.restore(gs.state);
      const pick = (id: number) => (id === -1 ? null : this.members.get(id)!);
      const g = new ThrottleGroup(
        gs.name,
        gs.explicit,
        state,
        gs.members.map((id) => this.members.get(id)!),
      );
      g.tokens[0] = pick(gs.tokens[0]);
      g.tokens[1] = pick(gs.tokens[1]);
      g.armed[0] = gs.armed[0];
      g.armed[1] = gs.armed[1];
      reindex(g);
      this.groups.set(g.name, g);
    }
    for (const ms of s.members) {
      const m = this.members.get(ms.id)!;
      m.group = ms.group === null ? null : this.groups.get(ms.group)!;
      for (const d of [0, 1] as const) {
        m.queues[d].replace(ms.queues[d].map((r) => ({ ...r })));
        m.pending[d] = ms.pending[d];
        m.timerIds[d] = ms.timerIds[d];
        m.timerDeadlinesNs[d] = ms.timerDeadlinesNs[d];
      }
      m.disabled = ms.disabled;
    }
    this.disabledTotal = 0;
    for (const m of this.members.values()) this.disabledTotal += m.disabled;
  }
}
