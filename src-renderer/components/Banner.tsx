// Messages across the top of a view: errors (announced at once), warnings and
// confirmations. The tone picks the colours from the stylesheet.
import type { ReactNode } from 'react';

export interface BannerProps {
  tone: 'error' | 'warn' | 'ok';
  /** `alert` for what needs attention now, `status` for what can wait; none for static notes. */
  role?: 'alert' | 'status';
  testId?: string;
  children: ReactNode;
}

export function Banner({ tone, role, testId, children }: BannerProps) {
  return (
    <div className={`banner banner-${tone}`} role={role} data-testid={testId}>
      {children}
    </div>
  );
}

export function ErrorBanner({ testId, children }: { testId?: string; children: ReactNode }) {
  return (
    <Banner tone="error" role="alert" testId={testId}>
      {children}
    </Banner>
  );
}
