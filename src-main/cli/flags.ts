// Flag helpers the CLI commands share.

/** commander's collector for a repeatable flag: `--url A --url B` -> ['A', 'B']. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
