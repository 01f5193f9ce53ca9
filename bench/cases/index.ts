/** Every benchmark case, by name. Add a case by importing its module and listing it here. */
import type { BenchCase } from '../harness.ts';

export const cases: BenchCase[] = [];
