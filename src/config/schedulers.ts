/**
 * `timers`, `overseer` and `notification` of a namespace: MG's scan settings. Absent means enabled with MG's
 * defaults; only the word `disabled` turns one off. Every interval here is a duration with a unit, read in
 * milliseconds: MG read some of these as seconds and others as milliseconds, which Ratchet does not repeat.
 */
import { z } from "zod";
import { disabledOr, durationMs, integer } from "./values.js";

export interface TimerSchedulerConfig {
  /** How far ahead a scan looks for due timers, ms (MG: 60 s, its `target_cutoff`, read in seconds). */
  readonly scanIntervalMs: number;
  /** Timers one scan may claim (MG: 5000). */
  readonly scanLimit: number;
  /** Timers queued on this node at once (MG: 1000). */
  readonly capacity: number;
  /** Shortest pause between two scans, ms (MG: 1 s). */
  readonly minScanDelayMs: number;
}

export interface OverseerConfig {
  /** Pause between scans for machines left in `processing`, ms (MG: 10 min). */
  readonly scanIntervalMs: number;
  /** Machines one scan may resume (MG: 5000). */
  readonly scanLimit: number;
  /** Resumptions queued on this node at once (MG: 1000). */
  readonly capacity: number;
  /** Shortest pause between two scans while more pages remain, ms (MG: 1 s). */
  readonly minScanDelayMs: number;
}

export interface NotificationSchedulerConfig {
  /** Deliveries queued on this node at once (MG: 1000). */
  readonly capacity: number;
  /** Pause between scans for undelivered notifications, ms (MG: 1 min). */
  readonly scanIntervalMs: number;
  /** Shortest pause between two scans while more pages remain, ms (MG: 1 s). */
  readonly minScanDelayMs: number;
  /** A scan skips notifications younger than this, ms (MG: 10 s; MG's code read it as seconds). */
  readonly scanHandicapMs: number;
  /** A scan skips notifications older than handicap + this, ms (MG: 4 weeks; read as seconds by MG's code). */
  readonly scanCutoffMs: number;
  /** Delay before a transiently failed delivery is tried again, ms (MG: 5 s; read as seconds by MG's code). */
  readonly rescheduleTimeMs: number;
  /** Notifications one scan may claim (MG: 5000). */
  readonly scanLimit: number;
}

const SCAN_LIMIT = integer({ min: 1 }).prefault(5000);
const CAPACITY = integer({ min: 1 }).prefault(1000);
const MIN_SCAN_DELAY = durationMs().prefault("1s");

export function timersSchema() {
  const settings = z
    .strictObject({
      scan_interval: durationMs({ positive: true }).prefault("60s"),
      scan_limit: SCAN_LIMIT,
      capacity: CAPACITY,
      min_scan_delay: MIN_SCAN_DELAY,
    })
    .transform(
      (timers): TimerSchedulerConfig => ({
        scanIntervalMs: timers.scan_interval,
        scanLimit: timers.scan_limit,
        capacity: timers.capacity,
        minScanDelayMs: timers.min_scan_delay,
      }),
    );
  return disabledOr(settings).prefault({});
}

export function overseerSchema() {
  const settings = z
    .strictObject({
      scan_interval: durationMs({ positive: true }).prefault("10m"),
      scan_limit: SCAN_LIMIT,
      capacity: CAPACITY,
      min_scan_delay: MIN_SCAN_DELAY,
    })
    .transform(
      (overseer): OverseerConfig => ({
        scanIntervalMs: overseer.scan_interval,
        scanLimit: overseer.scan_limit,
        capacity: overseer.capacity,
        minScanDelayMs: overseer.min_scan_delay,
      }),
    );
  return disabledOr(settings).prefault({});
}

export function notificationSchema() {
  const settings = z
    .strictObject({
      capacity: CAPACITY,
      scan_interval: durationMs({ positive: true }).prefault("1m"),
      min_scan_delay: MIN_SCAN_DELAY,
      scan_handicap: durationMs().prefault("10s"),
      scan_cutoff: durationMs({ positive: true }).prefault("4W"),
      reschedule_time: durationMs().prefault("5s"),
      scan_limit: SCAN_LIMIT,
    })
    .transform(
      (notification): NotificationSchedulerConfig => ({
        capacity: notification.capacity,
        scanIntervalMs: notification.scan_interval,
        minScanDelayMs: notification.min_scan_delay,
        scanHandicapMs: notification.scan_handicap,
        scanCutoffMs: notification.scan_cutoff,
        rescheduleTimeMs: notification.reschedule_time,
        scanLimit: notification.scan_limit,
      }),
    );
  return disabledOr(settings).prefault({});
}
