import { describe, expect, it } from 'vitest';
import { duration, percentile, secondsCell } from '../../scripts/selftest/stats.ts';

describe('percentile', () => {
  it('interpolates between the closest ranks', () => {
    expect(percentile([1, 2], 50)).toBe(1.5);
    expect(percentile([10, 20, 30, 40], 50)).toBe(25);
    expect(percentile([10, 20, 30, 40, 50], 90)).toBe(46);
  });

  it('sorts its input without changing it', () => {
    const values = [30, 10, 20];
    expect(percentile(values, 50)).toBe(20);
    expect(values).toEqual([30, 10, 20]);
  });

  it('gives the minimum at 0, the maximum at 100 and the one value of a single sample', () => {
    expect(percentile([5, 1, 9], 0)).toBe(1);
    expect(percentile([5, 1, 9], 100)).toBe(9);
    expect(percentile([7], 50)).toBe(7);
  });

  it('has no value for no sample, and refuses a percentile outside 0-100', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(() => percentile([1], 101)).toThrow(/between 0 and 100, got 101/);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('formatting', () => {
  it('shows milliseconds as seconds, and a dash for no value', () => {
    expect(secondsCell(1234)).toBe('1.23');
    expect(secondsCell(5)).toBe('0.01');
    expect(secondsCell(undefined)).toBe('–');
  });

  it('shows wall times in seconds, then minutes', () => {
    expect(duration(48_240)).toBe('48.2 s');
    expect(duration(185_000)).toBe('3 min 05 s');
    expect(duration(119_700)).toBe('2 min 00 s');
  });
});
