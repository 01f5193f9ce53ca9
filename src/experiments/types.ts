/** Types shared by the stage runner, the jobs and the worker pool (a leaf module: it imports nothing local). */

/** A JSON value (configurations and results). */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Where a job runs. */
export interface JobContext {
  /** The stage folder (absolute or relative to the working directory). */
  dir: string;
  /** The experiment folder (job paths are relative to it). */
  root: string;
  quiet: boolean;
}
