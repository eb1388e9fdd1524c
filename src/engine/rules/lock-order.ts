// R8 no deadlock (README, "Engine rules"): one lock order everywhere — a scrape takes its fleet-wide scrape
// slot (R4) before its account's lock, never the other way round; no operation holds two account locks (an
// operation is on one lane at a time, and a move releases the lane before it is placed again); every wait
// has a timeout (the account lock's below, the others in timeouts.ts).
import { Mutex, withTimeout, type MutexInterface } from 'async-mutex';
import type { OperationType } from '../types.js';

/** The locks an operation takes, in the one order they are taken. */
export const LOCK_ORDER = ['scrape-slot', 'account'] as const;
export type LockKind = (typeof LOCK_ORDER)[number];

/**
 * The lock an operation must take next: a scrape without its slot takes the slot first, all else goes
 * for the account (placement, then the account's lock).
 */
export function nextLock(type: OperationType, holdsSlot: boolean): LockKind {
  return type === 'scraping' && !holdsSlot ? 'scrape-slot' : 'account';
}

/** An account's lock: acquiring it fails after `timeoutMs`, so that no wait for an account is endless. */
export function createAccountLock(timeoutMs: number): MutexInterface {
  return withTimeout(new Mutex(), timeoutMs);
}
