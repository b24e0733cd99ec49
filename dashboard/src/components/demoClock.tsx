/**
 * "演示时钟 2027-02-05 18:31 ×10" in the header while the controller runs a shifted (demo) clock, so
 * nobody takes the lanterns' evening for the real time. Ticks locally at the clock's speed; hidden on a
 * real clock.
 */
import { useEffect, useState } from 'preact/hooks';
import { clock, controllerNow, subscribeClock } from '../data/schedule';
import { useI18n } from '../i18n';
import { useStore, useSubscription } from '../lib/store';

/** 'YYYY-MM-DD HH:MM' in Asia/Shanghai. */
export const demoStamp = (t: number) => new Date(t + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

export function DemoClockBadge() {
  useSubscription(subscribeClock);
  const i = useI18n();
  const state = useStore(clock);
  const [, tick] = useState(0);
  const info = state.info;
  const shifted = !!info?.shifted;
  useEffect(() => {
    if (!shifted) return;
    // One controller minute passes every 60/speed seconds: repaint a little more often than that.
    const every = Math.max(250, Math.min(10_000, 60_000 / (info!.speed || 1) / 2));
    const timer = setInterval(() => tick((n) => n + 1), every);
    return () => clearInterval(timer);
  }, [shifted, info?.speed]);
  if (!info || !shifted) return null;
  const stamp = demoStamp(controllerNow(state));
  const speed = info.speed !== 1 ? ` ×${info.speed}` : '';
  return (
    <span class="demo-clock" data-testid="demo-clock" title={i.t('clock.demoTitle')}>
      {i.t('clock.demo')} {stamp}
      {speed}
    </span>
  );
}
