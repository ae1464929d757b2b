/** Options that several commands take, defined once so their flag and help text cannot drift apart. */
import { Option } from 'commander';

/**
 * `--no-verify` (generate, info, eval): commander gives the action `verify: false` with it, `true`
 * without. The check itself is runtime/weights-hash.ts, whose errors name this flag.
 */
export function noVerifyOption(): Option {
  return new Option('--no-verify', "skip checking the model's weights against the sha256 stored at export");
}
