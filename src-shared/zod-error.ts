// The one way a zod failure becomes a message: one line naming each problem, e.g.
// "limit: must be <= 500; search: expected string". The app API, the settings file,
// the stress configuration and the wire protocol all report through it.
import type { z } from 'zod';

export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}
