// Per-field validation of a settings patch, shared by main (authoritative) and the
// renderer (to show messages at the field before asking main). Every invalid field gets
// its own message, and rules across fields are checked in the same pass; nothing is
// applied unless all fields are valid.
import { describeZodError } from '../zod-error.js';
import { SETTINGS_FIELDS, settingsSchema, type Settings, type SettingsField } from './settings.js';

export type SettingsValidation =
  { ok: true; settings: Settings } | { ok: false; errors: Partial<Record<SettingsField | '_', string>> };

const fieldSchemas = settingsSchema.shape;

export function applySettingsPatch(current: Settings, patch: Record<string, unknown>): SettingsValidation {
  const errors: Partial<Record<SettingsField | '_', string>> = {};
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (!(SETTINGS_FIELDS as readonly string[]).includes(key)) {
      errors._ = `unknown setting: ${key}`;
      continue;
    }
    const field = key as SettingsField;
    if (field === 'token' && value === null) {
      next.token = '';
      continue;
    }
    if (value === undefined) continue;
    const parsed = fieldSchemas[field].safeParse(value);
    // A list's item is named by its place ("gateway URL 2"), not its index ("1: ...").
    if (!parsed.success) errors[field] = describeZodError(parsed.error, { label: itemLabel(field) });
    else next[field] = parsed.data;
  }
  // Rules across fields (shortest chunk <= longest) are checked in the same pass, on the
  // valid values and the current ones, so every problem is reported at once.
  const whole = settingsSchema.safeParse(next);
  if (!whole.success) {
    for (const issue of whole.error.issues) {
      const field = String(issue.path[0] ?? '_') as SettingsField | '_';
      errors[field] ??= issue.message;
    }
  }
  if (Object.keys(errors).length || !whole.success) return { ok: false, errors };
  return { ok: true, settings: whole.data };
}

function itemLabel(field: SettingsField) {
  return (path: readonly PropertyKey[]) =>
    field === 'gatewayUrls' && typeof path[0] === 'number' ? `gateway URL ${path[0] + 1}` : undefined;
}
