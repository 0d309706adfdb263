/**
 * Simulated users: an id, a usual device and browser, a home time zone (used for the zone
 * offset of `orders` timestamps) and a personal pace (how soon they come back).
 */
import type { Device } from "../../core/events";
import type { Prng } from "../../core/prng";

/** One simulated user's fixed traits. */
export interface UserProfile {
  id: string;
  device: Device;
  browser: string;
  /** Offset of the user's zone from UTC in minutes. */
  tzOffsetMin: number;
  /** Multiplies the time away between sessions: < 1 comes back sooner. */
  pace: number;
}

// Shares roughly as in public web-traffic statistics: mobile first, tablets rare.
const DEVICE_WEIGHTS: ReadonlyArray<readonly [Device, number]> = [["mobile", 0.55], ["desktop", 0.38], ["tablet", 0.07]];
const BROWSERS: Record<Device, ReadonlyArray<readonly [string, number]>> = {
  mobile: [["chrome", 0.55], ["safari", 0.38], ["samsung", 0.05], ["firefox", 0.02]],
  desktop: [["chrome", 0.62], ["edge", 0.13], ["safari", 0.13], ["firefox", 0.12]],
  tablet: [["safari", 0.6], ["chrome", 0.38], ["firefox", 0.02]],
};
const ZONES = [-480, -420, -360, -300, -180, 0, 0, 60, 60, 120, 180, 330, 480, 540, 600];

function weighted<T>(rng: Prng, items: ReadonlyArray<readonly [T, number]>): T {
  let u = rng.float();
  for (const [item, w] of items) {
    if ((u -= w) < 0) return item;
  }
  return items[items.length - 1][0];
}

/** A device, drawn with realistic shares. */
export function pickDevice(rng: Prng): Device {
  return weighted(rng, DEVICE_WEIGHTS);
}

/** A browser plausible on `device`. */
export function pickBrowser(rng: Prng, device: Device): string {
  return weighted(rng, BROWSERS[device]);
}

/** User ids are `user-0001` … (zero-padded to the width of the largest id, at least 4). */
export function userId(index: number, count: number): string {
  return `user-${String(index + 1).padStart(Math.max(4, String(count).length), "0")}`;
}

/** Creates `count` users deterministically from `rng`. */
export function makeUsers(count: number, rng: Prng): UserProfile[] {
  const users: UserProfile[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const device = pickDevice(rng);
    users[i] = {
      id: userId(i, count),
      device,
      browser: pickBrowser(rng, device),
      tzOffsetMin: rng.pick(ZONES),
      // Log-uniform between 0.5 and 2: a few regulars, a few occasional visitors.
      pace: Math.pow(2, rng.float() * 2 - 1),
    };
  }
  return users;
}
