/**
 * Client-side Telegram flood limits, pure and clock-injected: at most perChatPerSec messages to one
 * chat per second, perGroupPerMin to one group per minute, globalPerSec per second for the whole bot.
 *
 * Each limit is a token bucket whose tokens come back exactly one window after they were spent (a
 * rolling window). A classic bucket refilling continuously would allow a full burst plus the refill
 * inside one window (59 messages in a second for 30/s), which Telegram answers with 429; with rolling
 * windows no window of the limit's length ever holds more grants than the limit.
 */

export interface TelegramLimits {
  perChatPerSec?: number;
  perGroupPerMin?: number;
  globalPerSec?: number;
}

const SECOND = 1_000;
const MINUTE = 60_000;
/** Forget idle chats after this many reserve calls, so the maps do not grow with every chat ever seen. */
const SWEEP_EVERY = 1_000;

/** Groups, supergroups and channels have negative ids; `@name` addresses a public channel or group. */
export function isGroupChat(chatId: string): boolean {
  return chatId.startsWith('-') || chatId.startsWith('@');
}

/** Grant times within the last window, oldest first. */
class RollingWindow {
  private readonly times: number[] = [];
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** 0 when a grant is possible at `now`, else how long until it is. */
  wait(now: number): number {
    this.expire(now);
    if (this.times.length < this.limit) return 0;
    // The grant that has to leave the window before another one fits.
    const blocking = this.times[this.times.length - this.limit]!;
    return Math.max(1, Math.ceil(blocking + this.windowMs - now));
  }

  take(now: number): void {
    this.times.push(now);
  }

  /** No grant left that could still count at `now`. */
  idle(now: number): boolean {
    this.expire(now);
    return this.times.length === 0;
  }

  private expire(now: number): void {
    let n = 0;
    while (n < this.times.length && this.times[n]! <= now - this.windowMs) n++;
    if (n) this.times.splice(0, n);
  }
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  return v;
}

export class TelegramLimiter {
  private readonly perChat: number;
  private readonly perGroup: number;
  private readonly global: RollingWindow;
  private readonly chats = new Map<string, RollingWindow>();
  private readonly groups = new Map<string, RollingWindow>();
  private readonly penalties = new Map<string, number>();
  private calls = 0;

  constructor(opts: TelegramLimits = {}) {
    this.perChat = positiveInt('perChatPerSec', opts.perChatPerSec ?? 1);
    this.perGroup = positiveInt('perGroupPerMin', opts.perGroupPerMin ?? 20);
    this.global = new RollingWindow(positiveInt('globalPerSec', opts.globalPerSec ?? 30), SECOND);
  }

  /**
   * 0 if a message to `chatId` may be sent at `now` (the tokens are consumed), else the wait in ms
   * before it may (nothing is consumed; ask again then).
   */
  reserve(chatId: string, now: number): number {
    if (++this.calls % SWEEP_EVERY === 0) this.sweep(now);
    const chat = this.window(this.chats, chatId, this.perChat, SECOND);
    const group = isGroupChat(chatId) ? this.window(this.groups, chatId, this.perGroup, MINUTE) : null;
    const until = this.penalties.get(chatId);
    const wait = Math.max(
      until !== undefined && until > now ? Math.ceil(until - now) : 0,
      chat.wait(now),
      group ? group.wait(now) : 0,
      this.global.wait(now),
    );
    if (wait > 0) return wait;
    chat.take(now);
    group?.take(now);
    this.global.take(now);
    return 0;
  }

  /** Blocks a chat until `untilMs` (after Telegram answered 429 with retry_after). Never shortens a block. */
  penalize(chatId: string, untilMs: number): void {
    const current = this.penalties.get(chatId);
    if (current === undefined || untilMs > current) this.penalties.set(chatId, untilMs);
  }

  /** Chats with state held (for tests and diagnostics). */
  trackedChats(): number {
    return new Set([...this.chats.keys(), ...this.groups.keys(), ...this.penalties.keys()]).size;
  }

  private window(
    map: Map<string, RollingWindow>,
    chatId: string,
    limit: number,
    windowMs: number,
  ): RollingWindow {
    let w = map.get(chatId);
    if (!w) map.set(chatId, (w = new RollingWindow(limit, windowMs)));
    return w;
  }

  private sweep(now: number): void {
    for (const [id, w] of this.chats) if (w.idle(now)) this.chats.delete(id);
    for (const [id, w] of this.groups) if (w.idle(now)) this.groups.delete(id);
    for (const [id, until] of this.penalties) if (until <= now) this.penalties.delete(id);
  }
}
