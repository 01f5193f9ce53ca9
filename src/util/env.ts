/**
 * Environment variables where there is a process (Node), and none in a web page: the modules the browser
 * bundle carries (io, similarity, align) read their settings through this, never `process.env` directly.
 */

/** The value of environment variable `name`, or undefined where there is no `process` (a browser). */
export function envVar(name: string): string | undefined {
  return typeof process !== 'undefined' && process.env ? process.env[name] : undefined;
}
