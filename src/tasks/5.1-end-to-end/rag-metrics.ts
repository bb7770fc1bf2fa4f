/**
 * Retrieval quality over golden questions, as pure functions: where the
 * expected page ranks among the pages an answer cites (hit@k, reciprocal
 * rank), and whether the answer is grounded in that page, measured as the
 * share of the answer's content terms the page contains.
 */

export interface GoldenQuestion {
  id: string;
  question: string;
  /** The corpus file (relative to the corpus folder) that answers it. */
  expectedPage: string;
  /** Terms a correct answer contains (compared case-insensitively); informative, not judged alone. */
  answerContains: string[];
}

/** What one golden question got back. */
export interface GoldenOutcome {
  id: string;
  /** Pages cited, best first, each named once (file path, URL or title: whatever the target returns). */
  citedPages: string[];
  answer: string;
  /** Set when the question was not answered 2xx. */
  error?: string;
}

export interface QuestionScore {
  id: string;
  /** 1-based rank of the expected page among the cited pages; undefined when not cited. */
  rank: number | undefined;
  /** Share (0..1) of the answer's content terms found in the expected page. */
  groundedShare: number;
  /** Cited in the top k and grounded at least `minShare`. */
  grounded: boolean;
  /** How many of answerContains the answer holds. */
  termsFound: number;
  termsExpected: number;
  error?: string;
}

export interface RagFigures {
  questions: number;
  hitAt1: number;
  hitAt3: number;
  mrr: number;
  grounded: number;
  /** Share of answerContains terms found over all questions. */
  expectedTerms: number;
}

/** Words too common to say what an answer is about. */
const stopwords = new Set(
  (
    'a about above after again all also am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers him his how ' +
    'i if in into is it its itself just me more most my no nor not now of off on once only or other our ours out over own ' +
    'same she should so some such than that the their theirs them then there these they this those through to too under ' +
    'until up very was we were what when where which while who whom why will with would you your yours one two may must ' +
    'use used uses using make makes every each'
  ).split(' '),
);

/** Lower-case content terms (letters and digits, 3+ characters, stopwords dropped). */
export function contentTerms(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9][a-z0-9_.-]*[a-z0-9]/g) ?? []).filter(
    (term) => term.length >= 3 && !stopwords.has(term),
  );
}

/** Does a cited page name the expected page (its file name, with or without the extension)? */
export function namesPage(cited: string, expectedPage: string): boolean {
  const file = expectedPage.split('/').pop()!.toLowerCase();
  const stem = file.replace(/\.[a-z0-9]+$/, '');
  const text = cited.toLowerCase();
  return text.includes(file) || new RegExp(`(^|[^a-z0-9])${escapeRegExp(stem)}([^a-z0-9]|$)`).test(text);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Distinct pages in the order first cited. */
export function distinctPages(pages: readonly string[]): string[] {
  return [...new Set(pages.filter((page) => page.length > 0))];
}

export function scoreQuestion(
  golden: GoldenQuestion,
  outcome: GoldenOutcome,
  pageText: string,
  options: { k: number; minShare: number },
): QuestionScore {
  const index = outcome.citedPages.findIndex((page) => namesPage(page, golden.expectedPage));
  const rank = index === -1 ? undefined : index + 1;
  const answerTerms = [...new Set(contentTerms(outcome.answer))];
  const pageTerms = new Set(contentTerms(pageText));
  const groundedShare =
    answerTerms.length === 0 ? 0 : answerTerms.filter((term) => pageTerms.has(term)).length / answerTerms.length;
  const answer = outcome.answer.toLowerCase();
  const termsFound = golden.answerContains.filter((term) => answer.includes(term.toLowerCase())).length;
  return {
    id: golden.id,
    rank,
    groundedShare,
    grounded: rank !== undefined && rank <= options.k && groundedShare >= options.minShare,
    termsFound,
    termsExpected: golden.answerContains.length,
    ...(outcome.error ? { error: outcome.error } : {}),
  };
}

export function figuresOf(scores: readonly QuestionScore[]): RagFigures {
  const n = scores.length;
  const share = (count: number) => (n === 0 ? 0 : count / n);
  const termsExpected = scores.reduce((sum, score) => sum + score.termsExpected, 0);
  return {
    questions: n,
    hitAt1: share(scores.filter((score) => score.rank === 1).length),
    hitAt3: share(scores.filter((score) => score.rank !== undefined && score.rank <= 3).length),
    mrr: share(scores.reduce((sum, score) => sum + (score.rank ? 1 / score.rank : 0), 0)),
    grounded: share(scores.filter((score) => score.grounded).length),
    expectedTerms: termsExpected === 0 ? 1 : scores.reduce((sum, score) => sum + score.termsFound, 0) / termsExpected,
  };
}

export interface RagMinimums {
  hitAt1: number;
  hitAt3: number;
  mrr: number;
  grounded: number;
}

/** Each figure below its minimum, as `name measured < minimum`. */
export function missedMinimums(figures: RagFigures, minimums: RagMinimums): string[] {
  return (['hitAt1', 'hitAt3', 'mrr', 'grounded'] as const)
    .filter((name) => figures[name] < minimums[name])
    .map((name) => `${label[name]} ${figures[name].toFixed(2)} < ${minimums[name]}`);
}

const label = { hitAt1: 'hit@1', hitAt3: 'hit@3', mrr: 'MRR', grounded: 'grounded' } as const;

export function describeFigures(figures: RagFigures): string {
  return (
    `hit@1 ${figures.hitAt1.toFixed(2)}, hit@3 ${figures.hitAt3.toFixed(2)}, MRR ${figures.mrr.toFixed(2)}, ` +
    `grounded ${figures.grounded.toFixed(2)} over ${figures.questions} golden questions`
  );
}

/** A markdown table of every question's result, for the report's attachment. */
export function scoresTable(
  golden: readonly GoldenQuestion[],
  scores: readonly QuestionScore[],
  outcomes: readonly GoldenOutcome[],
): string {
  const lines = [
    '| id | expected page | rank | grounded share | expected terms | first cited pages |',
    '|---|---|---|---|---|---|',
  ];
  scores.forEach((score, index) => {
    const question = golden[index]!;
    const outcome = outcomes[index]!;
    const cited = outcome.error ?? outcome.citedPages.slice(0, 3).join('; ');
    lines.push(
      `| ${score.id} | ${question.expectedPage} | ${score.rank ?? '-'} | ${score.groundedShare.toFixed(2)} | ` +
        `${score.termsFound}/${score.termsExpected} | ${cited.replaceAll('|', '\\|')} |`,
    );
  });
  return lines.join('\n');
}
