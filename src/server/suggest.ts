/**
 * "Did you mean …?" for mistyped commands, flags and choice values: the candidates nearest to
 * what was typed by edit distance, counting a swap of two neighbouring letters as one edit (the
 * commonest typo), within a threshold that grows with the length of the word.
 */

/**
 * Optimal-string-alignment distance (Damerau-Levenshtein without repeated edits of one
 * substring): insertions, deletions, substitutions and adjacent transpositions cost 1 each.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidates nearest to `input` (all of those tied at the smallest distance, in the order
 * given), or none when even the nearest is more than max(2, ⌊len/3⌋) edits away. Case is
 * ignored. A candidate that `input` is the start of counts as near (`--checkpoint` finds
 * `--checkpoint-interval` and `--checkpoint-dir`) when no candidate is within the threshold.
 */
export function suggest(input: string, candidates: readonly string[]): string[] {
  const word = input.toLowerCase();
  if (word === "") return [];
  const limit = Math.max(2, Math.floor(word.length / 3));
  let best = Infinity;
  let near: string[] = [];
  for (const c of candidates) {
    const dist = editDistance(word, c.toLowerCase());
    if (dist > limit || dist > best) continue;
    if (dist < best) near = [];
    best = dist;
    near.push(c);
  }
  if (near.length > 0) return near;
  return word.length >= 3 ? candidates.filter((c) => c.toLowerCase().startsWith(word)) : [];
}

/** ` Did you mean X?` / ` Did you mean X or Y?` (leading space), or "" when nothing is near. */
export function didYouMean(input: string, candidates: readonly string[], quote: (s: string) => string = (s) => s): string {
  const near = suggest(input, candidates).map(quote);
  if (near.length === 0) return "";
  const list = near.length === 1 ? near[0] : `${near.slice(0, -1).join(", ")} or ${near[near.length - 1]}`;
  return ` Did you mean ${list}?`;
}
