/** One drawn symbol per button, so a button is told by its shape and its words, never by colour alone. */
import type { KioskButton } from '../data/feedbackTypes';

const PATHS: Record<KioskButton, preact.JSX.Element> = {
  satisfied: (
    <>
      <circle cx="24" cy="24" r="19" />
      <circle cx="17" cy="19" r="2.4" class="fill" />
      <circle cx="31" cy="19" r="2.4" class="fill" />
      <path d="M14 28 Q24 38 34 28" />
    </>
  ),
  unsatisfied: (
    <>
      <circle cx="24" cy="24" r="19" />
      <circle cx="17" cy="19" r="2.4" class="fill" />
      <circle cx="31" cy="19" r="2.4" class="fill" />
      <path d="M14 35 Q24 25 34 35" />
    </>
  ),
  too_bright: (
    <>
      <circle cx="24" cy="24" r="8" />
      <path d="M24 4v7M24 37v7M4 24h7M37 24h7M10 10l5 5M33 33l5 5M10 38l5-5M33 15l5-5" />
    </>
  ),
  too_late: (
    <>
      <path d="M30 6a18 18 0 1 0 12 26A15 15 0 0 1 30 6z" />
      <path d="M13 16l4 3M13 19l4-3" />
    </>
  ),
  broken_lantern: (
    <>
      <path d="M24 3v5M18 8h12" />
      <path d="M24 8c-10 0-15 7-15 15s5 15 15 15 15-7 15-15S34 8 24 8z" />
      <path d="M26 12l-5 9 6 3-5 10" />
      <path d="M18 38h12M20 42h8" />
    </>
  ),
  help: (
    <>
      <path d="M16 22V10a3 3 0 0 1 6 0v10M22 19V7a3 3 0 0 1 6 0v13M28 19V10a3 3 0 0 1 6 0v14c0 10-5 17-13 17-6 0-9-4-12-9l-4-7a3 3 0 0 1 5-3l4 5" />
    </>
  ),
};

export function ButtonIcon({ button }: { button: KioskButton }) {
  return (
    <svg class="kbutton__icon" viewBox="0 0 48 48" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="3" stroke-linecap="round" stroke-linejoin="round">
      {PATHS[button]}
    </svg>
  );
}
