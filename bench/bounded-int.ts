// Flag parsing shared by the bench scripts: a whole number within bounds, or exit 2 with
// one line naming the flag.
export function boundedInt(text: string, name: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`--${name} must be an integer from ${min} to ${max}, got "${text}"`);
    process.exit(2);
  }
  return value;
}
