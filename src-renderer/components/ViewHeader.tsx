// The row every view starts with: its title (which labels the view's section), one line
// on what the view is for, and on the right the view's own actions or state.
import type { ReactNode } from 'react';

export interface ViewHeaderProps {
  /** Id of the heading; the view's <section> names it in aria-labelledby. */
  id: string;
  title: string;
  description?: ReactNode;
  /** Actions or state shown at the right. */
  children?: ReactNode;
}

export function ViewHeader({ id, title, description, children }: ViewHeaderProps) {
  return (
    <header className="view-header">
      <div>
        <h1 id={id}>{title}</h1>
        {description && <p>{description}</p>}
      </div>
      {children && <div className="row">{children}</div>}
    </header>
  );
}
