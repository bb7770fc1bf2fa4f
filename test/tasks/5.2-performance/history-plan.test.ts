import { describe, expect, it } from 'vitest';
import { historyQuery, planUsesIndex } from '../../../src/tasks/5.2-performance/history.ts';

const plan = (root: unknown) => [{ Plan: root }];

describe('planUsesIndex', () => {
  it('accepts a bitmap index scan feeding the heap scan of messages', () => {
    const result = planUsesIndex(
      plan({
        'Node Type': 'Sort',
        Plans: [
          {
            'Node Type': 'Bitmap Heap Scan',
            'Relation Name': 'messages',
            Plans: [{ 'Node Type': 'Bitmap Index Scan', 'Index Name': 'messages_conversation_created_at_idx' }],
          },
        ],
      }),
    );
    expect(result).toEqual({
      usesIndex: true,
      lines: ['Sort', 'Bitmap Heap Scan on messages', 'Bitmap Index Scan using messages_conversation_created_at_idx'],
    });
  });

  it('accepts an index scan', () => {
    expect(
      planUsesIndex(plan({ 'Node Type': 'Index Scan', 'Relation Name': 'messages', 'Index Name': 'by_conversation' }))
        .usesIndex,
    ).toBe(true);
  });

  it('refuses a sequential scan of messages, even beside an index scan of another table', () => {
    const result = planUsesIndex(
      plan({
        'Node Type': 'Nested Loop',
        Plans: [
          { 'Node Type': 'Seq Scan', 'Relation Name': 'messages' },
          { 'Node Type': 'Index Scan', 'Relation Name': 'conversations', 'Index Name': 'conversations_pkey' },
        ],
      }),
    );
    expect(result.usesIndex).toBe(false);
    expect(result.lines).toContain('Seq Scan on messages');
  });

  it('says when there is no plan', () => {
    expect(planUsesIndex(undefined)).toEqual({ usesIndex: false, lines: ['(no plan)'] });
  });

  it('builds the query only around a uuid', () => {
    expect(historyQuery('0b7c8f0e-6d43-4a2b-9a55-1f0e8d3c2b1a')).toContain("conversation_id = '0b7c8f0e-");
    expect(() => historyQuery("x' OR 1=1 --")).toThrow('not a uuid');
  });
});
