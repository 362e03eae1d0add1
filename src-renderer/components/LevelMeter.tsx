// Input level as a horizontal bar; exposed to assistive tech as a meter.
export function LevelMeter({ level, label = 'Input level' }: { level: number; label?: string }) {
  // A perceptual curve: speech peaks around 0.1-0.5 should fill most of the bar.
  const shown = Math.min(1, Math.sqrt(Math.max(0, level)));
  const percent = Math.round(shown * 100);
  return (
    <div
      className="meter"
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
    >
      <div className="meter-fill" style={{ width: `${percent}%` }} />
    </div>
  );
}
