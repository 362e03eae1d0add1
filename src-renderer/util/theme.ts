// The theme's colours (custom properties of theme.css) for what a canvas draws: a chart's
// axes, the waveform. CSS cannot colour those pixels, so they are read here.

/** The value of a theme colour, or the fallback where it is not set (or there is no DOM). */
export function themeColor(name: string, fallback: string): string {
  if (typeof getComputedStyle === 'undefined') return fallback;
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}
