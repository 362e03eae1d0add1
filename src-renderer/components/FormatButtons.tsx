// The "export as" buttons of a row: one per file format, each named the same way in every
// view (a recording and a selection in History, the report in Stress).
import type { ExportFormat } from '../../src-shared/api/history.js';
import type { ReportFormat } from '../../src-shared/api/stress.js';

export type FileFormat = ExportFormat | ReportFormat;

/** How the app names each file format: on its button and in the notice after an export. */
export const FORMAT_LABEL: Record<FileFormat, string> = {
  txt: 'TXT',
  md: 'Markdown',
  srt: 'SRT',
  vtt: 'VTT',
  json: 'JSON',
  html: 'HTML',
};

export interface FormatButtonsProps<F extends FileFormat> {
  /** Shown before the buttons, e.g. "Export". */
  label: string;
  formats: readonly F[];
  onExport(format: F): void;
  /** What is exported, in each button's accessible name: "Export the report as JSON". */
  what?: string;
  disabled?: boolean;
  /** Each button's test id is `${testIdPrefix}-${format}`. */
  testIdPrefix?: string;
}

export function FormatButtons<F extends FileFormat>({
  label,
  formats,
  onExport,
  what,
  disabled,
  testIdPrefix,
}: FormatButtonsProps<F>) {
  return (
    <>
      <span className="small muted">{label}</span>
      {formats.map((format) => (
        <button
          key={format}
          type="button"
          className="btn btn-small"
          disabled={disabled}
          onClick={() => onExport(format)}
          data-testid={testIdPrefix && `${testIdPrefix}-${format}`}
          aria-label={`Export ${what ? `${what} ` : ''}as ${FORMAT_LABEL[format]}`}
        >
          {FORMAT_LABEL[format]}
        </button>
      ))}
    </>
  );
}
