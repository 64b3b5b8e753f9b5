// Finding a data set's files on disk: a list of candidate directories, tried in order, each either
// holding every file asked for (plain or .gz) or noted with what it lacked, so that the final error can
// tell the user exactly where it looked.
import { envVar, fileExists, isDirectory, joinPath } from '../util/fs.js';

/** The environment variable naming a directory of data sets. */
export const DATA_ENV = 'SIMDNET_DATA';

export interface Candidate {
  dir: string;
  /** Why this directory was tried, for messages: "option 'dir'", "$SIMDNET_DATA", ... */
  origin: string;
  /** Set when there is nothing to try (an unset variable), kept so the error message shows it in order. */
  unavailable?: string;
  /** A sub-directory that is merely tried: left out of the error message when it does not exist. */
  quiet?: boolean;
}

/**
 * The directories to try, in order: `dir` and its sub-directory `subdir` (and nothing else: a caller who
 * names a directory means that one, and must hear what it lacks), otherwise $SIMDNET_DATA and its `subdir`
 * (so that one directory can hold several data sets whose files share names), then `defaults`.
 */
export function candidateDirs(dir: string | undefined, subdir: string, defaults: Candidate[]): Candidate[] {
  const out: Candidate[] = [];
  if (dir !== undefined) {
    out.push({ dir, origin: "option 'dir'" });
    out.push({ dir: joinPath(dir, subdir), origin: "inside option 'dir'", quiet: true });
    return out;
  }
  const env = envVar(DATA_ENV);
  if (env) {
    out.push({ dir: env, origin: `$${DATA_ENV}` });
    out.push({ dir: joinPath(env, subdir), origin: `inside $${DATA_ENV}`, quiet: true });
  } else {
    out.push({ dir: '', origin: `$${DATA_ENV}`, unavailable: 'not set' });
  }
  return out.concat(defaults);
}

export type Located =
  { found: true; dir: string; origin: string; paths: string[] } | { found: false; note: string | null };

/** Looks for every name in `dir`, as is or with `.gz` (the plain file wins: no decompression needed). */
export function locateIn(candidate: Candidate, names: readonly string[]): Located {
  const { dir, origin } = candidate;
  if (candidate.unavailable) return { found: false, note: `${origin}: ${candidate.unavailable}` };
  if (!isDirectory(dir)) {
    if (candidate.quiet) return { found: false, note: null };
    return { found: false, note: `${dir} (${origin}): ${fileExists(dir) ? 'not a directory' : 'does not exist'}` };
  }
  const paths: string[] = [];
  const missing: string[] = [];
  for (const name of names) {
    const plain = joinPath(dir, name);
    const gz = plain + '.gz';
    if (fileExists(plain)) paths.push(plain);
    else if (fileExists(gz)) paths.push(gz);
    else missing.push(`${name}[.gz]`);
  }
  if (missing.length > 0) return { found: false, note: `${dir} (${origin}): missing ${missing.join(', ')}` };
  return { found: true, dir, origin, paths };
}

/** The first candidate that has every file, or the notes on why none did. */
export function locate(
  candidates: readonly Candidate[],
  names: readonly string[],
): (Located & { found: true }) | { found: false; notes: string[] } {
  const notes: string[] = [];
  for (const c of candidates) {
    const r = locateIn(c, names);
    if (r.found) return r;
    if (r.note !== null) notes.push(r.note);
  }
  return { found: false, notes };
}

/** The error thrown when no directory had the files: every place tried, and how to get the files. */
export function notFoundError(fn: string, title: string, names: string[], notes: string[], howToGet: string[]): Error {
  return new Error(
    `${fn}: could not find the ${title} files (${names.join(', ')}; each may be gzipped, with .gz). Looked in, in this order:\n` +
      notes.map((n) => `  - ${n}\n`).join('') +
      howToGet.join('\n'),
  );
}
