// What the smoke test's processes and pages tell the node runners. Shared so the two sides agree.

/** The last line a command-line smoke run prints: this prefix, then the result object as JSON. */
export const RESULT_PREFIX = '@@smoke-result ';
