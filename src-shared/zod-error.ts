// The one way a zod failure becomes a message: one line naming each problem, e.g.
// "limit: must be <= 500; search: must be a string". The app API, the settings file,
// the stress configuration and the wire protocol all report through it. zod's own
// wording ("Too big: expected number to be <=500") is turned into the rule alone, and a
// field with several problems is named once, with its first.
import type { z } from 'zod';

export interface DescribeOptions {
  /**
   * The field as the user knows it (a flag, a form label) for an issue's path; undefined
   * keeps the path. Used in place of the path, and in place of the message's own subject
   * when the message starts with one ("duration must be > 0" -> "-d/--duration must be > 0").
   */
  label?: (path: readonly PropertyKey[]) => string | undefined;
  /**
   * Keep the label before a message that is a sentence of its own too ("FILE: stages: give
   * a duration ..."): a file's reader must find the field whatever the rule says.
   */
  alwaysLabel?: boolean;
}

export function describeZodError(error: z.ZodError, options: DescribeOptions = {}): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.');
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(describeIssue(issue, options));
  }
  return lines.join('; ');
}

function describeIssue(issue: z.core.$ZodIssue, options: DescribeOptions): string {
  const rule = ruleOf(issue);
  const label = issue.path.length ? options.label?.(issue.path) : undefined;
  if (label === undefined) return issue.path.length ? `${issue.path.map(String).join('.')}: ${rule}` : rule;
  if (rule.startsWith('must ')) return `${label} ${rule}`;
  // "duration must be > 0": the schema's own name for the field gives way to the label.
  const subject = /^[a-z][a-z -]*? (must .*)$/.exec(rule);
  if (subject) return `${label} ${subject[1]}`;
  // A sentence of its own (e.g. "give a duration (-d 30s) or ramp stages"): it names what to do.
  return options.alwaysLabel ? `${label}: ${rule}` : rule;
}

/** The rule an issue breaks, without zod's "Too big: expected number to be" preamble. */
function ruleOf(issue: z.core.$ZodIssue): string {
  const generic = /^(Too big|Too small|Invalid input|Invalid option)/.test(issue.message);
  if (!generic) return issue.message;
  switch (issue.code) {
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `must have at most ${String(issue.maximum)} ${issue.origin === 'array' ? 'items' : 'characters'}`
        : `must be ${issue.inclusive === false ? '<' : '<='} ${String(issue.maximum)}`;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `must have at least ${String(issue.minimum)} ${issue.origin === 'array' ? 'items' : 'characters'}`
        : `must be ${issue.inclusive === false ? '>' : '>='} ${String(issue.minimum)}`;
    case 'invalid_type':
      return `must be ${issue.expected === 'array' || issue.expected === 'object' ? 'an' : 'a'} ${issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => String(v)).join(' | ')}`;
    default:
      return issue.message;
  }
}
