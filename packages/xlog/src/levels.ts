// Mars's six levels (Xlog.java: VERBOSE 0 … FATAL 5, NONE 6); the number is what records store.

export const LEVELS = {
  verbose: 0,
  debug: 1,
  info: 2,
  warn: 3,
  error: 4,
  fatal: 5,
  none: 6,
} as const;

export type LevelName = keyof typeof LEVELS;
/** A level a record can carry (none only filters). */
export type RecordLevel = Exclude<LevelName, 'none'>;

/** Index = level number; the letter Mars prints in `[L]`. */
export const LEVEL_LETTERS = ['V', 'D', 'I', 'W', 'E', 'F'] as const;
export const LEVEL_NAMES: readonly RecordLevel[] = ['verbose', 'debug', 'info', 'warn', 'error', 'fatal'];

export function isLevelName(value: unknown): value is LevelName {
  return typeof value === 'string' && Object.hasOwn(LEVELS, value);
}
